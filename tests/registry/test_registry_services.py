"""Registry services and reads beyond the basics: normalisation, unknown fields, licence types,
holders, revocation, audit (masked), English errors, the API's validation and filters, admin
lists masked, and the holder lookups the cases app relies on."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.core.factories import (
    MAINTAIN_REGISTRY as M,
)
from tests.core.factories import (
    ClerkFactory,
    HandlerFactory,
    UserFactory,
    department,
    ric_for,
    uscc_for,
)
from tests.helpers import has_cjk
from tests.registry.factories import (
    BusinessLicenceTypeFactory,
    ELicenceFactory,
    EnterpriseFactory,
    LicenceTypeFactory,
    PersonFactory,
)
from yingshang.core.models import Division
from yingshang.platform.models import AuditEntry
from yingshang.registry import selectors, services
from yingshang.registry.models import ELicence, Enterprise, LicenceType, Person

pytestmark = pytest.mark.django_db

USCC = uscc_for("510703", 1234)
RIC = ric_for("510703", "19950505", 42)


# ----------------------------------------------------------------------------- licence types


def test_save_licence_type_reports_created_updated_unchanged(mianyang):
    lt, how = services.save_licence_type(
        code="spjy", name="食品经营许可证", holder_kind="enterprise"
    )
    assert how == "created" and lt.holder_kind == "enterprise"
    assert (
        services.save_licence_type(code="spjy", name="食品经营许可证", holder_kind="enterprise")[1]
        == "unchanged"
    )
    lt2, how = services.save_licence_type(code="spjy", name="食品经营许可证(新)")
    assert how == "updated" and lt2.pk == lt.pk and lt2.holder_kind == "any"
    assert LicenceType.objects.filter(code="spjy").count() == 1


def test_save_licence_type_validates_holder_kind(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.save_licence_type(code="x", name="x", holder_kind="robot")
    assert "holder_kind" in exc.value.message_dict
    assert not LicenceType.objects.filter(code="x").exists()


# ------------------------------------------------------------------------- enterprises, persons


def test_register_enterprise_normalises_the_code_and_name(mianyang):
    spaced = f" {USCC[:9].lower()} {USCC[9:].lower()} "
    e = services.register_enterprise(uscc=spaced, name="  涪城示例科技有限公司 ")
    assert e.uscc == USCC and e.name == "涪城示例科技有限公司"
    assert selectors.enterprise_by_uscc(USCC.lower()) == e
    assert selectors.enterprise_by_uscc("") is None


def test_register_enterprise_refuses_unknown_fields_and_keeps_nothing(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(uscc=USCC, name="x", capital="100万", owner="x")
    assert set(exc.value.message_dict) == {"capital", "owner"}
    assert exc.value.message_dict["capital"] == ["未知字段。"]
    assert not Enterprise.objects.exists()


def test_register_enterprise_requires_a_name(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(uscc=USCC, name="   ")
    assert "name" in exc.value.message_dict
    assert not Enterprise.objects.exists()


def test_register_enterprise_updates_fields_and_audits_the_change(mianyang):
    e = services.register_enterprise(uscc=USCC, name="甲公司", phone="13912345678")
    services.register_enterprise(
        uscc=USCC, name="甲公司", phone="13987654321", address="绵阳市涪城区剑南路1号"
    )
    e.refresh_from_db()
    assert e.phone == "13987654321" and e.address == "绵阳市涪城区剑南路1号"
    entries = AuditEntry.objects.filter(object_type="registry.Enterprise", object_id=str(e.pk))
    assert list(entries.order_by("id").values_list("action", flat=True)) == ["create", "update"]
    text = str([x.changes for x in entries])
    assert "13987654321" not in text and "13912345678" not in text
    assert "139****4321" in text


def test_unchanged_registration_writes_no_audit_entry(mianyang):
    services.register_enterprise(uscc=USCC, name="甲公司")
    n = AuditEntry.objects.filter(object_type="registry.Enterprise").count()
    services.register_enterprise(uscc=USCC, name="甲公司")
    assert AuditEntry.objects.filter(object_type="registry.Enterprise").count() == n


def test_register_person_normalises_a_lowercase_check_x(mianyang):
    number = next(
        ric_for("510703", "19960101", seq)
        for seq in range(1, 200)
        if ric_for("510703", "19960101", seq).endswith("X")
    )
    p = services.register_person(id_number=number.lower(), name="李娟")
    assert p.id_number == number
    assert selectors.person_by_id_number(number.lower()) == p
    assert services.register_person(id_number=number, name="李娟") == p


def test_register_person_refuses_unknown_fields(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.register_person(id_number=RIC, name="张明", address="x")
    assert exc.value.message_dict == {"address": ["未知字段。"]}
    assert not Person.objects.exists()


def test_invalid_codes_refused_in_english(mianyang):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.register_person(id_number="510703199505050000", name="x")
        message = exc.value.message_dict["id_number"][0]
        with pytest.raises(ValidationError) as exc:
            services.register_enterprise(uscc="91510703MA00012340", name="x")
        message2 = exc.value.message_dict["uscc"][0]
    assert message and not has_cjk(message)
    assert "91510703MA00012340" in message2 and not has_cjk(message2.replace("91510703", ""))


def test_person_string_and_properties_are_masked(mianyang):
    p = PersonFactory(id_number=RIC, phone="13811112222")
    assert RIC not in str(p) and p.masked_id == RIC[:6] + "********" + RIC[-4:]
    assert p.masked_phone == "138****2222"
    assert EnterpriseFactory(phone="13911112222").masked_phone == "139****2222"


def test_link_enterprise_user_refuses_staff(mianyang, staff):
    e = EnterpriseFactory()
    portal = UserFactory()
    services.link_enterprise_user(e, portal)
    assert list(selectors.represented_enterprises(portal)) == [e]
    with pytest.raises(ValidationError) as exc:
        services.link_enterprise_user(e, staff["chengban"])
    assert exc.value.message_dict == {"user": ["工作人员账号不能作为企业经办账号。"]}
    assert list(selectors.represented_enterprises(portal)) == [e]


def test_holders_for_user(mianyang):
    portal = UserFactory()
    a, b = EnterpriseFactory.create_batch(2)
    EnterpriseFactory()  # someone else's
    services.link_enterprise_user(a, portal)
    services.link_enterprise_user(b, portal)
    person = services.register_person(id_number=RIC, name="张明", user=portal)
    holders = selectors.holders_for_user(portal)
    assert set(holders[:2]) == {a, b} and holders[2] == person
    assert selectors.holders_for_user(UserFactory()) == []

    class Anonymous:
        is_authenticated = False

    assert selectors.holders_for_user(Anonymous()) == []


# ------------------------------------------------------------------------------ e-licences


@pytest.fixture
def yyzz(mianyang):
    return BusinessLicenceTypeFactory()


def test_issue_to_a_person_and_holder_checks(mianyang, yyzz):
    sfz = LicenceTypeFactory(code="jszz", name="驾驶证", holder_kind="person")
    person = PersonFactory()
    lic = services.issue_elicence(person, sfz, department("510700", "police"), " JS-1 ")
    assert lic.number == "JS-1" and lic.holder == person and lic.enterprise is None
    assert selectors.licence_for(person, "jszz") == lic
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(EnterpriseFactory(), sfz, department("510700", "police"), "JS-2")
    assert exc.value.message_dict["holder"] == ["证照“驾驶证”不能发给该类持证主体。"]
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence("not a holder", yyzz, department("510700", "market"), "Z-1")
    assert exc.value.message_dict == {"holder": ["持证主体必须是企业或自然人。"]}


def test_issue_refuses_an_empty_number(mianyang, yyzz):
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(EnterpriseFactory(), yyzz, department("510700", "market"), "  ")
    assert exc.value.message_dict == {"number": ["证照编号不能为空。"]}
    assert not ELicence.objects.exists()


def test_issue_defaults_to_today_and_keeps_data(mianyang, yyzz):
    lic = services.issue_elicence(
        EnterpriseFactory(), "yyzz", department("510700", "market"), "N-1", "", {"capital": "100万"}
    )
    assert lic.issued_on == timezone.localdate() and lic.data == {"capital": "100万"}
    assert lic.status == ELicence.Status.VALID and str(lic) == "营业执照 N-1"


def test_revoke_keeps_the_reason_and_refuses_twice(mianyang):
    lic = ELicenceFactory(data={"capital": "100万"})
    services.revoke_elicence(lic, "企业注销")
    lic.refresh_from_db()
    assert lic.status == ELicence.Status.REVOKED
    assert lic.data == {"capital": "100万", "revoked_reason": "企业注销"}
    with pytest.raises(ValidationError) as exc:
        services.revoke_elicence(lic)
    assert exc.value.message_dict == {"status": ["该证照已注销。"]}


def test_licence_for_picks_the_newest_valid_unexpired(mianyang, yyzz):
    e = EnterpriseFactory()
    today = timezone.localdate()
    old = ELicenceFactory(enterprise=e, licence_type=yyzz, issued_on=datetime.date(2020, 1, 1))
    new = ELicenceFactory(enterprise=e, licence_type=yyzz, issued_on=datetime.date(2024, 1, 1))
    ELicenceFactory(
        enterprise=e,
        licence_type=yyzz,
        issued_on=datetime.date(2025, 1, 1),
        status=ELicence.Status.REVOKED,
    )
    assert selectors.licence_for(e, yyzz) == new
    new.valid_until = today  # the last day of validity still counts
    new.save()
    assert selectors.licence_for(e, "yyzz") == new
    new.valid_until = today - datetime.timedelta(days=1)
    new.save()
    assert selectors.licence_for(e, "yyzz") == old
    assert selectors.licence_for(None, "yyzz") is None
    assert selectors.licence_for(e, None) is None
    assert selectors.licence_for("x", "yyzz") is None


def test_licences_of_with_and_without_revoked(mianyang):
    e = EnterpriseFactory()
    valid = ELicenceFactory(enterprise=e)
    revoked = ELicenceFactory(enterprise=e, status=ELicence.Status.REVOKED)
    ELicenceFactory()  # another holder
    assert list(selectors.licences_of(e)) == [valid]
    assert set(selectors.licences_of(e, valid_only=False)) == {valid, revoked}
    assert list(selectors.licences_of("x")) == []


def test_staff_reads_are_scoped(mianyang, staff):
    fc = EnterpriseFactory(division=Division.objects.get(code="510703"), name="涪城甲")
    jy = EnterpriseFactory(division=Division.objects.get(code="510781"), name="江油乙")
    assert set(selectors.enterprises_for(staff["jianduyuan"])) == {fc, jy}
    assert list(selectors.enterprises_for(staff["fucheng_jiandu"])) == [fc]
    assert list(selectors.enterprises_for(staff["jianduyuan"], q="江油")) == [jy]
    assert list(selectors.enterprises_for(staff["jianduyuan"], q=jy.uscc)) == [jy]
    lic_fc = ELicenceFactory(enterprise=fc, issuer=department("510703", "market"))
    lic_jy = ELicenceFactory(enterprise=jy, issuer=department("510781", "market"))
    assert list(selectors.licences_for(staff["jiangyou_chengban"])) == [lic_jy]
    assert list(selectors.licences_for(staff["jianduyuan"], holder_uscc=fc.uscc)) == [lic_fc]
    assert list(selectors.licences_for(staff["jianduyuan"], licence_type="none")) == []


# ------------------------------------------------------------------------------------- API


def test_api_post_updates_an_existing_enterprise(mianyang, staff, login):
    e = EnterpriseFactory(uscc=USCC, name="旧名")
    client = login(staff["kezhang"])  # the demo's registry maintainer
    r = client.post(
        "/api/registry/enterprises/",
        {"uscc": USCC, "name": "新名", "legal_representative": "王明"},
        content_type="application/json",
    )
    assert r.status_code == 201
    e.refresh_from_db()
    assert e.name == "新名" and e.legal_representative == "王明"
    assert Enterprise.objects.count() == 1


def test_api_refuses_an_unknown_division_in_english(mianyang, staff, login):
    client = login(staff["kezhang"])
    r = client.post(
        "/api/registry/enterprises/",
        {"uscc": USCC, "name": "x", "division_code": "999999"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert r.status_code == 400 and "division_code" in r.json()
    assert not has_cjk(r.json()["division_code"][0])
    assert not Enterprise.objects.exists()


def test_api_portal_users_are_refused(mianyang, login):
    client = login(UserFactory())
    assert client.get("/api/registry/enterprises/").status_code in (403, 404)
    assert client.get("/api/registry/licences/").status_code in (403, 404)


def test_api_licence_of_a_person_shows_the_id_masked(mianyang, staff, login):
    person = PersonFactory(id_number=RIC)
    ELicenceFactory(enterprise=None, person=person, number="P-1")
    ELicenceFactory(number="E-1", status=ELicence.Status.REVOKED)
    client = login(staff["jianduyuan"])
    rows = client.get("/api/registry/licences/").json()["results"]
    by_number = {r["number"]: r for r in rows}
    assert by_number["P-1"]["holder_code"] == person.masked_id
    assert RIC not in str(rows)
    revoked = client.get("/api/registry/licences/?status=revoked").json()["results"]
    assert [r["number"] for r in revoked] == ["E-1"]


def test_admin_lists_mask_personal_data(mianyang, staff, login):
    PersonFactory(id_number=RIC, phone="13811112222", name="赵敏")
    EnterpriseFactory(phone="13933334444", name="乙公司")
    client = login(staff["admin"])
    people = client.get("/admin/registry/person/").content.decode()
    assert "赵敏" in people and RIC not in people and "138****2222" in people
    companies = client.get("/admin/registry/enterprise/").content.decode()
    assert "乙公司" in companies and "13933334444" not in companies


# ------------------------------------------------------------------- write scope (#16 item 1)


def _enterprise_row(e):
    e.refresh_from_db()
    return (e.name, e.legal_representative, e.phone, e.address, e.division_id)


def test_upsert_by_uscc_never_touches_a_record_outside_the_callers_scope(mianyang, login):
    """The finding: the 江油 window clerk rewrote the name of a 涪城 company and moved it into
    江油. Now: a 江油 registry maintainer gets 404 and the row stays as it was; a 江油 clerk
    without the permission gets 403."""
    fucheng = EnterpriseFactory(division_code="510703", name="涪城原名")
    before = _enterprise_row(fucheng)
    jy_maintainer = HandlerFactory(department=department("510781", "market"), maintains=[M])
    payload = {"uscc": fucheng.uscc, "name": "被改名", "division_code": "510781"}
    r = login(jy_maintainer).post("/api/registry/enterprises/", payload, "application/json")
    assert r.status_code == 404
    assert _enterprise_row(fucheng) == before
    jy_clerk = ClerkFactory(department=department("510781", "hall"))
    r = login(jy_clerk).post("/api/registry/enterprises/", payload, "application/json")
    assert r.status_code == 403
    assert _enterprise_row(fucheng) == before


def test_a_maintainer_may_not_move_a_record_out_of_or_create_one_outside_his_scope(mianyang, login):
    jiangyou = EnterpriseFactory(division_code="510781", name="江油企业")
    before = _enterprise_row(jiangyou)
    jy_maintainer = HandlerFactory(department=department("510781", "market"), maintains=[M])
    client = login(jy_maintainer)
    r = client.post(
        "/api/registry/enterprises/",
        {"uscc": jiangyou.uscc, "name": "江油企业", "division_code": "510703"},
        "application/json",
    )
    assert r.status_code == 400 and "division_code" in r.json()
    assert _enterprise_row(jiangyou) == before
    new = uscc_for("510703", 7_700_001)
    r = client.post(
        "/api/registry/enterprises/",
        {"uscc": new, "name": "涪城新企业", "division_code": "510703"},
        "application/json",
    )
    assert r.status_code == 400
    assert not Enterprise.objects.filter(uscc=new).exists()
    # inside his subtree: updated
    r = client.post(
        "/api/registry/enterprises/",
        {"uscc": jiangyou.uscc, "name": "江油企业(更名)"},
        "application/json",
    )
    assert r.status_code == 201
    assert _enterprise_row(jiangyou)[0] == "江油企业(更名)"


def test_the_service_checks_the_actor_and_the_system_is_trusted(mianyang):
    fucheng = EnterpriseFactory(division_code="510703", name="涪城原名")
    with pytest.raises(PermissionDenied):
        services.register_enterprise(
            uscc=fucheng.uscc, name="x", actor=ClerkFactory(department=department("510781", "hall"))
        )
    assert services.register_enterprise(uscc=fucheng.uscc, name="系统更新").name == "系统更新"
