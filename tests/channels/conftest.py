"""The WeChat official-account protocol, computed in the tests independently of wechatpy: the
official algorithm (消息加解密说明) with hashlib and `cryptography`."""

import base64
import hashlib
import os
import socket
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.cases.conftest import (  # noqa: F401 - fixtures are found by name
    calendar,
    catalog,
    enterprise_applicant,
    portal_users,
    submitted,
)
from tests.notifications.conftest import sms, sms_server  # noqa: F401 - fixtures by name
from yingshang.channels.fake_server import FakeWeChatServer
from yingshang.channels.models import TemplateMapping

APP_ID = "wx5823bf96d3bd56c7"
APP_SECRET = "test-app-secret-0123456789"
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
OPENID = "oia2TjjewbmiOUlr6X-1crbLOvLw"
ORIGINAL_ID = "gh_7f083739789a"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _key(aes_key: str) -> bytes:
    return base64.b64decode(aes_key + "=")


def encrypt(xml: str, *, app_id: str = APP_ID, aes_key: str = AES_KEY) -> str:
    """AES-256-CBC, key = b64decode(EncodingAESKey+"="), IV = key[:16], PKCS#7 to 32 bytes of
    16 random bytes + 4-byte network-order length + message + appid."""
    key = _key(aes_key)
    msg = xml.encode()
    raw = os.urandom(16) + struct.pack("!I", len(msg)) + msg + app_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def decrypt(b64: str, *, aes_key: str = AES_KEY) -> tuple[str, str]:
    """→ (message, appid)"""
    key = _key(aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = dec.update(base64.b64decode(b64)) + dec.finalize()
    pad = raw[-1]
    assert 1 <= pad <= 32 and raw[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
    raw = raw[16:-pad]
    (length,) = struct.unpack("!I", raw[:4])
    assert socket.ntohl(socket.htonl(length)) == length
    return raw[4 : 4 + length].decode(), raw[4 + length :].decode()


def text_xml(content: str, *, openid: str = OPENID, to: str = ORIGINAL_ID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{time.time_ns()}</MsgId></xml>"
    )


def event_xml(event: str, key: str = "", *, openid: str = OPENID) -> str:
    key_part = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_part}</xml>"
    )


class Phone:
    """Plays WeChat's servers: signs (and encrypts) messages to /wechat/ as the platform does."""

    def __init__(self, client):
        self.client = client
        self.counter = 0

    def nonce(self) -> str:
        self.counter += 1
        return f"{time.time_ns() % 10**9}{self.counter}"

    def plain(self, xml: str, *, timestamp=None, nonce=None, token=TOKEN, signature=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or self.nonce()
        sig = signature if signature is not None else sha1_sorted(token, timestamp, nonce)
        query = f"?signature={sig}&timestamp={timestamp}&nonce={nonce}&openid={OPENID}"
        return self.client.post("/wechat/" + query, data=xml, content_type="text/xml")

    def encrypted(
        self,
        xml: str,
        *,
        timestamp=None,
        nonce=None,
        app_id=APP_ID,
        msg_signature=None,
        envelope=None,
    ):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or self.nonce()
        enc = encrypt(xml, app_id=app_id)
        msig = (
            msg_signature
            if msg_signature is not None
            else sha1_sorted(TOKEN, timestamp, nonce, enc)
        )
        body = envelope or (
            f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
        )
        query = (
            f"?signature={sha1_sorted(TOKEN, timestamp, nonce)}&timestamp={timestamp}"
            f"&nonce={nonce}&openid={OPENID}&encrypt_type=aes&msg_signature={msig}"
        )
        return self.client.post("/wechat/" + query, data=body, content_type="text/xml")

    def reply_of(self, response) -> str:
        """The reply's plain XML, after checking its signature and appid (encrypted replies)."""
        from defusedxml.ElementTree import fromstring

        root = fromstring(response.content)
        enc = root.findtext("Encrypt")
        if enc is None:
            return response.content.decode()
        signature = sha1_sorted(TOKEN, root.findtext("TimeStamp"), root.findtext("Nonce"), enc)
        assert root.findtext("MsgSignature") == signature
        message, app_id = decrypt(enc)
        assert app_id == APP_ID
        return message


@pytest.fixture
def wechat_env(monkeypatch, db):
    from yingshang.channels.config import clear_cache

    for name, value in {
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_ORIGINAL_ID": ORIGINAL_ID,
    }.items():
        monkeypatch.setenv(name, value)
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def phone(client, wechat_env):
    return Phone(client)


def content_of(xml: str) -> str:
    from defusedxml.ElementTree import fromstring

    return fromstring(xml).findtext("Content") or ""


@pytest.fixture
def fake(wechat_env, monkeypatch):
    from yingshang.channels.config import clear_cache
    from yingshang.channels.sender import forget_clients

    with FakeWeChatServer(APP_ID, APP_SECRET) as server:
        monkeypatch.setenv("WECHAT_API_BASE", server.url)
        clear_cache()
        forget_clients()
        yield server.state
    clear_cache()
    forget_clients()


@pytest.fixture
def templates(db):
    TemplateMapping.objects.create(
        category="",
        kind="subscribe",
        template_id="SUB-TPL-1",
        fields={"thing1": "title", "time2": "created_at"},
    )
    TemplateMapping.objects.create(category="", kind="template", template_id="OLD-TPL-1")
