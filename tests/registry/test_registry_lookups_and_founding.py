"""The registry's public lookups and the founding service, role by role and edge by edge:
``holder_for_staff`` (scoped: outside the subtree a holder is as unknown as an unregistered
one), the code lookups' normalisation, ``found_enterprise`` (a new company and its founder's
verified link, every refusal writing nothing), asking again for the same enterprise in each
state, the code's expiry to the second, the enterprise API's lookup by USCC, the representation
API for staff who decide nothing, and the read-only admin of representations."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from tests.core.factories import UserFactory, ric_for, uscc_for
from tests.registry.factories import EnterpriseFactory, PersonFactory
from yingshang.platform.models import AuditEntry
from yingshang.registry import public, selectors, services
from yingshang.registry.models import (
    Enterprise,
    Representation,
    RepresentationEvent,
    RepresentationStatus,
    VerificationMethod,
)

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


def capture(**kwargs):
    SENT.append(kwargs)


@pytest.fixture(autouse=True)
def _sender(settings):
    SENT.clear()
    settings.REGISTRY_CODE_SENDER = "tests.registry.test_registry_lookups_and_founding.capture"


@pytest.fixture
def holders(mianyang):
    """An enterprise registered in 涪城区 and a person of 江油市."""
    return (
        EnterpriseFactory(uscc=uscc_for("510703", 7001), phone="13980617777"),
        PersonFactory(id_number=ric_for("510781", "19900102", 7), division_code="510781"),
    )


@pytest.fixture
def portal(mianyang):
    return UserFactory(phone="13700007777")


# ------------------------------------------------------------------------------ lookups


@pytest.mark.parametrize(
    "username, sees_enterprise, sees_person",
    [
        ("admin", True, True),
        ("chuangkou", True, True),  # city: both counties are in the subtree
        ("fucheng_chengban", True, False),
        ("jiangyou_chuangkou", False, True),
    ],
)
def test_holder_for_staff_is_scoped(holders, staff, username, sees_enterprise, sees_person):
    enterprise, person = holders
    user = staff[username]
    assert selectors.holder_for_staff(user, enterprise.uscc) == (
        enterprise if sees_enterprise else None
    )
    assert selectors.holder_for_staff(user, person.id_number) == (person if sees_person else None)


@pytest.mark.parametrize("code", ["", "   ", None, uscc_for("510703", 7999)])
def test_holder_for_staff_without_a_registered_code_is_none(holders, staff, code):
    assert public.holder_for_staff(staff["admin"], code) is None


def test_code_lookups_ignore_case_and_surrounding_space(holders):
    enterprise, person = holders
    assert selectors.person_by_id_number(f" {person.id_number.lower()}\t") == person
    assert selectors.enterprise_by_uscc(f" {enterprise.uscc.lower()} ") == enterprise
    assert selectors.enterprise_by_uscc("") is None and selectors.person_by_id_number(None) is None
    found = public.enterprises_by_uscc(
        [enterprise.uscc.lower(), uscc_for("510703", 7999), None, f" {enterprise.uscc} "]
    )
    assert list(found) == [enterprise]  # unknown codes are simply absent


# ----------------------------------------------------------------------------- founding


def test_founding_creates_the_company_and_links_its_founder(mianyang, portal):
    code = uscc_for("510703", 7101)
    company = services.found_enterprise(
        uscc=code.lower(), name="  绵阳新设科技有限公司 ", founder=portal, channel="web",
        note="设立登记 CASE-1", legal_representative="钱创始", phone="13900007101",
    )  # fmt: skip
    assert (company.uscc, company.name) == (code, "绵阳新设科技有限公司")
    rep = Representation.objects.get(enterprise=company, user=portal)
    assert rep.status == RepresentationStatus.VERIFIED
    assert rep.method == VerificationMethod.STAFF and rep.decided_at is not None
    events = list(rep.events.order_by("pk").values_list("action", "actor_name", "note", "channel"))
    assert [e[0] for e in events] == ["request", "approve"]
    assert events[0][1] == portal.username and events[1][1] in ("", "system")
    assert all(e[2] == "设立登记 CASE-1" and e[3] == "web" for e in events)
    assert selectors.is_representative(portal, company)
    assert company in selectors.holders_for_user(portal)
    assert AuditEntry.objects.filter(
        object_type="registry.Enterprise", object_id=str(company.pk), action="create"
    ).exists()


def test_a_company_founded_for_staff_or_nobody_has_no_representative(mianyang, staff):
    for n, founder in enumerate([staff["chuangkou"], None]):
        company = services.found_enterprise(uscc=uscc_for("510703", 7201 + n), name=f"新设{n}",
                                            founder=founder)  # fmt: skip
        assert not Representation.objects.filter(enterprise=company).exists()


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        (
            {"uscc": "91510703MA6AB1C010"},
            "uscc",
            "统一社会信用代码无效：应为 18 位，请核对校验位。",
        ),
        ({"uscc": ""}, "uscc", "统一社会信用代码无效：应为 18 位，请核对校验位。"),
        ({"uscc": "EXISTING"}, "uscc", "该统一社会信用代码已在登记库中，不能用于新设企业。"),
        ({"capital": "100万"}, "capital", "未知字段。"),
        ({"name": "  "}, "name", None),
    ],
)
def test_founding_refusals_write_nothing(holders, portal, kwargs, field, message):
    existing, _person = holders
    values = {"uscc": uscc_for("510703", 7301), "name": "新设公司", "founder": portal, **kwargs}
    if values["uscc"] == "EXISTING":
        values["uscc"] = existing.uscc
    enterprises, reps = Enterprise.objects.count(), Representation.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.found_enterprise(**values)
    assert field in exc.value.message_dict
    if message:
        assert exc.value.message_dict[field] == [message]
    assert (Enterprise.objects.count(), Representation.objects.count()) == (enterprises, reps)
    existing.refresh_from_db()
    assert existing.name != "新设公司"  # an existing USCC is never updated by a founding


def test_founding_refusal_in_english(holders, portal):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.found_enterprise(uscc=holders[0].uscc, name="x", founder=portal)
    (message,) = exc.value.message_dict["uscc"]
    assert "already" in message and not any("\u4e00" <= ch <= "\u9fff" for ch in message)


# --------------------------------------------------------------------------- asking again


def _requests(rep):
    return list(rep.events.order_by("pk").values_list("action", flat=True))


def test_asking_again_returns_the_request_in_each_state(holders, portal, staff):
    enterprise = holders[0]
    first = services.request_representation(user=portal, uscc_code=enterprise.uscc)
    again = services.request_representation(user=portal, uscc_code=enterprise.uscc.lower())
    assert again.pk == first.pk and _requests(first) == ["request"]  # pending: the same, no event
    services.approve_representation(first, user=staff["chuangkou"])
    verified = services.request_representation(user=portal, uscc_code=enterprise.uscc)
    assert verified.status == RepresentationStatus.VERIFIED
    assert _requests(first) == ["request", "approve"]
    services.revoke_representation(verified, user=portal)
    reopened = services.request_representation(user=portal, uscc_code=enterprise.uscc)
    assert (reopened.pk, reopened.status) == (first.pk, RepresentationStatus.PENDING)
    assert reopened.method == "" and reopened.decided_at is None
    assert _requests(first) == ["request", "approve", "revoke", "reapply"]
    assert Representation.objects.filter(user=portal).count() == 1


@pytest.mark.parametrize("after, accepted", [(599, True), (600, False), (3600, False)])
def test_the_code_expires_to_the_second(holders, portal, after, accepted):
    rep = services.request_representation(user=portal, uscc_code=holders[0].uscc)
    sent = timezone.now() - datetime.timedelta(hours=2)
    services.send_code(rep, user=portal, at=sent)
    code = SENT[-1]["values"]["code"]
    assert SENT[-1]["phone"] == "13980617777" and SENT[-1]["values"]["minutes"] == "10"
    at = sent + datetime.timedelta(seconds=after)
    if accepted:
        assert services.verify_code(rep, user=portal, code=code, at=at).status == "verified"
    else:
        with pytest.raises(ValidationError) as exc:
            services.verify_code(rep, user=portal, code=code, at=at)
        assert exc.value.message_dict == {"code": ["验证码已过期，请重新获取。"]}
        rep.refresh_from_db()
        assert rep.status == RepresentationStatus.PENDING and rep.code_attempts == 0


# -------------------------------------------------------------------------------- API, admin


@pytest.mark.parametrize(
    "username, status", [("jianduyuan", 200), ("fucheng_jiandu", 200), ("jiangyou_chuangkou", 404)]
)
def test_enterprise_api_lookup_by_uscc(holders, staff, login, username, status):
    enterprise = holders[0]
    r = login(staff[username]).get(f"/api/registry/enterprises/{enterprise.uscc}/")
    assert r.status_code == status
    if status == 200:
        body = r.json()
        assert body["uscc"] == enterprise.uscc and body["division_code"] == "510703"
        assert body["masked_phone"] == "139****7777" and "phone" not in body


def test_enterprise_api_filters_by_division(holders, staff, login):
    EnterpriseFactory(uscc=uscc_for("510781", 7002), division_code="510781")
    api = login(staff["jianduyuan"])
    got = api.get("/api/registry/enterprises/", {"division__code": "510781"}).json()
    assert [e["division_code"] for e in got["results"]] == ["510781"]
    assert api.get("/api/registry/enterprises/", {"uscc": holders[0].uscc}).json()["count"] == 1


@pytest.mark.parametrize("username", ["shilingdao", "chengban", "jianduyuan"])
def test_staff_who_decide_nothing_see_no_representations(holders, portal, staff, login, username):
    rep = services.request_representation(user=portal, uscc_code=holders[0].uscc)
    api = login(staff[username])
    assert api.get("/api/registry/representations/").json()["count"] == 0
    assert api.get(f"/api/registry/representations/{rep.pk}/").status_code == 404
    r = api.post(f"/api/registry/representations/{rep.pk}/decide/", {"action": "approve"},
                 content_type="application/json")  # fmt: skip
    assert r.status_code == 404
    rep.refresh_from_db()
    assert rep.status == RepresentationStatus.PENDING
    assert RepresentationEvent.objects.filter(representation=rep).count() == 1


def test_representations_are_read_only_in_the_admin(holders, portal, admin_client):
    rep = services.request_representation(user=portal, uscc_code=holders[0].uscc)
    services.send_code(rep, user=portal)
    assert admin_client.get("/admin/registry/representation/add/").status_code == 403
    assert admin_client.get(f"/admin/registry/representation/{rep.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/registry/representation/{rep.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    rep.refresh_from_db()
    assert rep.code_hash and rep.code_hash not in html and "code_hash" not in html
    assert 'name="status"' not in html  # the state changes only through the machine


def test_my_enterprises_lists_licences_only_of_verified_and_valid_links(
    holders, portal, login, staff
):
    """我的企业: a verified row shows its enterprise's valid e-licences; a pending row nothing
    of the enterprise's documents, and a revoked licence is not listed."""
    from tests.registry.factories import BusinessLicenceTypeFactory
    from yingshang.core.models import Department

    enterprise = holders[0]
    other = EnterpriseFactory(uscc=uscc_for("510703", 7003))
    market = Department.objects.get(division__code="510703", function_key="market")
    BusinessLicenceTypeFactory()
    kept = services.issue_elicence(enterprise, "yyzz", market, "YYZZ-KEPT")
    gone = services.issue_elicence(other, "yyzz", market, "YYZZ-OTHER")
    verified = services.request_representation(user=portal, uscc_code=enterprise.uscc)
    services.approve_representation(verified, user=staff["chuangkou"])
    services.request_representation(user=portal, uscc_code=other.uscc)  # stays pending
    page = login(portal).get("/my/enterprises/").content.decode()
    assert page.count('data-testid="enterprise-licences"') == 1
    assert kept.number in page and gone.number not in page
    services.revoke_elicence(kept, "注销")
    page = login(portal).get("/my/enterprises/").content.decode()
    assert kept.number not in page and 'data-testid="enterprise-licences"' not in page
