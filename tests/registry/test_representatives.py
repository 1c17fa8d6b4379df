"""Enterprise representatives are verified (issue #16 item 5): a portal account sees nothing of
an enterprise until a code sent to the enterprise's registered phone, an approver of its
division or the legal representative's real name proves the link (docs/registry.md)."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from tests.core.factories import UserFactory
from tests.kit_walk import walk
from tests.notifications.conftest import sms, sms_server  # noqa: F401  (the fake SMS provider)
from tests.registry.factories import EnterpriseFactory
from yingshang.registry import selectors, services
from yingshang.registry.machines import RepresentationMachine
from yingshang.registry.models import (
    Representation,
    RepresentationEvent,
    RepresentationStatus,
    VerificationMethod,
)

SENT: list[dict] = []
SENDER = "tests.registry.test_representatives.capture"


def capture(**kwargs):
    SENT.append(kwargs)


def broken(**kwargs):
    raise RuntimeError("gateway down")


class KnowsEveryone:
    available = True
    names: dict = {}

    def real_name(self, user):
        return self.names.get(user.pk)


@pytest.fixture(autouse=True)
def _sender(settings):
    SENT.clear()
    settings.REGISTRY_CODE_SENDER = SENDER
    KnowsEveryone.names = {}


def _code():
    return SENT[-1]["values"]["code"]


@pytest.fixture
def enterprise(mianyang):
    return EnterpriseFactory(phone="13980619999", legal_representative="王法人")


@pytest.fixture
def portal(mianyang):
    return UserFactory(phone="13711112222")


@pytest.fixture
def pending(enterprise, portal):
    return services.request_representation(user=portal, uscc_code=enterprise.uscc)


def test_request_is_pending_and_gives_nothing(enterprise, portal, pending):
    assert pending.status == RepresentationStatus.PENDING
    assert selectors.holders_for_user(portal) == []
    assert not selectors.is_representative(portal, enterprise)
    assert list(pending.events.values_list("action", flat=True)) == ["request"]
    # asking again returns the same request
    again = services.request_representation(user=portal, uscc_code=enterprise.uscc.lower())
    assert again.pk == pending.pk and Representation.objects.count() == 1


def test_code_verifies_and_is_stored_hashed(enterprise, portal, pending):
    services.send_code(pending, user=portal)
    assert SENT[-1]["phone"] == "13980619999" and SENT[-1]["template"] == "otp"
    assert SENT[-1]["values"]["minutes"] == "10"
    code = _code()
    assert re.fullmatch(r"\d{6}", code)
    pending.refresh_from_db()
    assert code not in pending.code_hash and len(pending.code_hash) == 64
    event = pending.events.get(action="send_code")
    assert event.data == {"to": "139****9999"} and code not in str(event.data)
    rep = services.verify_code(pending, user=portal, code=code)
    assert rep.status == RepresentationStatus.VERIFIED and rep.method == VerificationMethod.SMS
    assert rep.code_hash == ""
    assert selectors.holders_for_user(portal) == [enterprise]


def test_wrong_code_counts_and_too_many_attempts(enterprise, portal, pending, settings):
    settings.REGISTRY_CODE_MAX_ATTEMPTS = 3
    services.send_code(pending, user=portal)
    code = _code()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError) as exc:
        services.verify_code(pending, user=portal, code=wrong)
    assert exc.value.message_dict == {"code": ["验证码错误，还可尝试 2 次。"]}
    with pytest.raises(ValidationError):
        services.verify_code(pending, user=portal, code=wrong)
    with pytest.raises(ValidationError) as exc:
        services.verify_code(pending, user=portal, code=wrong)
    assert exc.value.message_dict == {"code": ["验证码错误次数过多，请重新获取。"]}
    # the right code no longer helps: the attempts are used up
    with pytest.raises(ValidationError) as exc:
        services.verify_code(pending, user=portal, code=code)
    assert exc.value.message_dict == {"code": ["验证码错误次数过多，请重新获取。"]}
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING and pending.code_attempts == 3
    # a new code (after the resend interval) starts over
    services.send_code(pending, user=portal, at=timezone.now() + datetime.timedelta(minutes=2))
    rep = services.verify_code(pending, user=portal, code=_code())
    assert rep.status == RepresentationStatus.VERIFIED


def test_expired_code(enterprise, portal, pending):
    sent_at = timezone.now() - datetime.timedelta(minutes=11)
    services.send_code(pending, user=portal, at=sent_at)
    with pytest.raises(ValidationError) as exc:
        services.verify_code(pending, user=portal, code=_code())
    assert exc.value.message_dict == {"code": ["验证码已过期，请重新获取。"]}
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING


def test_resend_too_soon_and_no_phone_and_gateway_down(enterprise, portal, pending, settings):
    services.send_code(pending, user=portal)
    with pytest.raises(ValidationError) as exc:
        services.send_code(pending, user=portal)
    assert "code" in exc.value.message_dict and len(SENT) == 1
    other = services.request_representation(user=portal, uscc_code=EnterpriseFactory(phone="").uscc)
    with pytest.raises(ValidationError) as exc:
        services.send_code(other, user=portal)
    assert "method" in exc.value.message_dict
    settings.REGISTRY_CODE_SENDER = "tests.registry.test_representatives.broken"
    third = services.request_representation(user=portal, uscc_code=EnterpriseFactory().uscc)
    with pytest.raises(ValidationError) as exc:
        services.send_code(third, user=portal)
    assert "method" in exc.value.message_dict
    third.refresh_from_db()
    assert third.code_hash == "" and not third.events.filter(action="send_code").exists()


def test_default_sender_is_the_notification_centres_sms(pending, portal, settings, sms):  # noqa: F811
    """The code goes out through notifications' SMS providers (the fake one here), with the
    ``otp`` template; with SMS not configured the step fails and nothing is written."""
    settings.REGISTRY_CODE_SENDER = "yingshang.notifications.public.send_sms"
    services.send_code(pending, user=portal)
    [message] = sms.state.messages
    assert message["phone"] == "13980619999"
    assert re.fullmatch(r"\d{6}", message["params"]["code"])
    assert message["params"]["minutes"] == "10"
    pending.refresh_from_db()
    assert pending.code_hash and message["params"]["code"] not in pending.code_hash


def test_no_sms_configured_writes_nothing(pending, portal, settings):
    settings.REGISTRY_CODE_SENDER = "yingshang.notifications.public.send_sms"
    settings.SMS_PROVIDER = ""
    with pytest.raises(ValidationError) as exc:
        services.send_code(pending, user=portal)
    assert exc.value.message_dict == {
        "method": ["验证码短信发送失败，请稍后再试或改用工作人员审核。"]
    }
    pending.refresh_from_db()
    assert pending.code_hash == "" and not pending.events.filter(action="send_code").exists()


def test_someone_elses_request_is_refused(enterprise, pending):
    intruder = UserFactory()
    with pytest.raises(ValidationError) as exc:
        services.send_code(pending, user=intruder)
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.verify_code(pending, user=intruder, code="123456")
    with pytest.raises(ValidationError):
        services.revoke_representation(pending, user=intruder)


def test_staff_approval_scoped(enterprise, portal, pending, staff):
    with pytest.raises(ValidationError):  # 江油's clerk: the enterprise is registered in 涪城
        services.approve_representation(pending, user=staff["jiangyou_chuangkou"])
    with pytest.raises(ValidationError):  # a handler does not decide
        services.approve_representation(pending, user=staff["chengban"])
    with pytest.raises(ValidationError):  # nor does a read-only leader
        services.approve_representation(pending, user=staff["shilingdao"])
    assert list(selectors.representation_queue(staff["jiangyou_chuangkou"])) == []
    assert list(selectors.representation_queue(staff["chuangkou"])) == [pending]
    rep = services.approve_representation(pending, user=staff["chuangkou"])
    assert rep.method == VerificationMethod.STAFF
    assert selectors.holders_for_user(portal) == [enterprise]


def test_reject_needs_a_reason_then_reapply(enterprise, portal, pending, staff):
    with pytest.raises(ValidationError) as exc:
        services.reject_representation(pending, user=staff["chuangkou"])
    assert exc.value.message_dict == {"note": ["请填写驳回或撤销的理由。"]}
    rep = services.reject_representation(pending, user=staff["chuangkou"], note="无授权书")
    assert rep.status == RepresentationStatus.REJECTED
    assert selectors.holders_for_user(portal) == []
    rep = services.request_representation(user=portal, uscc_code=enterprise.uscc)
    assert rep.status == RepresentationStatus.PENDING


def test_realname_hook(enterprise, portal, pending, settings):
    with pytest.raises(ValidationError) as exc:  # the stub provider knows no one
        services.verify_realname(pending, user=portal)
    assert "method" in exc.value.message_dict
    settings.REGISTRY_REALNAME_PROVIDER = "tests.registry.test_representatives.KnowsEveryone"
    KnowsEveryone.names = {portal.pk: "李四"}
    with pytest.raises(ValidationError) as exc:
        services.verify_realname(pending, user=portal)
    assert exc.value.message_dict == {"method": ["实名信息与企业法定代表人不一致。"]}
    KnowsEveryone.names = {portal.pk: "王法人"}
    rep = services.verify_realname(pending, user=portal)
    assert rep.status == RepresentationStatus.VERIFIED
    assert rep.method == VerificationMethod.REALNAME


def test_revoked_link_sees_nothing(enterprise, portal, pending, staff, mianyang):
    rep = services.approve_representation(pending, user=staff["chuangkou"])
    assert selectors.holders_for_user(portal) == [enterprise]
    services.revoke_representation(rep, user=portal, note="离职")
    assert selectors.holders_for_user(portal) == []
    assert not selectors.is_representative(portal, enterprise)


def test_staff_cannot_request(enterprise, staff):
    with pytest.raises(ValidationError) as exc:
        services.request_representation(user=staff["chuangkou"], uscc_code=enterprise.uscc)
    assert exc.value.message_dict == {"user": ["工作人员账号不能作为企业经办账号。"]}


def test_bad_uscc_errors_in_chinese_and_english(portal):
    with pytest.raises(ValidationError) as exc:
        services.request_representation(user=portal, uscc_code="12345")
    assert exc.value.message_dict == {"uscc": ["统一社会信用代码无效。"]}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.request_representation(user=portal, uscc_code="12345")
    assert exc.value.message_dict["uscc"][0] != "统一社会信用代码无效。"


def test_every_representation_edge(enterprise, portal, pending, django_user_model):
    root = django_user_model.objects.create_superuser("root-rep", password="x-unused-9")

    def make(state):
        Representation.objects.filter(pk=pending.pk).update(status=state)
        return Representation.objects.get(pk=pending.pk)

    def call(edge, obj):
        actor = portal if edge.permission == "represent" else root
        data = {}
        if edge.action == "send_code":
            data = {"code_hash": "x", "expires_at": timezone.now(), "masked_phone": "1"}
        return RepresentationMachine.transition(obj, edge.action, actor=actor, note="说明", **data)

    allowed, refused = walk(
        RepresentationMachine,
        make,
        call,
        events=lambda o: RepresentationEvent.objects.filter(representation=o),
    )
    assert (allowed, refused) == (9, 19)  # 7 actions × 4 states


# --------------------------------------------------------------------------- pages and API


def test_api_flow_and_masking(client, login, enterprise, portal, staff):
    api = login(portal)
    r = api.post(
        "/api/registry/representations/", {"uscc": enterprise.uscc}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["enterprise_phone"] == "139****9999"
    assert "13980619999" not in r.content.decode()
    pk = body["id"]
    assert api.post(f"/api/registry/representations/{pk}/send-code/").status_code == 200
    bad = api.post(
        f"/api/registry/representations/{pk}/verify-code/",
        {},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert bad.status_code == 400 and "code" in bad.json()["errors"]
    assert not re.search(r"[\u4e00-\u9fff]", bad.json()["errors"]["code"][0])
    ok = api.post(
        f"/api/registry/representations/{pk}/verify-code/",
        {"code": _code()},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    # another portal account does not see it
    other = login(UserFactory())
    assert other.get(f"/api/registry/representations/{pk}/").status_code == 404


def test_api_staff_queue(client, login, enterprise, pending, staff):
    far = login(staff["jiangyou_chuangkou"])
    assert far.get("/api/registry/representations/").json()["count"] == 0
    assert (
        far.post(
            f"/api/registry/representations/{pending.pk}/decide/",
            {"action": "approve"},
            content_type="application/json",
        ).status_code
        == 404
    )
    near = login(staff["chuangkou"])
    listed = near.get("/api/registry/representations/").json()
    assert [r["id"] for r in listed["results"]] == [pending.pk]
    assert "13711112222" not in str(listed) and "137****2222" in str(listed)
    r = near.post(
        f"/api/registry/representations/{pending.pk}/decide/",
        {"action": "reject"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "note" in r.json()["errors"]
    r = near.post(
        f"/api/registry/representations/{pending.pk}/decide/",
        {"action": "approve"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "verified"


def test_portal_page_shows_errors_beside_the_field(client, login, enterprise, portal, pending):
    page = login(portal)
    r = page.post(
        "/my/enterprises/", {"representation": pending.pk, "op": "verify_code", "code": "1"}
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-field="code"' in html and "请先获取验证码。" in html
    r = page.post("/my/enterprises/", {"new-uscc": "bad"})
    assert r.status_code == 400 and "统一社会信用代码无效。" in r.content.decode()
    r = page.post("/my/enterprises/", {"representation": pending.pk, "op": "send_code"})
    assert r.status_code == 302
    # someone else's request is a 404
    r = login(UserFactory()).post(
        "/my/enterprises/", {"representation": pending.pk, "op": "send_code"}
    )
    assert r.status_code == 404


def test_queue_page(client, login, pending, staff):
    assert login(staff["chengban"]).get("/staff/registry/representatives/").status_code == 403
    page = login(staff["chuangkou"])
    assert pending.enterprise.name in page.get("/staff/registry/representatives/").content.decode()
    r = page.post(
        "/staff/registry/representatives/", {"representation": pending.pk, "op": "reject"}
    )
    assert r.status_code == 400 and "请填写驳回或撤销的理由。" in r.content.decode()
    r = page.post(
        "/staff/registry/representatives/", {"representation": pending.pk, "op": "approve"}
    )
    assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.VERIFIED


def test_unverified_applicant_gets_no_licence_and_no_phone(enterprise, portal):
    from yingshang.cases.services import resolve_applicant

    applicant = resolve_applicant(kind="enterprise", code=enterprise.uscc, user=portal)
    assert applicant.phone == "" and applicant.licence_holder is None
    assert not Representation.objects.filter(user=portal).exists()  # typing links nothing
    services.link_enterprise_user(enterprise, portal)
    applicant = resolve_applicant(kind="enterprise", code=enterprise.uscc, user=portal)
    assert applicant.phone == "13980619999" and applicant.licence_holder == enterprise
