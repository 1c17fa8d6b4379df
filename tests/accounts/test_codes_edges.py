"""One-time codes at their edges: the five-minute expiry to the microsecond, the try counter
with other limits, the resend wait and its message, the hourly and daily windows per phone
(all purposes together) and per address, and the HMAC's inputs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.accounts.factories import OUTBOX, last_code
from yingshang.accounts import codes
from yingshang.accounts.models import CodePurpose, OneTimeCode

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)
MICRO = datetime.timedelta(microseconds=1)


def _phone(n: int) -> str:
    return f"1370816{n:04d}"


def _send(phone, at=T0, purpose=CodePurpose.REGISTER, ip="10.1.0.1"):
    return codes.send_code(phone=phone, purpose=purpose, ip=ip, now=at)


def _refusal(call) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value


def _verify(phone, code, at, purpose=CodePurpose.REGISTER):
    return codes.verify_code(phone=phone, purpose=purpose, code=code, now=at)


def test_a_code_is_good_until_the_last_microsecond_of_five_minutes():
    _send(_phone(1))
    row = _verify(_phone(1), last_code(_phone(1)), T0 + datetime.timedelta(minutes=5) - MICRO)
    assert row.used_at == T0 + datetime.timedelta(minutes=5) - MICRO
    _send(_phone(2))
    err = _refusal(lambda: _verify(_phone(2), last_code(_phone(2)), T0 + 300 * SECOND))
    assert "已过期" in err.message_dict["code"][0]
    # the expired try is not counted: the row keeps its attempts and stays unused
    stored = OneTimeCode.objects.get(phone=_phone(2))
    assert (stored.attempts, stored.used_at) == (0, None)


def test_ttl_setting_changes_the_expiry_and_the_minutes_in_the_message(settings):
    settings.ACCOUNTS_CODE_TTL_SECONDS = 30
    row = _send(_phone(3))
    assert row.expires_at == T0 + 30 * SECOND
    assert OUTBOX[-1]["values"]["minutes"] == "1"  # less than a minute still says 1
    settings.ACCOUNTS_CODE_TTL_SECONDS = 600
    row = _send(_phone(4))
    assert OUTBOX[-1]["values"]["minutes"] == "10"


def test_the_fifth_try_may_still_be_the_right_one():
    phone = _phone(5)
    _send(phone)
    right = last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    messages = []
    for i in range(4):
        err = _refusal(lambda i=i: _verify(phone, wrong, T0 + (i + 1) * SECOND))
        messages.append(err.message_dict["code"][0])
    assert [m.split("还可尝试")[1].strip(" 次。") for m in messages] == ["4", "3", "2", "1"]
    row = _verify(phone, right, T0 + 10 * SECOND)
    assert row.attempts == 4 and row.used_at is not None
    assert OneTimeCode.objects.get(pk=row.pk).attempts == 5


def test_the_fifth_wrong_try_uses_the_code_up_even_for_the_right_code_after(settings):
    phone = _phone(6)
    _send(phone)
    right = last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        _refusal(lambda: _verify(phone, wrong, T0 + SECOND))
    fifth = _refusal(lambda: _verify(phone, wrong, T0 + SECOND))
    assert "错误次数过多" in fifth.message_dict["code"][0]
    after = _refusal(lambda: _verify(phone, right, T0 + 2 * SECOND))
    assert "错误次数过多" in after.message_dict["code"][0]
    assert OneTimeCode.objects.get(phone=phone).attempts == 5  # refused tries beyond do not count


def test_max_attempts_is_a_setting(settings):
    settings.ACCOUNTS_CODE_MAX_ATTEMPTS = 1
    phone = _phone(7)
    _send(phone)
    right = last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    err = _refusal(lambda: _verify(phone, wrong, T0 + SECOND))
    assert "错误次数过多" in err.message_dict["code"][0]
    assert "错误次数过多" in _refusal(lambda: _verify(phone, right, T0 + SECOND)).messages[0]


def test_blank_code_is_required_and_does_not_count_a_try():
    phone = _phone(8)
    _send(phone)
    for blank in ("", "   ", None):
        err = _refusal(lambda b=blank: _verify(phone, b, T0 + SECOND))
        assert err.message_dict["code"] == ["请填写短信验证码。"]
    assert OneTimeCode.objects.get(phone=phone).attempts == 0


def test_spaces_around_the_code_are_ignored():
    phone = _phone(9)
    _send(phone)
    row = _verify(phone, f"  {last_code(phone)} \n", T0 + SECOND)
    assert row.used_at is not None


def test_only_the_latest_code_counts():
    phone = _phone(10)
    _send(phone)
    first = last_code(phone)
    _send(phone, at=T0 + 61 * SECOND)
    second = last_code(phone)
    if first != second:
        err = _refusal(lambda: _verify(phone, first, T0 + 62 * SECOND))
        assert "验证码错误" in err.message_dict["code"][0]
    assert _verify(phone, second, T0 + 63 * SECOND).used_at is not None


def test_a_code_for_one_phone_is_no_code_for_another():
    _send(_phone(11))
    err = _refusal(lambda: _verify(_phone(12), last_code(_phone(11)), T0 + SECOND))
    assert err.message_dict["code"] == ["请先获取短信验证码。"]


def test_resend_is_allowed_at_exactly_sixty_seconds_and_the_wait_is_rounded_up():
    phone = _phone(13)
    _send(phone)
    err = _refusal(lambda: _send(phone, at=T0 + 59.5 * SECOND))
    assert "1 秒" in err.message_dict["phone"][0]
    err = _refusal(lambda: _send(phone, at=T0 + 0.2 * SECOND))
    assert "60 秒" in err.message_dict["phone"][0]  # 59.8 s rounds up, never "0 秒"
    err = _refusal(lambda: _send(phone, at=T0 + 30 * SECOND))
    assert "30 秒" in err.message_dict["phone"][0]
    assert _send(phone, at=T0 + 60 * SECOND).created_at == T0 + 60 * SECOND


def test_resend_wait_is_per_purpose_but_the_hourly_limit_is_per_phone(settings):
    settings.ACCOUNTS_CODES_PER_PHONE_PER_HOUR = 3
    phone = _phone(14)
    _send(phone, purpose=CodePurpose.REGISTER)
    _send(phone, purpose=CodePurpose.LOGIN)  # no 60 s wait across purposes
    _send(phone, purpose=CodePurpose.RESET)
    err = _refusal(lambda: _send(phone, at=T0 + 5 * 60 * SECOND, purpose=CodePurpose.WECHAT_BIND))
    assert "过于频繁" in err.message_dict["phone"][0]
    assert OneTimeCode.objects.filter(phone=phone).count() == 3


def test_the_hourly_window_ends_exactly_one_hour_after_a_code():
    phone = _phone(15)
    for i in range(5):
        _send(phone, at=T0 + i * 61 * SECOND)
    _refusal(lambda: _send(phone, at=T0 + datetime.timedelta(minutes=59)))
    # the first code was sent exactly an hour ago: it no longer counts
    row = _send(phone, at=T0 + datetime.timedelta(hours=1))
    assert row.pk


def test_the_daily_limit_counts_the_last_twenty_four_hours(settings):
    settings.ACCOUNTS_CODES_PER_PHONE_PER_HOUR = 100
    phone = _phone(16)
    for i in range(10):
        _send(phone, at=T0 + i * datetime.timedelta(hours=2))
    later = T0 + datetime.timedelta(hours=20)
    err = _refusal(lambda: _send(phone, at=later))
    assert "过于频繁" in err.message_dict["phone"][0]
    assert _send(phone, at=T0 + datetime.timedelta(hours=24)).pk  # the first left the window


def test_the_address_limit_counts_all_phones_and_no_address_is_not_limited(settings):
    settings.ACCOUNTS_CODES_PER_IP_PER_HOUR = 3
    for n in range(3):
        _send(_phone(20 + n), ip="10.9.9.9")
    err = _refusal(lambda: _send(_phone(30), ip="10.9.9.9"))
    assert "网络地址" in err.message_dict["phone"][0]
    assert _send(_phone(31), ip="10.9.9.8").ip == "10.9.9.8"  # another address is free
    for n in range(5):
        assert _send(_phone(40 + n), ip=None).ip is None
    # an hour later the address may ask again
    assert _send(_phone(32), ip="10.9.9.9", at=T0 + datetime.timedelta(hours=1)).pk


def test_unknown_purpose_is_refused_before_anything_is_stored():
    err = _refusal(lambda: codes.send_code(phone=_phone(50), purpose="payment", now=T0))
    assert "purpose" in err.message_dict
    assert not OneTimeCode.objects.filter(phone=_phone(50)).exists()
    assert OUTBOX == []


def test_a_failed_sms_is_not_counted_in_the_limits(settings):
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.failing_sms"
    settings.ACCOUNTS_CODES_PER_PHONE_PER_HOUR = 1
    for i in range(3):
        err = _refusal(lambda i=i: _send(_phone(51), at=T0 + i * SECOND))
        assert "发送失败" in err.message_dict["phone"][0]
    assert not OneTimeCode.objects.filter(phone=_phone(51)).exists()


def test_deliver_false_stores_and_counts_without_sending():
    row = codes.send_code(phone=_phone(52), purpose=CodePurpose.LOGIN, deliver=False, now=T0)
    assert OUTBOX == [] and row.pk
    err = _refusal(lambda: codes.send_code(phone=_phone(52), purpose="login", now=T0 + SECOND))
    assert "59 秒" in err.message_dict["phone"][0]


@pytest.mark.parametrize("field", ["phone", "purpose", "nonce"])
def test_the_hash_binds_the_code_to_phone_purpose_and_nonce(field):
    base = {"phone": "13708160001", "purpose": "login", "nonce": "ab" * 16}
    other = dict(
        base, **{field: {"phone": "13708160002", "purpose": "reset"}.get(field, "cd" * 16)}
    )
    assert codes.hash_code(**base, code="123456") != codes.hash_code(**other, code="123456")


@settings(max_examples=40, deadline=None)
@given(
    code=st.text(alphabet="0123456789", min_size=6, max_size=6),
    pad=st.sampled_from(["", " ", "\t", "\n "]),
)
def test_hash_is_hex_sha256_and_ignores_surrounding_blanks(code, pad):
    digest = codes.hash_code("13708160001", "login", "00" * 16, code)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert codes.hash_code("13708160001", "login", "00" * 16, pad + code + pad) == digest
    assert codes.hash_code("13708160001", "login", "00" * 16, code[::-1] + "0") != digest


def test_new_codes_are_six_digits_and_vary():
    seen = {codes.new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in seen)
    assert len(seen) > 40  # random, not a counter or a constant


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13708160001", "13708160001"),
        ("+86 137 0816 0001", "13708160001"),
        ("137-0816-0001", "13708160001"),
    ],
)
def test_normalise_phone_accepts_common_spellings(typed, stored):
    assert codes.normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["1370816000", "137081600011", "abc", "08162220000", "+1 4155550100"]
)
def test_normalise_phone_refuses_non_mainland_mobiles(typed):
    err = _refusal(lambda: codes.normalise_phone(typed))
    assert "11位" in err.message_dict["phone"][0]


def test_now_defaults_to_the_clock():
    before = timezone.now()
    row = codes.send_code(phone=_phone(60), purpose="register")
    assert before <= row.created_at <= timezone.now()
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=5)
