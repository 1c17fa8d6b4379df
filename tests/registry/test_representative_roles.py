"""Enterprise representatives, role by role and through every door (services, API, pages):
who may approve, reject and revoke, what is 404 out of scope, what the pages and the API
refuse with field errors, and the registry selectors/services the flows rely on."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.core.factories import UserFactory
from tests.registry.factories import (
    ELicenceFactory,
    EnterpriseFactory,
    LicenceTypeFactory,
    PersonFactory,
)
from yingshang.registry import selectors, services
from yingshang.registry.models import ELicence, RepresentationStatus, VerificationMethod
from yingshang.registry.policies import policy

SENT: list[dict] = []


def capture(**kwargs):
    SENT.append(kwargs)


class Knows:
    available = True
    names: dict = {}

    def real_name(self, user):
        return self.names.get(user.pk)


@pytest.fixture(autouse=True)
def _sender(settings):
    SENT.clear()
    Knows.names = {}
    settings.REGISTRY_CODE_SENDER = "tests.registry.test_representative_roles.capture"
    settings.REGISTRY_REALNAME_PROVIDER = "tests.registry.test_representative_roles.Knows"


@pytest.fixture
def enterprise(mianyang):  # registered in 涪城区 (510703), under the city
    return EnterpriseFactory(phone="13980618888", legal_representative="赵法人")


@pytest.fixture
def portal(mianyang):
    return UserFactory(phone="13700001111")


@pytest.fixture
def pending(enterprise, portal):
    return services.request_representation(user=portal, uscc_code=enterprise.uscc)


# ------------------------------------------------------------------------------ policy


@pytest.mark.parametrize(
    "username, approve, revoke",
    [
        ("admin", True, True),
        ("chuangkou", True, True),  # city clerk: 涪城 is in the subtree
        ("jiangyou_chuangkou", False, False),  # clerk of another county
        ("chengban", False, False),  # handlers do not decide
        ("kezhang", True, True),  # market-bureau head in the 登记主体维护员 group
        ("shilingdao", False, False),  # read-only leader
        ("jianduyuan", False, False),
        ("fucheng_jiandu", False, False),
    ],
)
def test_policy_role_by_role(pending, staff, username, approve, revoke):
    user = staff[username]
    assert policy.can(user, "approve", pending) is approve
    assert policy.can(user, "revoke", pending) is revoke
    assert policy.can(user, "represent", pending) is False
    assert (pending in selectors.representation_queue(user)) is approve


def test_policy_owner_and_strangers(pending, portal):
    stranger = UserFactory()
    assert policy.can(portal, "represent", pending) and policy.can(portal, "revoke", pending)
    assert not policy.can(portal, "approve", pending)
    assert not policy.can(stranger, "represent", pending)
    assert not policy.can(stranger, "revoke", pending)
    assert not policy.can(None, "represent", pending)


def test_refused_decision_writes_nothing(pending, staff):
    with pytest.raises(ValidationError) as exc:
        services.approve_representation(pending, user=staff["jiangyou_chuangkou"], note="x")
    assert "user" in exc.value.message_dict
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING
    assert list(pending.events.values_list("action", flat=True)) == ["request"]


def test_approver_revokes_verified_and_owner_reapplies(enterprise, portal, pending, staff):
    rep = services.approve_representation(pending, user=staff["chuangkou"], note="材料齐全")
    event = rep.events.get(action="approve")
    assert (event.from_state, event.to_state) == ("pending", "verified")
    assert event.data == {"method": "staff"} and event.note == "材料齐全"
    with pytest.raises(ValidationError):  # out-of-scope approver cannot revoke either
        services.revoke_representation(rep, user=staff["jiangyou_chuangkou"])
    rep = services.revoke_representation(rep, user=staff["admin"], note="授权到期")
    assert rep.status == RepresentationStatus.REVOKED and rep.decided_at is not None
    assert not selectors.is_representative(portal, enterprise)
    with pytest.raises(ValidationError) as exc:  # revoked twice: the machine refuses
        services.revoke_representation(rep, user=staff["admin"])
    assert "status" in exc.value.message_dict
    rep = services.reapply_representation(rep, user=portal)
    assert rep.status == RepresentationStatus.PENDING
    assert rep.method == "" and rep.decided_at is None and rep.code_attempts == 0


def test_verified_request_takes_no_more_codes(pending, portal, staff):
    rep = services.approve_representation(pending, user=staff["chuangkou"])
    for step in (
        lambda: services.send_code(rep, user=portal),
        lambda: services.verify_code(rep, user=portal, code="123456"),
        lambda: services.verify_realname(rep, user=portal),
    ):
        with pytest.raises(ValidationError) as exc:
            step()
        assert "status" in exc.value.message_dict
    assert SENT == []


@pytest.mark.parametrize(
    "names, legal, message",
    [
        ({}, "赵法人", "您的账号尚未完成实名认证。"),
        ("self", "", "实名信息与企业法定代表人不一致。"),
        ("self", " 赵法人 ", None),  # surrounding spaces do not matter
    ],
)
def test_realname_outcomes(enterprise, portal, pending, names, legal, message):
    Knows.names = {portal.pk: "赵法人"} if names == "self" else names
    enterprise.legal_representative = legal
    enterprise.save()
    if message:
        with pytest.raises(ValidationError) as exc:
            services.verify_realname(pending, user=portal)
        assert exc.value.message_dict == {"method": [message]}
    else:
        rep = services.verify_realname(pending, user=portal)
        assert rep.method == VerificationMethod.REALNAME
        assert rep.events.get(action="verify_realname").data == {"method": "realname"}


def test_blank_code_and_unknown_enterprise(enterprise, portal, pending):
    with pytest.raises(ValidationError) as exc:
        services.verify_code(pending, user=portal, code="  ")
    assert exc.value.message_dict == {"code": ["请填写验证码。"]}
    with pytest.raises(ValidationError) as exc:  # valid USCC, not in the registry
        services.request_representation(user=portal, uscc_code=EnterpriseFactory.build().uscc)
    assert exc.value.message_dict == {"uscc": ["登记库中没有该企业。"]}


def test_code_resend_setting_and_wrong_code_does_not_verify(pending, portal, settings):
    settings.REGISTRY_CODE_RESEND_SECONDS = 0
    settings.REGISTRY_CODE_TTL_SECONDS = 300
    services.send_code(pending, user=portal)
    first = SENT[-1]["values"]["code"]
    assert SENT[-1]["values"]["minutes"] == "5"
    services.send_code(pending, user=portal)  # allowed at once; the old code is dead
    second = SENT[-1]["values"]["code"]
    assert pending.events.filter(action="send_code").count() == 2
    if first != second:
        with pytest.raises(ValidationError):
            services.verify_code(pending, user=portal, code=first)
    rep = services.verify_code(pending, user=portal, code=f" {second} ")
    assert rep.status == RepresentationStatus.VERIFIED


# ------------------------------------------------------------------------------ trusted link


def test_link_enterprise_user(enterprise, portal, pending, staff):
    with pytest.raises(ValidationError) as exc:
        services.link_enterprise_user(enterprise, staff["chuangkou"])
    assert exc.value.message_dict == {"user": ["工作人员账号不能作为企业经办账号。"]}
    services.reject_representation(pending, user=staff["chuangkou"], note="无授权")
    rep = services.link_enterprise_user(enterprise, portal)  # rejected → reopened → approved
    assert rep.pk == pending.pk and rep.status == RepresentationStatus.VERIFIED
    actions = list(rep.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["request", "reject", "reapply", "approve"]
    assert services.link_enterprise_user(enterprise, portal).pk == rep.pk  # idempotent
    assert rep.events.count() == 4
    fresh = services.link_enterprise_user(EnterpriseFactory(), portal)
    assert list(fresh.events.values_list("action", flat=True).order_by("id")) == [
        "request",
        "approve",
    ]


# ------------------------------------------------------------------------------ API


def _post(client, url, data=None, **kw):
    return client.post(url, data or {}, content_type="application/json", **kw)


def test_api_revoke_and_realname_and_filters(login, enterprise, portal, pending, staff):
    api = login(portal)
    Knows.names = {portal.pk: "赵法人"}
    r = _post(api, f"/api/registry/representations/{pending.pk}/verify-realname/")
    assert r.status_code == 200 and r.json()["method"] == "realname"
    assert [e["action"] for e in r.json()["events"]] == ["request", "verify_realname"]
    assert api.get("/api/registry/representations/?status=pending").json()["count"] == 0
    assert api.get("/api/registry/representations/?status=verified").json()["count"] == 1
    clerk = login(staff["chuangkou"])
    r = _post(
        clerk,
        f"/api/registry/representations/{pending.pk}/decide/",
        {"action": "revoke", "note": "离职"},
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = _post(clerk, f"/api/registry/representations/{pending.pk}/decide/", {"action": "approve"})
    assert r.status_code == 400 and "status" in r.json()["errors"]


@pytest.mark.parametrize(
    "payload, field, lang, zh",
    [
        ({"action": "delete"}, "action", "zh-hans", True),
        ({"action": "delete"}, "action", "en", False),
        ({"action": "reject", "note": "x" * 501}, "note", "zh-hans", True),
        ({"action": "reject", "note": "x" * 501}, "note", "en", False),
    ],
)
def test_api_decide_bad_input(login, pending, staff, payload, field, lang, zh):
    clerk = login(staff["chuangkou"])
    r = _post(
        clerk,
        f"/api/registry/representations/{pending.pk}/decide/",
        payload,
        headers={"accept-language": lang},
    )
    assert r.status_code == 400
    message = r.json()["errors"][field][0]
    assert bool(re.search(r"[\u4e00-\u9fff]", message)) is zh
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING


@pytest.mark.parametrize("lang, zh", [("zh-hans", True), ("en", False)])
def test_api_request_bad_uscc(login, portal, lang, zh):
    r = _post(
        login(portal),
        "/api/registry/representations/",
        {"uscc": "91510703MA6AB1C010"},
        headers={"accept-language": lang},
    )
    assert r.status_code == 400
    assert bool(re.search(r"[\u4e00-\u9fff]", r.json()["errors"]["uscc"][0])) is zh
    assert not portal.representations.exists()


def test_api_staff_cannot_request_and_anonymous_refused(client, login, enterprise, staff):
    r = _post(
        login(staff["chuangkou"]), "/api/registry/representations/", {"uscc": enterprise.uscc}
    )
    assert r.status_code == 400 and "user" in r.json()["errors"]
    client.logout()
    assert client.get("/api/registry/representations/").status_code in (401, 403)


def test_api_portal_cannot_decide_own_request(login, portal, pending):
    r = _post(
        login(portal), f"/api/registry/representations/{pending.pk}/decide/", {"action": "approve"}
    )
    assert r.status_code == 400 and "user" in r.json()["errors"]
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING


# ------------------------------------------------------------------------------ pages


def test_my_enterprises_steps(login, enterprise, portal, pending, staff):
    page = login(portal)
    assert enterprise.name in page.get("/my/enterprises/").content.decode()
    r = page.post("/my/enterprises/", {"new-uscc": enterprise.uscc})
    assert r.status_code == 302  # asking again: the same request
    assert portal.representations.count() == 1
    assert (
        page.post("/my/enterprises/", {"representation": pending.pk, "op": "revoke"}).status_code
        == 302
    )
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.REVOKED
    r = page.post("/my/enterprises/", {"representation": pending.pk, "op": "reapply"})
    assert r.status_code == 302
    Knows.names = {portal.pk: "赵法人"}
    r = page.post("/my/enterprises/", {"representation": pending.pk, "op": "verify_realname"})
    assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.VERIFIED
    assert pending.method == VerificationMethod.REALNAME


def test_my_enterprises_refuses_staff_and_bad_op(login, portal, pending, staff):
    assert login(staff["chuangkou"]).get("/my/enterprises/").status_code == 403
    r = login(portal).post("/my/enterprises/", {"representation": pending.pk, "op": "approve"})
    assert r.status_code == 400
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING


def test_queue_page_out_of_scope_and_masking(login, pending, staff):
    far = login(staff["jiangyou_chuangkou"])
    html = far.get("/staff/registry/representatives/").content.decode()
    assert pending.enterprise.name not in html
    r = far.post(
        "/staff/registry/representatives/", {"representation": pending.pk, "op": "approve"}
    )
    assert r.status_code == 404
    html = login(staff["chuangkou"]).get("/staff/registry/representatives/").content.decode()
    assert "137****1111" in html and "13700001111" not in html
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING


# ------------------------------------------------------------------------------ selectors, services


def test_licence_lookups_reject_odd_holders(mianyang):
    licence = ELicenceFactory()
    assert selectors.licence_for(None, licence.licence_type) is None
    assert selectors.licence_for(licence.enterprise, None) is None
    assert selectors.licence_for("not a holder", licence.licence_type) is None
    assert selectors.licence_for(licence.enterprise, licence.licence_type.code) == licence
    assert list(selectors.licences_of(object())) == []
    person = PersonFactory()
    held = ELicenceFactory(enterprise=None, person=person)
    assert list(selectors.licences_of(person)) == [held]
    services.revoke_elicence(held, reason="遗失")
    assert list(selectors.licences_of(person)) == []
    assert list(selectors.licences_of(person, valid_only=False)) == [held]
    held.refresh_from_db()
    assert held.data["revoked_reason"] == "遗失"
    with pytest.raises(ValidationError) as exc:
        services.revoke_elicence(held)
    assert exc.value.message_dict == {"status": ["该证照已注销。"]}


def test_staff_selectors_scoped_and_filtered(mianyang, staff):
    ours = EnterpriseFactory(name="绵阳涪城星火科技有限公司")
    theirs = EnterpriseFactory(division_code="510781")
    city, jiangyou = staff["chuangkou"], staff["jiangyou_chuangkou"]
    assert set(selectors.enterprises_for(city)) >= {ours, theirs}
    assert ours not in selectors.enterprises_for(jiangyou)
    assert list(selectors.enterprises_for(city, q="星火")) == [ours]
    assert list(selectors.enterprises_for(city, q=ours.uscc[:10])) == [ours]
    lic = ELicenceFactory(enterprise=ours)
    ELicenceFactory(enterprise=theirs)
    assert list(selectors.licences_for(city, holder_uscc=ours.uscc)) == [lic]
    assert list(selectors.licences_for(city, licence_type=lic.licence_type.code)) == [lic]
    assert selectors.enterprise_by_uscc(f" {ours.uscc.lower()} ") == ours
    assert selectors.enterprise_by_uscc("") is None
    person = PersonFactory()
    assert selectors.person_by_id_number(person.id_number.lower() + " ") == person


def test_unknown_fields_and_licence_type_upsert(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(uscc=EnterpriseFactory.build().uscc, name="甲", colour="red")
    assert exc.value.message_dict == {"colour": ["未知字段。"]}
    with pytest.raises(ValidationError) as exc:
        services.register_person(id_number=PersonFactory.build().id_number, name="乙", age=3)
    assert exc.value.message_dict == {"age": ["未知字段。"]}
    assert services.save_licence_type(code="zz1", name="证一")[1] == "created"
    assert services.save_licence_type(code="zz1", name="证一")[1] == "unchanged"
    ltype, outcome = services.save_licence_type(code="zz1", name="证一", holder_kind="person")
    assert outcome == "updated" and ltype.holder_kind == "person"


def test_issue_elicence_refusals(mianyang):
    lic = ELicenceFactory()
    person_only = LicenceTypeFactory(holder_kind="person")
    args = {"issuer": lic.issuer}
    cases = [
        ((lic.enterprise, "nope", "N1"), "licence_type"),
        (("holder?", lic.licence_type, "N1"), "holder"),
        ((lic.enterprise, person_only, "N1"), "holder"),
        ((lic.enterprise, lic.licence_type, "  "), "number"),
        ((EnterpriseFactory(), lic.licence_type, lic.number), "number"),  # taken
    ]
    for (holder, ltype, number), field in cases:
        with pytest.raises(ValidationError) as exc:
            services.issue_elicence(holder, ltype, number=number, **args)
        assert list(exc.value.message_dict) == [field]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(
            lic.enterprise,
            lic.licence_type,
            number="N2",
            issued_on=today,
            valid_until=today - datetime.timedelta(days=1),
            **args,
        )
    assert list(exc.value.message_dict) == ["valid_until"]
    assert ELicence.objects.count() == 1
