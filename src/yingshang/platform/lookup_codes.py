"""查询码 — the query code that opens a case or an appeal without logging in.

A record keeps a random *seed* (``secrets.token_hex``, 128 bits) and never its code: the code
is derived when it is needed, ``HMAC-SHA256(key, kind:number:seed)`` cut to 50 bits and written
as 10 characters of Crockford base32 (``0-9A-Z`` without I, L, O, U), shown as ``XXXXX-XXXXX``.
The key is derived from ``SECRET_KEY`` (or ``LOOKUP_CODE_KEY`` when set). So

* the database alone tells nothing: neither the code nor a hash of it is stored, and without
  the key the seed is no help (a leaked database cannot be brute-forced offline);
* the code can be shown again wherever it is needed — the receipt page, the notices' QR code
  printed days later, the owner's case page — without ever being stored;
* a check recomputes the code and compares in constant time (``hmac.compare_digest``): fast
  enough for every look-up (one HMAC);
* a new seed (``new_seed``) is a new code; rotating the key changes every code (documented in
  docs/architecture.md, "Look-ups that cannot be guessed").

Typed input is forgiving: case, spaces and hyphens do not matter and the look-alikes I/L → 1,
O → 0 are read as Crockford base32 reads them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
LENGTH = 10
BITS = LENGTH * 5  # 50
SEED_BYTES = 16
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})

assert len(ALPHABET) == 32 and BITS == LENGTH * math.log2(len(ALPHABET))


def new_seed() -> str:
    """A fresh random seed for a record (32 hex characters)."""
    return secrets.token_hex(SEED_BYTES)


def _key() -> bytes:
    secret = getattr(settings, "LOOKUP_CODE_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"yingshang.lookup-code\x00" + secret.encode()).digest()


def encode(value: int) -> str:
    chars = []
    for _ in range(LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def code_for(kind: str, number: str, seed: str) -> str:
    """The code of record ``kind``/``number`` with ``seed`` (10 characters, no hyphen); "" when
    the record has no seed (rows from before codes existed: see ``new_seed``)."""
    if not seed:
        return ""
    digest = hmac.new(_key(), f"{kind}:{number}:{seed}".encode(), hashlib.sha256).digest()
    return encode(int.from_bytes(digest[:8], "big") >> (64 - BITS))


def display(code: str) -> str:
    """``ABCDE12345`` → ``ABCDE-12345`` (how receipts print it)."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code


def normalise(text: str) -> str:
    """What was typed, as a code: upper case, without spaces and hyphens, look-alikes mapped."""
    text = "".join((text or "").split()).replace("-", "").upper().translate(_LOOKALIKES)
    return text


def is_well_formed(text: str) -> bool:
    code = normalise(text)
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def matches(kind: str, number: str, seed: str, given: str) -> bool:
    """Does ``given`` open the record? Always False for a record without a seed."""
    expected = code_for(kind, number, seed)
    if not expected:
        return False
    return hmac.compare_digest(expected.encode(), normalise(given).encode())
