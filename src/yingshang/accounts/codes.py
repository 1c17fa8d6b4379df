"""One-time codes (短信验证码) for registration, login and password reset.

- six digits, valid ``ACCOUNTS_CODE_TTL_SECONDS`` (300: five minutes);
- ``ACCOUNTS_CODE_MAX_ATTEMPTS`` tries (5), each counted before it is checked (a conditional
  UPDATE, so two concurrent tries cannot share the last one); a code is used once;
- a new code for the same phone and purpose only after ``ACCOUNTS_CODE_RESEND_SECONDS`` (60);
- at most ``ACCOUNTS_CODES_PER_PHONE_PER_HOUR`` (5) and ``…_PER_DAY`` (10) codes per phone and
  ``ACCOUNTS_CODES_PER_IP_PER_HOUR`` (20) per client address;
- stored as HMAC-SHA256 keyed by SECRET_KEY, the phone, the purpose and a random nonce;
- sent by ``ACCOUNTS_CODE_SENDER`` (default: the notification centre's ``send_sms`` — the
  Tencent Cloud / Alibaba Cloud providers, template ``otp``), synchronously, never stored as text.

For login and reset the code is sent only when an account has this phone, but the answer is
the same either way (no one learns which phones are registered from it).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import CodePurpose, OneTimeCode

CODE_LENGTH = 6


def _setting(name: str, default):
    return getattr(settings, name, default)


def ttl() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(_setting("ACCOUNTS_CODE_TTL_SECONDS", 300)))


def max_attempts() -> int:
    return int(_setting("ACCOUNTS_CODE_MAX_ATTEMPTS", 5))


def resend_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(_setting("ACCOUNTS_CODE_RESEND_SECONDS", 60)))


def normalise_phone(phone: str) -> str:
    """A mainland mobile number ('+86 138-0000-0000' → '13800000000'); ValidationError on
    ``phone`` otherwise."""
    from yingshang.notifications.public import SmsError, mainland_mobile

    try:
        return mainland_mobile(phone)
    except SmsError:
        raise ValidationError(
            {"phone": _("请填写有效的中国大陆手机号码（11位）。")}, code="phone"
        ) from None


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))


def hash_code(phone: str, purpose: str, nonce: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:accounts-otp:{phone}:{purpose}:{nonce}".encode()
    return hmac.new(key, (code or "").strip().encode(), hashlib.sha256).hexdigest()


def sender():
    return import_string(
        _setting("ACCOUNTS_CODE_SENDER", "yingshang.notifications.public.send_sms")
    )


def _wait_text(seconds: float) -> str:
    return _("%(s)d 秒") % {"s": max(int(seconds + 0.999), 1)}


def check_limits(*, phone: str, purpose: str, ip: str | None, now) -> None:
    """Refuse (ValidationError on ``phone``) when a code may not be sent now."""
    latest = (
        OneTimeCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
    )
    if latest is not None and now < latest.created_at + resend_after():
        left = (latest.created_at + resend_after() - now).total_seconds()
        raise ValidationError(
            {"phone": _("验证码已发送，请在 %(wait)s后重新获取。") % {"wait": _wait_text(left)}},
            code="resend_too_soon",
        )
    hour, day = now - datetime.timedelta(hours=1), now - datetime.timedelta(days=1)
    sent = OneTimeCode.objects.filter(phone=phone)
    if sent.filter(created_at__gt=hour).count() >= int(
        _setting("ACCOUNTS_CODES_PER_PHONE_PER_HOUR", 5)
    ) or sent.filter(created_at__gt=day).count() >= int(
        _setting("ACCOUNTS_CODES_PER_PHONE_PER_DAY", 10)
    ):
        raise ValidationError(
            {"phone": _("该手机号获取验证码过于频繁，请稍后再试。")}, code="phone_limit"
        )
    if ip and OneTimeCode.objects.filter(ip=ip, created_at__gt=hour).count() >= int(
        _setting("ACCOUNTS_CODES_PER_IP_PER_HOUR", 20)
    ):
        raise ValidationError(
            {"phone": _("您的网络地址获取验证码过于频繁，请稍后再试。")}, code="ip_limit"
        )


def send_code(*, phone: str, purpose: str, ip: str | None = None, deliver: bool = True, now=None):
    """Create a code for ``phone`` and ``purpose`` and send it (``deliver=False``: counted and
    stored, but nothing sent — a login or reset code for a phone without an account). Returns
    the ``OneTimeCode`` row; ValidationError on ``phone`` when a limit refuses or the SMS could
    not be sent."""
    if purpose not in CodePurpose.values:
        raise ValidationError({"purpose": _("未知的验证码用途。")})
    phone = normalise_phone(phone)
    now = now or timezone.now()
    check_limits(phone=phone, purpose=purpose, ip=ip, now=now)
    code, nonce = new_code(), secrets.token_hex(16)
    row = OneTimeCode.objects.create(
        phone=phone,
        purpose=purpose,
        nonce=nonce,
        code_hash=hash_code(phone, purpose, nonce, code),
        ip=ip or None,
        created_at=now,
        expires_at=now + ttl(),
    )
    if deliver:
        minutes = max(int(ttl().total_seconds() // 60), 1)
        try:
            sender()(phone=phone, template="otp", values={"code": code, "minutes": str(minutes)})
        except Exception as exc:  # noqa: BLE001 - SmsError or a network error of the provider
            row.delete()  # not sent: it neither counts nor blocks a retry
            raise ValidationError(
                {"phone": _("验证码短信发送失败，请稍后再试。")}, code="sms_failed"
            ) from exc
    return row


def verify_code(*, phone: str, purpose: str, code: str, now=None) -> OneTimeCode:
    """Check and use the latest code of ``phone`` for ``purpose``. Every try counts; a wrong,
    expired or used-up code is refused with its own message (ValidationError on ``code``)."""
    phone = normalise_phone(phone)
    now = now or timezone.now()
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("请填写短信验证码。")}, code="required")
    row = (
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None:
        raise ValidationError({"code": _("请先获取短信验证码。")}, code="no_code")
    if now >= row.expires_at:
        raise ValidationError({"code": _("验证码已过期，请重新获取。")}, code="expired")
    claimed = OneTimeCode.objects.filter(pk=row.pk, attempts__lt=max_attempts()).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        raise ValidationError(
            {"code": _("验证码错误次数过多，请重新获取。")}, code="too_many_tries"
        )
    expected = hash_code(phone, purpose, row.nonce, code)
    if not hmac.compare_digest(row.code_hash, expected):
        left = max_attempts() - row.attempts - 1
        if left <= 0:
            raise ValidationError(
                {"code": _("验证码错误次数过多，请重新获取。")}, code="too_many_tries"
            )
        raise ValidationError(
            {"code": _("验证码错误，还可尝试 %(n)s 次。") % {"n": left}}, code="wrong"
        )
    if not OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError({"code": _("请先获取短信验证码。")}, code="no_code")
    row.used_at = now
    return row
