"""The accounts app's public entry points (the demo loader; later the channels' WeChat binding).
The only module of this app other apps import, besides ``accounts.models``."""

from .demo_data import DEMO_ACCOUNTS
from .selectors import account_of
from .services import account_by_phone, ensure_account


def demo_accounts():
    """The demo's applicant accounts: username, phone, kind, label."""
    return [dict(a) for a in DEMO_ACCOUNTS]


__all__ = ["account_by_phone", "account_of", "demo_accounts", "ensure_account"]
