"""Signed status links: the QR code on a notice opens ``/track/<number>/<token>/``, the case's
public status, without typing the 查询码.

The token is the timestamp and signature of ``django.core.signing.TimestampSigner`` over the
case number *and its lookup seed* (the seed never leaves the server: only ``<time>.<signature>``
is in the link). A link is good for ``settings.CASE_STATUS_LINK_DAYS`` days (default 180) from
the day the notice was printed; a case without a seed (rows from before 查询码) has no link.
Changing ``SECRET_KEY`` or a case's seed voids every link to it.
"""

from django.conf import settings
from django.core import signing

SALT = "yingshang.cases.status-link"
SEP = "."
DEFAULT_DAYS = 180


def link_days() -> int:
    return int(getattr(settings, "CASE_STATUS_LINK_DAYS", DEFAULT_DAYS))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, sep=SEP)


def _value(number: str, seed: str) -> str:
    return f"{number}|{seed}"


def token_for(case) -> str:
    """``<time>.<signature>`` for ``case``; "" when the case has no lookup seed."""
    if not case.lookup_seed:
        return ""
    signed = _signer().sign(_value(case.number, case.lookup_seed))
    return signed[len(_value(case.number, case.lookup_seed)) + len(SEP) :]


def token_matches(case, token: str) -> bool:
    """True when ``token`` was signed for this case and is not older than the link days."""
    if case is None or not case.lookup_seed or not token or len(token) > 100:
        return False
    try:
        _signer().unsign(
            f"{_value(case.number, case.lookup_seed)}{SEP}{token}",
            max_age=link_days() * 86400,
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    return True
