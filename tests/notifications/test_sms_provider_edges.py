"""The fake SMS provider's HTTP edges (what a real gateway refuses before any signature
maths), the `sms simulate` command as a real process that the configured provider then talks
to, and the refusals of `notify` and the channel preference."""

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yingshang.notifications import services
from yingshang.notifications.models import ChannelPreference, Delivery, SmsMode
from yingshang.notifications.sms import send_sms
from yingshang.notifications.sms.fake_server import MAX_BODY, demo_template_ids

from .conftest import SMS_APP_ID, SMS_KEY_ID, SMS_KEY_SECRET, SMS_SIGN, free_port


def _http(server, path, *, method="GET", body=b"", headers=None):
    request = urllib.request.Request(
        f"http://{server.endpoint}{path}", data=body if method == "POST" else None, method=method
    )
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


TC = {"X-TC-Version": "2021-01-11", "Content-Type": "application/json"}
ACS = {"X-Acs-Version": "2017-05-25", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    "headers, status, code",
    [
        ({"X-TC-Action": "SendSmsBatch", **TC}, 200, "InvalidAction"),
        ({"X-TC-Action": "SendSms", **TC, "Authorization": "Basic x"}, 200,
         "AuthFailure.SignatureFailure"),
        ({"X-TC-Action": "SendSms", **TC, "Authorization":
          f"TC3-HMAC-SHA256 Credential=NOPE/2026-01-01/sms/tc3_request, "
          f"SignedHeaders=content-type;host, Signature={'0' * 64}"}, 200,
         "AuthFailure.SecretIdNotFound"),
        ({"X-Acs-Action": "SendSms", "X-Acs-Version": "2020-01-01"}, 404,
         "InvalidAction.NotFound"),
        ({"X-Acs-Action": "SendSms", **ACS, "Authorization": "Basic x"}, 400,
         "IncompleteSignature"),
    ],
)  # fmt: skip
def test_provider_refuses_before_the_signature(sms_server, headers, status, code):
    answer_status, answer = _http(sms_server, "/", method="POST", body=b"{}", headers=headers)
    assert answer_status == status
    error = answer["Response"]["Error"]["Code"] if "Response" in answer else answer["Code"]
    assert error == code
    assert sms_server.state.messages == []
    assert sms_server.state.refusals[code] == 1


def test_provider_http_edges(sms_server):
    assert _http(sms_server, "/nowhere") == (404, {"error": "not found"})
    status, answer = _http(sms_server, "/", method="POST", body=b"{}")
    assert status == 400 and "neither" in answer["error"]
    status, _ = _http(sms_server, "/", method="POST", body=b"x" * (MAX_BODY + 1))
    assert status == 413
    assert sum(sms_server.state.requests.values()) == 0


def test_messages_listing_filters_by_phone(sms, sms_server):
    send_sms(phone="13800138000", template="otp", values={"code": "111111", "minutes": "5"})
    send_sms(phone="+86 139 0000 0000", template="otp", values={"code": "222222", "minutes": "5"})
    _, everything = _http(sms_server, "/_sms/messages")
    assert [m["params"]["code"] for m in everything["messages"]] == ["111111", "222222"]
    _, one = _http(sms_server, "/_sms/messages?phone=13900000000")
    assert [m["params"]["code"] for m in one["messages"]] == ["222222"]
    _, none = _http(sms_server, "/_sms/messages?phone=13700000000")
    assert none["messages"] == []


# ------------------------------------------------------------------ `sms simulate`


def _yingshang() -> str:
    return str(Path(sys.executable).parent / "yingshang")


@pytest.mark.parametrize("provider", ["tencent", "aliyun"])
def test_simulate_command_serves_both_protocols(settings, provider):
    port = free_port()
    proc = subprocess.Popen(
        [_yingshang(), "sms", "simulate", "--port", str(port), "--key-id", SMS_KEY_ID,
         "--key-secret", SMS_KEY_SECRET, "--sign-name", SMS_SIGN, "--sdk-app-id", SMS_APP_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        printed = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed.append(line)
            if "messages received" in line:
                break
        out = "".join(printed)
        assert f"http://127.0.0.1:{port}" in out, out
        assert f"export SMS_ACCESS_KEY_ID='{SMS_KEY_ID}'" in out
        exported = json.loads(out.split("export SMS_TEMPLATE_IDS='")[1].split("'\n")[0])
        assert exported == demo_template_ids()
        settings.SMS_PROVIDER = provider
        settings.SMS_ACCESS_KEY_ID = SMS_KEY_ID
        settings.SMS_ACCESS_KEY_SECRET = SMS_KEY_SECRET
        settings.SMS_SIGN_NAME = SMS_SIGN
        settings.SMS_SDK_APP_ID = SMS_APP_ID
        settings.SMS_ENDPOINT = f"127.0.0.1:{port}"
        settings.SMS_ENDPOINT_SCHEME = "http"
        settings.SMS_TIMEOUT = 20  # a loaded CI machine starts the simulator slowly
        settings.SMS_TEMPLATE_IDS = exported
        receipt = send_sms(
            phone="13800138000", template="otp", values={"code": "8", "minutes": "5"}
        )
        assert receipt.provider == provider and receipt.message_id
        settings.SMS_ACCESS_KEY_SECRET = "wrong"
        with pytest.raises(Exception):  # noqa: B017 (the provider's own refusal)
            send_sms(phone="13800138000", template="otp", values={"code": "8", "minutes": "5"})
        proc.send_signal(signal.SIGINT)
        tail = proc.communicate(timeout=30)[0]
        assert "accepted 1 messages, refused 1" in tail
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------ notify and preferences


@pytest.mark.parametrize(
    "lang, title_error",
    [("zh-hans", "消息标题不能为空。"), ("en", None)],
)
def test_notify_refusals(user, django_user_model, lang, title_error):
    with translation.override(lang):
        with pytest.raises(ValidationError) as exc:
            services.notify(user, "   ")
        message = exc.value.message_dict["title"][0]
        assert message == title_error if title_error else message != "消息标题不能为空。"
        with pytest.raises(ValidationError) as exc:
            services.notify(None, "标题")
        assert "recipient" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.notify(django_user_model(username="unsaved"), "标题")
        assert "recipient" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.notify(user, "标题", link="javascript:alert(1)")
        assert "link" in exc.value.message_dict
    assert not user.notifications.exists()


def test_channel_without_a_sender_is_skipped(user, caplog):
    with caplog.at_level(logging.WARNING, logger="yingshang.notifications"):
        notification = services.notify(user, "标题", channels=["inapp", "pigeon"])
    assert notification.in_app
    assert not Delivery.objects.filter(notification=notification).exists()
    assert "no sender registered for channel 'pigeon'" in caplog.text


@pytest.mark.parametrize(
    "only_fallback, expected", [(True, SmsMode.FALLBACK), (False, SmsMode.ALWAYS)]
)
def test_default_preference_follows_the_setting(user, settings, only_fallback, expected):
    settings.SMS_ONLY_AS_FALLBACK = only_fallback
    preference = services.preference_of(user)
    assert preference.pk is None and preference.sms == expected
    assert preference.email and preference.wechat


@pytest.mark.parametrize(
    "mode, created, wanted",
    [
        (SmsMode.NEVER, set(), False),
        (SmsMode.FALLBACK, set(), True),
        (SmsMode.FALLBACK, {"wechat"}, False),
        (SmsMode.ALWAYS, {"wechat"}, True),
    ],
)
def test_wants_sms(user, mode, created, wanted):
    preference = ChannelPreference(user=user, sms=mode)
    assert services.wants(preference, "sms", created) is wanted
    assert services.wants(preference, "pigeon", created) is True


def test_set_preference_refuses_an_unknown_mode_and_keeps_the_old_one(user):
    services.set_preference(user=user, email=False, wechat=True, sms=SmsMode.NEVER)
    with pytest.raises(ValidationError) as exc:
        services.set_preference(user=user, email=True, wechat=True, sms="sometimes")
    assert exc.value.message_dict == {"sms": ["请选择短信接收方式。"]}
    saved = ChannelPreference.objects.get(user=user)
    assert (saved.email, saved.sms) == (False, SmsMode.NEVER)
    assert str(saved) == str(user)
