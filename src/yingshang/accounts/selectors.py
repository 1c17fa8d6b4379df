"""Reads of the accounts app."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from django.conf import settings

from .models import Account, EnterpriseAuthorisation

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def account_of(user) -> Account | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Account.objects.filter(user=user).first()


def person_of(user):
    from yingshang.registry.models import Person

    return Person.objects.filter(user=user).first()


def authorisations_of(user):
    return EnterpriseAuthorisation.objects.filter(account__user=user)


def identity_provider_name() -> str:
    """The label of the configured real-name provider ('' when none is configured)."""
    conf = getattr(settings, "ACCOUNTS_OIDC", {}) or {}
    if not conf.get("issuer") or not conf.get("client_id"):
        return ""
    return conf.get("label") or "OpenID Connect"


def demo_context() -> dict | None:
    """The 演示账号 box of the login page (``ACCOUNTS_DEMO=1``): the demo accounts that exist and
    whether the fake SMS provider's messages can be shown."""
    if not getattr(settings, "ACCOUNTS_DEMO", False):
        return None
    from .demo_data import DEMO_ACCOUNTS

    phones = set(
        Account.objects.filter(phone__in=[a["phone"] for a in DEMO_ACCOUNTS]).values_list(
            "phone", flat=True
        )
    )
    return {
        "accounts": [a for a in DEMO_ACCOUNTS if a["phone"] in phones],
        "sms": fake_sms_endpoint() != "" or uses_demo_outbox(),
    }


def uses_demo_outbox() -> bool:
    return getattr(settings, "ACCOUNTS_DEMO", False) and str(
        getattr(settings, "ACCOUNTS_CODE_SENDER", "")
    ).endswith("accounts.demo_outbox.send")


def fake_sms_endpoint() -> str:
    """The local fake SMS provider's address (``SMS_ENDPOINT`` on this machine), else ''."""
    endpoint = getattr(settings, "SMS_ENDPOINT", "") or ""
    host = endpoint.rsplit(":", 1)[0].strip("[]") if endpoint else ""
    if not getattr(settings, "ACCOUNTS_DEMO", False) or host not in LOCAL_HOSTS:
        return ""
    return endpoint


def fake_sms_messages(phone: str = "") -> list[dict] | None:
    """What the local fake SMS provider (or the demo outbox) received; None: not the demo, or
    the provider does not answer."""
    if uses_demo_outbox():
        from . import demo_outbox

        found = demo_outbox.messages()
        return [m for m in found if not phone or m["phone"] == phone]
    endpoint = fake_sms_endpoint()
    if not endpoint:
        return None
    url = f"http://{endpoint}/_sms/messages"
    if phone:
        url += "?" + urllib.parse.urlencode({"phone": phone})
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local only
            return list(json.loads(response.read()).get("messages", []))
    except (OSError, ValueError):
        return None
