"""The demo's SMS outbox: when the demo runs without an SMS provider (``make run``), the codes
are kept in the shared cache and shown on /accounts/demo-sms/ instead of being sent. Never
used outside the demo (settings: only with ACCOUNTS_DEMO=1 and no SMS_PROVIDER)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

KEY = "accounts:demo-outbox"
KEEP = 50


def send(*, phone: str, template: str, values: dict):
    # the wording of the notification centre's ``otp`` template (notifications/sms/templates.py)
    text = "【演示】您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。".format(
        **{k: str(v) for k, v in values.items()}
    )
    messages = list(cache.get(KEY) or [])
    messages.append({"phone": phone, "text": text, "at": timezone.now().isoformat()})
    cache.set(KEY, messages[-KEEP:], 3600)


def messages() -> list[dict]:
    return list(cache.get(KEY) or [])
