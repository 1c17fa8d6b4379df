"""One-time codes: six digits, hashed, 5 minutes, 5 tries, 60 s before a resend, limits per
phone and per address, delivery through the configured SMS sender."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.accounts.factories import OUTBOX, AccountFactory, last_code
from yingshang.accounts import codes, services
from yingshang.accounts.models import CodePurpose, OneTimeCode

PHONE = "13908160001"
pytestmark = pytest.mark.django_db


def _send(phone=PHONE, purpose=CodePurpose.REGISTER, ip="10.0.0.1", at=None):
    return codes.send_code(phone=phone, purpose=purpose, ip=ip, now=at)


def _error(exc, field):
    return " ".join(exc.value.message_dict[field])


def test_code_is_six_digits_sent_by_sms_and_stored_only_hashed():
    now = timezone.now()
    row = _send(at=now)
    code = last_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    assert OUTBOX[-1]["template"] == "otp" and OUTBOX[-1]["values"]["minutes"] == "5"
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash == codes.hash_code(PHONE, "register", row.nonce, code)
    assert row.expires_at - now == datetime.timedelta(minutes=5)
    # the hash depends on the secret key: another key gives another hash
    from django.test import override_settings

    with override_settings(SECRET_KEY="another-key-another-key-another-key-0000"):
        assert codes.hash_code(PHONE, "register", row.nonce, code) != row.code_hash


def test_phone_formats_are_normalised_and_bad_phones_refused():
    _send(phone="+86 139-0816-0001")
    assert OUTBOX[-1]["phone"] == PHONE
    for bad in ("12345", "0816-2220000", "23908160001", ""):
        with pytest.raises(ValidationError) as exc:
            _send(phone=bad)
        assert "phone" in exc.value.message_dict


def test_right_code_is_accepted_once():
    _send()
    code = last_code(PHONE)
    row = codes.verify_code(phone=PHONE, purpose="register", code=code)
    assert row.used_at is not None
    with pytest.raises(ValidationError) as exc:
        codes.verify_code(phone=PHONE, purpose="register", code=code)
    assert "请先获取" in _error(exc, "code")


def test_code_of_another_purpose_does_not_count():
    _send(purpose=CodePurpose.REGISTER)
    with pytest.raises(ValidationError):
        codes.verify_code(phone=PHONE, purpose="reset", code=last_code(PHONE))


def test_wrong_code_counts_and_five_tries_use_it_up():
    _send()
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError) as exc:
        codes.verify_code(phone=PHONE, purpose="register", code=wrong)
    assert "还可尝试 4 次" in _error(exc, "code")
    for _ in range(3):
        with pytest.raises(ValidationError):
            codes.verify_code(phone=PHONE, purpose="register", code=wrong)
    with pytest.raises(ValidationError) as exc:  # the fifth wrong try
        codes.verify_code(phone=PHONE, purpose="register", code=wrong)
    assert "次数过多" in _error(exc, "code")
    with pytest.raises(ValidationError) as exc:  # now even the right code is refused
        codes.verify_code(phone=PHONE, purpose="register", code=code)
    assert "次数过多" in _error(exc, "code")
    assert OneTimeCode.objects.get().attempts == 5


def test_expired_code_is_refused():
    now = timezone.now()
    _send(at=now)
    with pytest.raises(ValidationError) as exc:
        codes.verify_code(
            phone=PHONE,
            purpose="register",
            code=last_code(PHONE),
            now=now + datetime.timedelta(minutes=5, seconds=1),
        )
    assert "已过期" in _error(exc, "code")
    # just before the end it still works
    _send(at=now + datetime.timedelta(minutes=6))
    codes.verify_code(
        phone=PHONE,
        purpose="register",
        code=last_code(PHONE),
        now=now + datetime.timedelta(minutes=10, seconds=59),
    )


def test_resend_only_after_sixty_seconds():
    now = timezone.now()
    _send(at=now)
    with pytest.raises(ValidationError) as exc:
        _send(at=now + datetime.timedelta(seconds=30))
    assert "30 秒" in _error(exc, "phone")
    assert len(OUTBOX) == 1
    _send(at=now + datetime.timedelta(seconds=60))
    assert len(OUTBOX) == 2
    # the newest code is the one that counts
    codes.verify_code(
        phone=PHONE,
        purpose="register",
        code=last_code(PHONE),
        now=now + datetime.timedelta(seconds=61),
    )


def test_per_phone_hourly_and_daily_limits(settings):
    now = timezone.now()
    for i in range(5):
        _send(at=now + datetime.timedelta(seconds=61 * i))
    with pytest.raises(ValidationError) as exc:
        _send(at=now + datetime.timedelta(seconds=61 * 5))
    assert "过于频繁" in _error(exc, "phone")
    settings.ACCOUNTS_CODES_PER_PHONE_PER_HOUR = 100
    later = now + datetime.timedelta(hours=2)
    for i in range(5):  # ten in the day
        _send(at=later + datetime.timedelta(seconds=61 * i))
    with pytest.raises(ValidationError):
        _send(at=later + datetime.timedelta(seconds=61 * 5))
    # the next day is free again
    _send(at=now + datetime.timedelta(days=1, hours=3))


def test_per_address_limit(settings):
    settings.ACCOUNTS_CODES_PER_IP_PER_HOUR = 3
    now = timezone.now()
    for i in range(3):
        _send(phone=f"1390816100{i}", ip="10.9.9.9", at=now)
    with pytest.raises(ValidationError) as exc:
        _send(phone="13908161009", ip="10.9.9.9", at=now)
    assert "网络地址" in _error(exc, "phone")
    _send(phone="13908161009", ip="10.9.9.10", at=now)  # another address is not affected


def test_failed_sms_is_reported_and_does_not_block_a_retry(settings):
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.failing_sms"
    with pytest.raises(ValidationError) as exc:
        _send()
    assert "发送失败" in _error(exc, "phone")
    assert not OneTimeCode.objects.exists()
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.record_sms"
    _send()
    assert len(OUTBOX) == 1


def test_login_code_for_an_unknown_phone_is_not_sent_but_answered_the_same():
    row = services.request_code(phone=PHONE, purpose=CodePurpose.LOGIN, ip="10.0.0.2")
    assert row.pk and OUTBOX == []  # counted, nothing sent
    account = AccountFactory()
    services.request_code(phone=account.phone, purpose=CodePurpose.LOGIN, ip="10.0.0.2")
    assert OUTBOX[-1]["phone"] == account.phone


def test_register_code_refused_for_a_registered_phone():
    account = AccountFactory()
    with pytest.raises(ValidationError) as exc:
        services.request_code(phone=account.phone, purpose=CodePurpose.REGISTER)
    assert "已注册" in _error(exc, "phone")
    assert OUTBOX == []


def test_codes_through_the_fake_tencent_provider(settings):
    """The real path: notifications' send_sms → Tencent Cloud SDK (TC3 signature) → the local
    fake provider, which verifies the signature and keeps the message."""
    from yingshang.notifications.sms.fake_server import FakeSmsServer, demo_template_ids

    server = FakeSmsServer(
        key_id="AKIDtest", key_secret="secret-test", sign_name="绵阳政事"
    ).start()
    try:
        settings.ACCOUNTS_CODE_SENDER = "yingshang.notifications.public.send_sms"
        settings.SMS_PROVIDER = "tencent"
        settings.SMS_ACCESS_KEY_ID = "AKIDtest"
        settings.SMS_ACCESS_KEY_SECRET = "secret-test"
        settings.SMS_SIGN_NAME = "绵阳政事"
        settings.SMS_SDK_APP_ID = "1400000000"
        settings.SMS_ENDPOINT = server.endpoint
        settings.SMS_ENDPOINT_SCHEME = "http"
        settings.SMS_TEMPLATE_IDS = demo_template_ids()
        _send()
        received = server.state.for_phone(PHONE)
        assert len(received) == 1 and received[0]["template"] == "otp"
        code = received[0]["params"]["code"]
        assert f"验证码为{code}" in received[0]["text"]
        codes.verify_code(phone=PHONE, purpose="register", code=code)
    finally:
        server.stop()
