"""SMS through both providers' SDKs against the local fake provider, which checks every
signature with the documented algorithms (test_sms_signing.py pins them to the providers'
examples) — no sender is patched."""

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import PortalUserFactory
from yingshang.notifications import services
from yingshang.notifications.models import Delivery, DeliveryStatus
from yingshang.notifications.sms import (
    TEMPLATES,
    SmsError,
    TemplateError,
    get_provider,
    mainland_mobile,
    send_sms,
    signing,
    template_for,
)
from yingshang.notifications.sms.fake_server import demo_template_ids
from yingshang.notifications.sms.templates import LIMITS

from .conftest import SMS_APP_ID, SMS_KEY_ID, SMS_KEY_SECRET, SMS_SIGN

OTP = {"code": "482913", "minutes": "5"}


# ------------------------------------------------------------------ sending through the SDKs


def test_otp_reaches_the_fake_provider_with_its_variables(sms, settings):
    receipt = send_sms(phone="+86 138-0013-8000", template="otp", values=OTP)
    assert receipt.provider == settings.SMS_PROVIDER
    [message] = sms.state.messages
    assert message["provider"] == settings.SMS_PROVIDER
    assert message["phone"] == "13800138000"
    assert message["params"] == OTP
    assert message["template_id"] == demo_template_ids()["otp"][settings.SMS_PROVIDER]
    assert message["id"] == receipt.message_id
    assert (
        receipt.text
        == message["text"]
        == ("【绵阳政事】您的验证码为482913，5分钟内有效。如非本人操作，请忽略本短信。")
    )
    assert sum(sms.state.refusals.values()) == 0


def test_case_number_goes_as_its_tail_within_the_providers_limit(sms, settings):
    send_sms(
        phone="13800138000",
        template="case_status",
        values={"ref": "510700-2026-000123456", "status": "已受理"},
    )
    [message] = sms.state.messages
    limit = LIMITS[settings.SMS_PROVIDER][1]
    assert message["params"]["ref"] == "510700-2026-000123456"[-limit:]
    assert message["params"]["status"] == "已受理"
    assert "尾号" in message["text"]


def test_wrong_secret_is_refused_by_signature_and_nothing_is_sent(sms, settings):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.permanent
    expected = {
        "tencent": "AuthFailure.SignatureFailure",
        "aliyun": "SignatureDoesNotMatch",
    }[settings.SMS_PROVIDER]
    assert caught.value.code == expected
    assert sms.state.refusals[expected] == 1
    assert sms.state.messages == []


def test_unknown_key_id_is_refused(sms, settings):
    settings.SMS_ACCESS_KEY_ID = "AKIDsomebodyelse"
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.code in {"AuthFailure.SecretIdNotFound", "InvalidAccessKeyId.NotFound"}
    assert sms.state.messages == []


def test_unapproved_signature_name_is_refused(sms, settings):
    settings.SMS_SIGN_NAME = "某某科技"
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.code in {
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "isv.SMS_SIGNATURE_ILLEGAL",
    }
    assert caught.value.permanent


def test_unapproved_template_id_is_refused(sms, settings):
    settings.SMS_TEMPLATE_IDS = {"otp": {"tencent": "999", "aliyun": "SMS_999"}}
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.code in {
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "isv.SMS_TEMPLATE_ILLEGAL",
    }


def test_a_template_without_a_configured_id_is_said_before_any_request(sms, settings):
    settings.SMS_TEMPLATE_IDS = {}
    with pytest.raises(SmsError, match="SMS_TEMPLATE_IDS"):
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert sum(sms.state.requests.values()) == 0


def test_provider_side_failure_is_raised_not_swallowed(sms, settings):
    code = {
        "tencent": "LimitExceeded.PhoneNumberDailyLimit",
        "aliyun": "isv.BUSINESS_LIMIT_CONTROL",
    }
    sms.state.fail_next(settings.SMS_PROVIDER, code[settings.SMS_PROVIDER])
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.code == code[settings.SMS_PROVIDER]
    assert not caught.value.permanent  # a flow-control refusal is worth retrying
    send_sms(phone="13800138000", template="otp", values=OTP)  # the next one goes out
    assert len(sms.state.messages) == 1


@pytest.mark.parametrize(
    "phone",
    ["", "010-12345678", "1380013800", "23800138000", "+1 415 555 0100", "１３８００１３８０００"],
)
def test_numbers_that_are_not_mainland_mobiles_never_reach_the_provider(sms, phone):
    with pytest.raises(SmsError) as caught:
        send_sms(phone=phone, template="otp", values=OTP)
    assert caught.value.code == "InvalidPhoneNumber"
    assert sum(sms.state.requests.values()) == 0


def test_bad_template_variables_never_reach_the_provider(sms):
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values={"code": "12345678", "minutes": "5"})
    assert caught.value.code == "InvalidTemplateParameter"
    with pytest.raises(SmsError):
        send_sms(phone="13800138000", template="otp", values={"code": "12ab", "minutes": "5"})
    with pytest.raises(SmsError):
        send_sms(phone="13800138000", template="case_status", values={"ref": "1", "status": ""})
    with pytest.raises(SmsError):
        send_sms(phone="13800138000", template="nonexistent")
    assert sum(sms.state.requests.values()) == 0


def test_not_configured(settings):
    settings.SMS_PROVIDER = ""
    assert get_provider() is None
    with pytest.raises(SmsError, match="SMS_PROVIDER"):
        send_sms(phone="13800138000", template="otp", values=OTP)
    settings.SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(SmsError, match="unknown SMS_PROVIDER"):
        get_provider()
    settings.SMS_PROVIDER = "tencent"
    settings.SMS_ACCESS_KEY_ID = ""
    with pytest.raises(SmsError, match="SMS_ACCESS_KEY_ID"):
        get_provider()


@pytest.mark.parametrize("sms", ["tencent"], indirect=True)  # SmsSdkAppId is Tencent's
def test_tencent_needs_its_sdk_app_id(sms, settings):
    settings.SMS_SDK_APP_ID = ""
    with pytest.raises(SmsError, match="SMS_SDK_APP_ID"):
        send_sms(phone="13800138000", template="otp", values=OTP)
    settings.SMS_SDK_APP_ID = "1400000001"
    with pytest.raises(SmsError) as caught:
        send_sms(phone="13800138000", template="otp", values=OTP)
    assert caught.value.code == "InvalidParameterValue.SdkAppIdNotExist"


# ------------------------------------------------------------------ the fake server's own checks


def _post(server, headers: dict, body: bytes, query: str = ""):
    url = f"http://{server.endpoint}/" + (f"?{query}" if query else "")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _tencent_request(server, *, timestamp: int, secret: str = SMS_KEY_SECRET, payload=None):
    body = json.dumps(
        payload
        or {
            "PhoneNumberSet": ["+8613800138000"],
            "SmsSdkAppId": SMS_APP_ID,
            "SignName": SMS_SIGN,
            "TemplateId": demo_template_ids()["otp"]["tencent"],
            "TemplateParamSet": ["482913", "5"],
        },
        ensure_ascii=False,
    ).encode()
    headers = {"content-type": "application/json", "host": server.endpoint}
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = signing.tc3_canonical_request("POST", "", headers, ["content-type", "host"], body)
    to_sign = signing.tc3_string_to_sign(str(timestamp), f"{date}/sms/tc3_request", canonical)
    signature = signing.tc3_signature(secret, date, "sms", to_sign)
    headers |= {
        "Authorization": f"TC3-HMAC-SHA256 Credential={SMS_KEY_ID}/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}",
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": "ap-guangzhou",
    }
    return _post(server, headers, body)


def test_tencent_hand_signed_request_is_accepted(sms_server):
    status, answer = _tencent_request(sms_server, timestamp=int(time.time()))
    assert status == 200
    [sent] = answer["Response"]["SendStatusSet"]
    assert sent["Code"] == "Ok" and sent["PhoneNumber"] == "+8613800138000"
    assert len(sms_server.state.messages) == 1


def test_tencent_stale_timestamp_is_refused_even_when_correctly_signed(sms_server):
    status, answer = _tencent_request(sms_server, timestamp=int(time.time()) - 301)
    assert answer["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"
    assert sms_server.state.messages == []


def test_tencent_variable_count_and_length_follow_the_approved_template(sms_server):
    base = {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": SMS_APP_ID,
        "SignName": SMS_SIGN,
        "TemplateId": demo_template_ids()["otp"]["tencent"],
    }
    now = int(time.time())
    _, answer = _tencent_request(
        sms_server, timestamp=now, payload=base | {"TemplateParamSet": ["1"]}
    )
    assert answer["Response"]["Error"]["Code"] == (
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
    )
    _, answer = _tencent_request(
        sms_server, timestamp=now, payload=base | {"TemplateParamSet": ["1234567", "5"]}
    )
    assert (
        answer["Response"]["Error"]["Code"] == "InvalidParameterValue.TemplateParameterLengthLimit"
    )
    assert sms_server.state.messages == []


def _aliyun_request(server, *, nonce: str, query: dict, secret: str = SMS_KEY_SECRET):
    payload_hash = signing.sha256_hex(b"")
    headers = {
        "host": server.endpoint,
        "content-type": "application/x-www-form-urlencoded",  # urllib adds it to any POST
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": payload_hash,
    }
    canonical, signed = signing.acs3_canonical_request("POST", "/", query, headers, payload_hash)
    signature = signing.acs3_signature(secret, canonical)
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={SMS_KEY_ID},SignedHeaders={signed},Signature={signature}"
    )
    encoded = "&".join(f"{signing.rfc3986(k)}={signing.rfc3986(v)}" for k, v in query.items())
    return _post(server, headers, b"", encoded)


ALIYUN_QUERY = {
    "PhoneNumbers": "13800138000",
    "SignName": SMS_SIGN,
    "TemplateCode": demo_template_ids()["otp"]["aliyun"],
    "TemplateParam": json.dumps(OTP),
}


def test_aliyun_reused_nonce_is_refused(sms_server):
    nonce = uuid.uuid4().hex
    status, answer = _aliyun_request(sms_server, nonce=nonce, query=ALIYUN_QUERY)
    assert (status, answer["Code"]) == (200, "OK") and answer["BizId"]
    status, answer = _aliyun_request(sms_server, nonce=nonce, query=ALIYUN_QUERY)
    assert (status, answer["Code"]) == (400, "SignatureNonceUsed")
    assert len(sms_server.state.messages) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"TemplateParam": json.dumps({"code": "482913"})}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        ({"TemplateParam": "{not json"}, "isv.INVALID_JSON_PARAM"),
        ({"TemplateParam": json.dumps({"code": 482913, "minutes": "5"})}, "isv.INVALID_JSON_PARAM"),
        (
            {"TemplateParam": json.dumps({"code": "4" * 36, "minutes": "5"})},
            "isv.PARAM_LENGTH_LIMIT",
        ),
        ({"PhoneNumbers": "0816-2222222"}, "isv.MOBILE_NUMBER_ILLEGAL"),
    ],
)
def test_aliyun_business_rules(sms_server, change, code):
    status, answer = _aliyun_request(
        sms_server, nonce=uuid.uuid4().hex, query=ALIYUN_QUERY | change
    )
    assert answer["Code"] == code
    assert sms_server.state.messages == []


def test_aliyun_tampered_query_breaks_the_signature(sms_server):
    """Signed for one number, sent for another: the signature covers the query."""
    payload_hash = signing.sha256_hex(b"")
    nonce = uuid.uuid4().hex
    headers = {
        "host": sms_server.endpoint,
        "content-type": "application/x-www-form-urlencoded",
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": payload_hash,
    }
    canonical, signed = signing.acs3_canonical_request(
        "POST", "/", ALIYUN_QUERY, headers, payload_hash
    )
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={SMS_KEY_ID},SignedHeaders={signed},"
        f"Signature={signing.acs3_signature(SMS_KEY_SECRET, canonical)}"
    )
    forged = ALIYUN_QUERY | {"PhoneNumbers": "13900139000"}
    query = "&".join(f"{k}={signing.rfc3986(v)}" for k, v in forged.items())
    status, answer = _post(sms_server, headers, b"", query)
    assert (status, answer["Code"]) == (400, "SignatureDoesNotMatch")


def test_messages_are_listed_per_phone(sms):
    send_sms(phone="13800138000", template="otp", values=OTP)
    send_sms(phone="13900139000", template="otp", values={"code": "111111", "minutes": "5"})
    url = f"http://{sms.endpoint}/_sms/messages?phone=13900139000"
    with urllib.request.urlopen(url, timeout=5) as response:
        listed = json.loads(response.read())["messages"]
    assert [m["params"]["code"] for m in listed] == ["111111"]


# ------------------------------------------------------------------ templates


def test_mainland_mobile_normalises():
    assert mainland_mobile("+86 138 0013 8000") == "13800138000"
    assert mainland_mobile("8613800138000") == "13800138000"
    with pytest.raises(SmsError):
        mainland_mobile("12800138000")  # no 12x mobile prefix


@pytest.mark.parametrize("provider", sorted(LIMITS))
@given(ref=st.text(min_size=1, max_size=60), status=st.text(min_size=1, max_size=60))
def test_fitted_variables_always_respect_the_provider_limit(provider, ref, status):
    template = TEMPLATES["case_status"]
    try:
        fitted = template.fit(provider, {"ref": ref, "status": status})
    except TemplateError:
        assert (
            not ref.strip()
            or not status.strip()
            or any(marker in (ref + status).lower() for marker in ("http://", "https://", "www."))
        )
        return
    limit = LIMITS[provider][1]
    assert all(0 < len(v) <= limit for v in fitted.values())
    assert ref.strip().endswith(fitted["ref"])  # the tail, never another part
    if len(status.strip()) <= limit:
        assert fitted["status"] == status.strip()
    else:
        assert fitted["status"].endswith("…")


def test_links_never_go_in_a_variable():
    with pytest.raises(TemplateError, match="link"):
        TEMPLATES["case_status"].fit("aliyun", {"ref": "1", "status": "见 https://x.cn"})


def test_a_query_code_is_never_cut(settings):
    template = TEMPLATES["query_code"]
    with pytest.raises(TemplateError, match="at most 6"):
        template.fit("tencent", {"ref": "510700-000123", "code": "K7Q2M9X4PA"})
    assert template.fit("aliyun", {"ref": "510700-000123", "code": "K7Q2M9X4PA"})["code"] == (
        "K7Q2M9X4PA"
    )
    settings.SMS_VARIABLE_LIMITS = {"tencent": [6, 12]}  # an account granted longer variables
    assert template.fit("tencent", {"ref": "1", "code": "K7Q2M9X4PA"})["code"] == "K7Q2M9X4PA"


@pytest.mark.parametrize(
    ("category", "key"),
    [
        ("case", "case_status"),
        ("appeals", "appeal_status"),
        ("reforms.reminder", "generic"),
        ("", "generic"),
    ],
)
def test_template_for_category(category, key, settings):
    assert template_for(category).key == key
    settings.SMS_CATEGORY_TEMPLATES = {"reforms": "otp"}  # a city maps its own categories
    assert template_for("reforms.reminder").key == "otp"
    if not category.startswith("reforms"):
        assert template_for(category).key == key


# ------------------------------------------------------------------ the notification centre


@pytest.fixture
def citizen(db):
    return PortalUserFactory(phone="13800138000", email="")


def _notify_case(user, **data):
    return services.notify(
        user,
        "办件 510700-2026-000123:已受理",
        "您申请的“食品经营许可”状态已更新为“已受理”。",
        "/my/cases/510700-2026-000123/",
        category="case",
        data=data or {"number": "510700-2026-000123", "status_label": "已受理"},
    )


@pytest.mark.django_db(transaction=True)
def test_a_status_notification_goes_out_as_the_case_template(sms, citizen, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    notification = _notify_case(citizen)
    [delivery] = Delivery.objects.filter(notification=notification)
    assert (delivery.channel, delivery.address) == ("sms", "13800138000")
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    [message] = sms.state.messages
    assert message["template"] == "case_status"
    assert message["params"]["status"] == "已受理"
    assert "510700-2026-000123".endswith(message["params"]["ref"])
    delivery.refresh_from_db()
    assert delivery.provider_ref == message["id"]


@pytest.mark.django_db(transaction=True)
def test_without_its_variables_a_notification_goes_out_as_the_generic_template(
    sms, citizen, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    notification = services.notify(citizen, "新消息", category="case")
    [delivery] = notification.deliveries.all()
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    assert sms.state.messages[0]["template"] == "generic"
    assert sms.state.messages[0]["params"] == {}


@pytest.mark.django_db(transaction=True)
def test_a_refused_sms_is_retried_then_sent(sms, citizen, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sms.state.fail_next(settings.SMS_PROVIDER, "InternalError.Timeout")
    notification = _notify_case(citizen)
    delivery = notification.deliveries.get()
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert "InternalError.Timeout" in delivery.last_error
    later = delivery.next_attempt_at
    assert services.attempt_delivery(delivery.pk, now=later) == DeliveryStatus.SENT
    assert len(sms.state.messages) == 1


@pytest.mark.django_db
def test_no_sms_delivery_without_configuration_or_a_mobile(settings, citizen):
    settings.SMS_PROVIDER = ""
    assert not _notify_case(citizen).deliveries.filter(channel="sms").exists()
    settings.SMS_PROVIDER = "aliyun"
    landline = PortalUserFactory(phone="0816-2222222", email="")
    assert not _notify_case(landline).deliveries.filter(channel="sms").exists()


# ------------------------------------------------------------------ the command


def test_sms_send_command(sms, capsys):
    call_command(
        "sms", "send", "--to", "13800138000", "--template", "otp", "code=246810", "minutes=10"
    )
    assert "sent through" in capsys.readouterr().out
    assert sms.state.messages[0]["params"] == {"code": "246810", "minutes": "10"}
    with pytest.raises(CommandError, match="name=value"):
        call_command("sms", "send", "--to", "13800138000", "--template", "otp", "246810")
    with pytest.raises(CommandError, match="not sent"):
        call_command("sms", "send", "--to", "110", "--template", "otp", "code=1", "minutes=1")


def test_sms_templates_command_lists_every_template(capsys):
    call_command("sms", "templates")
    out = capsys.readouterr().out
    for key, template in TEMPLATES.items():
        assert f"{key}: {template.text}" in out
