"""The accounts app's public entry points for other apps (the WeChat binding confirms the
person with a one-time code to the phone on record). The only module of this app other apps
import, besides ``accounts.models``. See docs/architecture.md."""

from .codes import send_code, verify_code
from .models import CodePurpose


def phone_of(user) -> str:
    """The verified phone of an active applicant account, or "" (staff, deleted, no account)."""
    account = getattr(user, "account", None) if getattr(user, "is_authenticated", False) else None
    if account is None or account.status != "active" or not account.phone:
        return ""
    return account.phone


__all__ = ["CodePurpose", "phone_of", "send_code", "verify_code"]
