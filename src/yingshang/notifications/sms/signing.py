"""The two SMS providers' request signatures, written out from their published algorithms.

The senders sign through the providers' own SDKs; these functions are the *other side*: the
fake provider servers (``fake_server.py``) use them to check every request the SDKs send, so a
test passes only when the bytes on the wire carry a signature the real service would accept.
Both are pinned by the providers' own worked examples in tests/notifications/test_sms_signing.py.

- Tencent Cloud API 3.0, TC3-HMAC-SHA256 ("签名方法 v3", cloud.tencent.com/document/api/382/52072):
  CanonicalRequest = method, URI "/", query, "k:v\\n" headers, signed header names, sha256(body);
  StringToSign = "TC3-HMAC-SHA256", timestamp, "date/service/tc3_request", sha256(CanonicalRequest);
  the key is HMAC-derived from "TC3"+SecretKey over date, service and "tc3_request".
- Alibaba Cloud OpenAPI V3, ACS3-HMAC-SHA256 ("V3版本请求体&签名机制"): CanonicalRequest =
  method, URI, RFC 3986-encoded sorted query, the ``x-acs-*``/host/content-type headers,
  their names, ``x-acs-content-sha256``; StringToSign = "ACS3-HMAC-SHA256\\n" +
  sha256(CanonicalRequest); Signature = hex HMAC-SHA256(AccessKeySecret, StringToSign).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

TC3 = "TC3-HMAC-SHA256"
ACS3 = "ACS3-HMAC-SHA256"


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


# ---------------------------------------------------------------- Tencent TC3


def tc3_canonical_request(
    method: str, query: str, headers: dict[str, str], signed: list[str], body: bytes
) -> str:
    """``headers``: lower-case name → value as sent; ``signed``: the names in the signature."""
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed
    )
    return "\n".join(
        [method.upper(), "/", query, canonical_headers, ";".join(signed), sha256_hex(body)]
    )


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    return "\n".join([TC3, timestamp, scope, sha256_hex(canonical_request)])


_TC3_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


def parse_tc3_authorization(value: str) -> dict[str, str] | None:
    match = _TC3_AUTH.match(value or "")
    return match.groupdict() if match else None


# ---------------------------------------------------------------- Alibaba ACS3


def rfc3986(value: str) -> str:
    """Percent-encoding as the V3 document asks: unreserved A-Z a-z 0-9 - _ . ~ kept, space %20."""
    return quote(value, safe="-_.~")


def acs3_canonical_request(
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    payload_hash: str,
    signed: list[str] | None = None,
) -> tuple[str, str]:
    """Returns (CanonicalRequest, SignedHeaders). ``headers``: lower-case name → value.
    ``signed``: the header names the client listed (the document requires every ``x-acs-*``,
    ``host`` and ``content-type`` header and allows more); by default exactly those."""
    canonical_query = "&".join(
        f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(query.items(), key=lambda kv: kv[0])
    )
    names = sorted(signed) if signed is not None else required_acs3_headers(headers)
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    signed_text = ";".join(names)
    text = "\n".join(
        [method.upper(), path or "/", canonical_query, canonical_headers, signed_text, payload_hash]
    )
    return text, signed_text


def required_acs3_headers(headers) -> list[str]:
    """The headers a V3 signature must cover: every ``x-acs-*``, ``host`` and ``content-type``."""
    return sorted(n for n in headers if n.startswith("x-acs-") or n in {"host", "content-type"})


def acs3_signature(secret: str, canonical_request: str) -> str:
    string_to_sign = f"{ACS3}\n{sha256_hex(canonical_request)}"
    return hmac.new(
        secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


_ACS3_AUTH = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<id>[^,]+),SignedHeaders=(?P<signed>[a-z0-9;-]+),"
    r"Signature=(?P<sig>[0-9a-f]{64})$"
)


def parse_acs3_authorization(value: str) -> dict[str, str] | None:
    match = _ACS3_AUTH.match(value or "")
    return match.groupdict() if match else None
