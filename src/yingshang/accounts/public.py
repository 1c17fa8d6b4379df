"""The accounts app's public entry points for other apps (the demo loader; the channels' WeChat
binding, which confirms the person with a one-time code to the phone on record). The only module
of this app other apps import, besides ``accounts.models``. See docs/architecture.md."""

from .codes import send_code, verify_code
from .demo_data import DEMO_ACCOUNTS
from .models import CodePurpose
from .selectors import account_of
from .services import account_by_phone, ensure_account


def demo_accounts():
    """The demo's applicant accounts: username, phone, kind, label."""
    return [dict(a) for a in DEMO_ACCOUNTS]


def phone_of(user) -> str:
    """The verified phone of an active applicant account, or "" (staff, deleted, no account)."""
    account = getattr(user, "account", None) if getattr(user, "is_authenticated", False) else None
    if account is None or account.status != "active" or not account.phone:
        return ""
    return account.phone


__all__ = [
    "CodePurpose",
    "account_by_phone",
    "account_of",
    "demo_accounts",
    "ensure_account",
    "phone_of",
    "send_code",
    "verify_code",
]
