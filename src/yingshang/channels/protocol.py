"""The project's small interface over the official-account message protocol (wechatpy does the
signature and AES work; defusedxml parses every envelope and message before anything else sees
it, so a DTD, an entity or an XML bomb never reaches xmltodict).

    verify_url(config, signature, timestamp, nonce)          → raises Refused
    open_envelope(config, body, params)                        → Inbound (plain XML + mode)
    seal(config, inbound, reply_xml)                           → the reply, encrypted if needed
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from .config import Config
from .models import RefusalReason

# WeChat retries for 5 s ×3; a request signed more than this far from now is refused.
REPLAY_WINDOW_SECONDS = 300


class Refused(Exception):
    """A callback refused before anything is stored: ``status`` is the HTTP answer."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Inbound:
    xml: str  # the (decrypted) message XML
    encrypted: bool
    nonce: str
    timestamp: int


def parse_xml(text: str | bytes):
    """Parse untrusted XML: a DTD (hence every entity, XML bomb or external entity) is refused."""
    try:
        return defused_fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Refused(RefusalReason.DANGEROUS, 400) from exc
    except (ParseError, ValueError) as exc:
        raise Refused(RefusalReason.MALFORMED, 400) from exc


def check_timestamp(timestamp: str, now: float | None = None) -> int:
    try:
        value = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise Refused(RefusalReason.SIGNATURE) from exc
    now = time.time() if now is None else now
    if abs(now - value) > REPLAY_WINDOW_SECONDS:
        raise Refused(RefusalReason.STALE)
    return value


def verify_signature(config: Config, signature: str, timestamp: str, nonce: str) -> None:
    """`signature` = SHA-1 of the sorted token, timestamp and nonce."""
    if not (signature and timestamp and nonce):
        raise Refused(RefusalReason.SIGNATURE)
    try:
        check_signature(config.token, signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise Refused(RefusalReason.SIGNATURE) from exc


def verify_url(config: Config, params) -> str:
    """GET URL verification: the ``echostr`` to echo, or Refused."""
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    verify_signature(config, params.get("signature", ""), timestamp, nonce)
    check_timestamp(timestamp)
    echostr = params.get("echostr", "")
    if not echostr:
        raise Refused(RefusalReason.SIGNATURE)
    return echostr


def _crypto(config: Config) -> WeChatCrypto:
    return WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)


def open_envelope(config: Config, body: bytes, params) -> Inbound:
    """Check the signature and timestamp of a POSTed message and decrypt it (安全模式, when
    ``encrypt_type=aes``). Raises Refused. The nonce is not recorded here (see services)."""
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    encrypted = params.get("encrypt_type", "raw").lower() == "aes"
    if not encrypted:
        verify_signature(config, params.get("signature", ""), timestamp, nonce)
        check_timestamp(timestamp)
        root = parse_xml(body)
        if config.original_id:
            to_user = (root.findtext("ToUserName") or "").strip()
            if to_user != config.original_id:
                raise Refused(RefusalReason.APPID)
        return Inbound(body.decode("utf-8"), False, nonce, int(timestamp))
    msg_signature = params.get("msg_signature", "")
    if not (msg_signature and timestamp and nonce) or not config.encoding_aes_key:
        raise Refused(RefusalReason.SIGNATURE)
    check_timestamp(timestamp)
    root = parse_xml(body)
    encrypt = (root.findtext("Encrypt") or "").strip()
    if not encrypt:
        raise Refused(RefusalReason.MALFORMED, 400)
    try:
        plain = _crypto(config).decrypt_message(
            {"Encrypt": encrypt}, msg_signature, timestamp, nonce
        )
    except InvalidSignatureException as exc:
        raise Refused(RefusalReason.SIGNATURE) from exc
    except InvalidAppIdException as exc:
        raise Refused(RefusalReason.APPID) from exc
    except Exception as exc:  # noqa: BLE001 - bad base64, padding or length: undecryptable
        raise Refused(RefusalReason.DECRYPT, 400) from exc
    if isinstance(plain, bytes):
        plain = plain.decode("utf-8")
    parse_xml(plain)  # the decrypted message is untrusted XML as well
    return Inbound(plain, True, nonce, int(timestamp))


def seal(config: Config, inbound: Inbound, reply_xml: str) -> str:
    """The reply as sent back: encrypted with a fresh signature when the request was."""
    if not inbound.encrypted or not reply_xml:
        return reply_xml
    return _crypto(config).encrypt_message(reply_xml, inbound.nonce, str(int(time.time())))
