"""The phone simulator: plays a WeChat user's phone against this platform, for the demo and for
people trying the account without one (issue 14 item 7).

It does what WeChat's servers do: builds the message or event XML a phone's action produces,
signs it with the account's token (and encrypts it with the EncodingAESKey in 安全模式), and
POSTs it to ``/wechat/`` through the whole request stack (every middleware, the real view),
then opens the reply the way WeChat would. The pushes the platform sent to that person are read
back from the fake WeChat API server and the fake SMS provider (``/_fake/messages``,
``/_sms/messages``) when the platform is pointed at them."""

from __future__ import annotations

import io
import json
import secrets
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.utils.translation import gettext as _
from wechatpy.crypto import WeChatCrypto

from .config import Config

KINDS = ("text", "subscribe", "unsubscribe", "click", "scan")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass
class Exchange:
    kind: str
    content: str
    status: int
    reply: str  # the text the account answered ("" = none)
    encrypted: bool


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(config: Config, *, openid: str, kind: str, content: str = "") -> str:
    """The XML WeChat would deliver for this action of the phone's user."""
    head = (
        f"<ToUserName>{_cdata(config.original_id or 'gh_simulator')}</ToUserName>"
        f"<FromUserName>{_cdata(openid)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
    )
    if kind == "text":
        return (
            f"<xml>{head}<MsgType><![CDATA[text]]></MsgType><Content>{_cdata(content)}</Content>"
            f"<MsgId>{time.time_ns()}</MsgId></xml>"
        )
    event = {
        "subscribe": "subscribe",
        "unsubscribe": "unsubscribe",
        "click": "CLICK",
        "scan": "SCAN",
    }[kind]
    key = content
    if kind == "subscribe" and content:
        key = "qrscene_" + content  # a QR scan that makes a new follower
    key_xml = f"<EventKey>{_cdata(key)}</EventKey>" if key else ""
    return f"<xml>{head}<MsgType><![CDATA[event]]></MsgType><Event>{_cdata(event)}</Event>{key_xml}</xml>"


_HANDLER: list[WSGIHandler] = []


def _handler() -> WSGIHandler:
    if not _HANDLER:
        _HANDLER.append(WSGIHandler())  # loads the middleware once
    return _HANDLER[0]


def _dispatch(path: str, query: dict, body: bytes) -> tuple[int, bytes]:
    """One request through Django's whole stack, as the web server would hand it over."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": urllib.parse.urlencode(query),
        "CONTENT_TYPE": "text/xml",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".") or "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    # The handler's middleware chain and view, without the request_started/request_finished
    # signals of WSGIHandler.__call__: they would close the *calling* request's database
    # connection (close_old_connections) in the middle of it.
    request = WSGIRequest(environ)
    response = _handler().get_response(request)
    content = response.content
    status_holder = {"status": response.status_code}
    return status_holder.get("status", 500), content


def send(config: Config, *, openid: str, kind: str, content: str = "") -> Exchange:
    """Act as the phone: deliver one message or event to ``/wechat/`` and read the answer."""
    if kind not in KINDS:
        raise ValueError(kind)
    xml = message_xml(config, openid=openid, kind=kind, content=content)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = _sha1_sorted(config.token, timestamp, nonce)
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": openid}
    encrypted = bool(config.encoding_aes_key)
    body = xml.encode("utf-8")
    crypto = None
    if encrypted:
        crypto = WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)
        sealed = crypto.encrypt_message(xml, nonce, timestamp)
        from .protocol import parse_xml

        root = parse_xml(sealed)
        query |= {"encrypt_type": "aes", "msg_signature": root.findtext("MsgSignature")}
        body = (
            f"<xml><ToUserName>{_cdata(config.original_id or 'gh_simulator')}</ToUserName>"
            f"<Encrypt>{_cdata(root.findtext('Encrypt'))}</Encrypt></xml>"
        ).encode()
    status, answer = _dispatch("/wechat/", query, body)
    reply = ""
    if status == 200 and answer and answer != b"success":
        text = answer.decode("utf-8")
        if crypto is not None:
            from .protocol import parse_xml

            sealed = parse_xml(text)
            text = crypto.decrypt_message(
                text,
                sealed.findtext("MsgSignature"),
                sealed.findtext("TimeStamp"),
                sealed.findtext("Nonce"),
            )
        from .protocol import parse_xml

        reply = parse_xml(text).findtext("Content") or ""
    return Exchange(kind=kind, content=content, status=status, reply=reply, encrypted=encrypted)


def _sha1_sorted(*parts: str) -> str:
    import hashlib

    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _local_json(url: str) -> dict | None:
    """GET a local fake server's JSON; None when the URL is not local or does not answer."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in {h.strip("[]") for h in LOCAL_HOSTS}:
        return None
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local only
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def pushes_for(config: Config, openid: str) -> list[dict] | None:
    """The WeChat pushes the fake API server received for ``openid`` (None: not a fake)."""
    found = _local_json(f"{config.api_base}/_fake/messages?touser={urllib.parse.quote(openid)}")
    return None if found is None else found.get("messages", [])


def sms_for(phone: str) -> list[dict] | None:
    """The SMS the fake provider accepted for ``phone`` (None: SMS not pointed at a fake)."""
    endpoint = getattr(settings, "SMS_ENDPOINT", "")
    if not endpoint or not phone:
        return None
    found = _local_json(f"http://{endpoint}/_sms/messages?phone={urllib.parse.quote(phone)}")
    return None if found is None else found.get("messages", [])


def describe(kind: str) -> str:
    return {
        "text": _("发送文字"),
        "subscribe": _("关注（可带二维码场景值）"),
        "unsubscribe": _("取消关注"),
        "click": _("点击菜单（事件键值）"),
        "scan": _("扫描二维码（场景值）"),
    }[kind]
