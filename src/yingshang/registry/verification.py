"""The two pluggable parts of enterprise-representative verification (docs/registry.md).

* **Code sender** — ``settings.REGISTRY_CODE_SENDER`` (dotted path, default
  ``yingshang.notifications.public.send_sms``): ``sender(phone=..., template="otp",
  values={"code": ..., "minutes": ...})`` sends the one-time code to the enterprise's
  *registered* phone through the notification centre's SMS providers (the ``otp`` template),
  synchronously, without storing the text (the code must not sit in a delivery row). It raises
  (``SmsError``) when SMS is not configured or the provider refuses. The registry does not
  import the notifications app (they are on the same layer): the path is resolved at call time.
* **Real-name provider** — ``settings.REGISTRY_REALNAME_PROVIDER`` (dotted path to a class):
  ``provider.real_name(user) -> str | None`` answers the name a login provider has verified
  for the account (e.g. a government identity platform's 实名认证 claim), or None. The only
  provider shipped is ``NoRealNameProvider``, a stub that knows no one: until a real login
  provider is integrated, real-name verification is refused with a clear message and the other
  two ways (code, staff approval) remain.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.module_loading import import_string

CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))


def hash_code(representation_id: int, code: str) -> str:
    """HMAC-SHA256 keyed by SECRET_KEY and the representation: a leaked hash cannot be reused
    for another request and a six-digit code cannot be looked up in a precomputed table."""
    key = f"{settings.SECRET_KEY}:registry-representation:{representation_id}".encode()
    return hmac.new(key, (code or "").strip().encode(), hashlib.sha256).hexdigest()


def code_matches(representation, code: str) -> bool:
    if not representation.code_hash:
        return False
    return hmac.compare_digest(representation.code_hash, hash_code(representation.pk, code))


def code_sender():
    return import_string(
        getattr(settings, "REGISTRY_CODE_SENDER", "yingshang.notifications.public.send_sms")
    )


class RealNameProvider:
    """Interface: the real name a login provider verified for ``user``, or None."""

    available = True

    def real_name(self, user) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError


class NoRealNameProvider(RealNameProvider):
    """STUB — no login provider is integrated: it knows no one's real name."""

    available = False

    def real_name(self, user) -> str | None:
        return None


def realname_provider() -> RealNameProvider:
    path = getattr(
        settings,
        "REGISTRY_REALNAME_PROVIDER",
        "yingshang.registry.verification.NoRealNameProvider",
    )
    return import_string(path)()
