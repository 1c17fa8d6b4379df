"""A local server that speaks the WeChat API as documented (request and response JSON, errcodes),
for the tests, the benchmark and the demo (`yingshang channels simulate`).

Implemented: GET /cgi-bin/token (grant_type=client_credential), POST
/cgi-bin/message/subscribe/bizsend, /cgi-bin/message/template/send, /cgi-bin/message/custom/send,
/cgi-bin/menu/create, GET /sns/oauth2/access_token, GET /sns/userinfo (snsapi_userinfo tokens
only: 48001 otherwise), and the web-authorisation page GET /connect/oauth2/authorize (on open.weixin.qq.com in reality: it redirects to ``redirect_uri`` with
``code`` and ``state``; the fake asks which openid is "the person on the phone", or takes it as an
``openid`` parameter — the one liberty it takes — and remembers the answer in a cookie of its own
host, so that later authorisations in the same browser are silent, as snsapi_base is on a
phone). Errcodes: 40001 invalid credential (bad
secret or unknown token), 42001 access_token expired, 40003 invalid openid, 43101 user refused
subscription messages, 40037 invalid template_id, 40029 invalid OAuth code, 48001 api unauthorized, 47001 bad body.

It records every accepted message (``state.received``) and counts requests per endpoint, and
can be told to expire every token (``expire_tokens``) or to fail the next N calls of an
endpoint with an errcode (``fail``)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import threading
import time
from collections import Counter
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
PHONE_COOKIE = "fake_wechat_openid"  # the fake's memory of "the person on the phone"
TOKEN_TTL = 7200
SEND_PATHS = {
    "/cgi-bin/message/subscribe/bizsend": "subscribe",
    "/cgi-bin/message/template/send": "template",
    "/cgi-bin/message/custom/send": "custom",
}


def _nbytes(text) -> int:
    return len(str(text).encode("utf-8"))


def _check_action(button: dict, sub: bool) -> tuple[int, str] | None:
    kind = button.get("type")
    if kind in ("click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "location_select"):
        key = button.get("key")
        if not key or _nbytes(key) > 128:
            return 40019, "invalid button key size"
    elif kind == "view":
        url = str(button.get("url") or "")
        if not url.startswith(("http://", "https://")) or _nbytes(url) > 1024:
            return (
                (40054, "invalid sub button url domain")
                if sub
                else (40055, "invalid button url domain")
            )
    else:
        return 40017, "invalid button type"
    return None


def check_menu(data: dict) -> tuple[int, str] | None:
    """menu/create's documented limits: 1–3 buttons, 1–5 sub-buttons, names ≤ 16 / 60 bytes."""
    buttons = data.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for button in buttons:
        if not isinstance(button, dict):
            return 40016, "invalid button size"
        name = button.get("name")
        if not name or _nbytes(name) > 16:
            return 40018, "invalid button name size"
        subs = button.get("sub_button")
        if subs is None:
            refused = _check_action(button, sub=False)
        elif not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            return 40023, "invalid sub button size"
        else:
            refused = None
            for item in subs:
                if not isinstance(item, dict) or not item.get("name") or _nbytes(item["name"]) > 60:
                    return 40025, "invalid sub button name size"
                refused = refused or _check_action(item, sub=True)
        if refused:
            return refused
    return None


class FakeState:
    def __init__(self, app_id: str, app_secret: str):
        self.app_id = app_id
        self.app_secret = app_secret
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.requests: Counter = Counter()  # path → count
        self.received: list[dict] = []  # accepted messages (kind, touser, template_id, data…)
        self.menus: list[dict] = []
        self.refused_openids: set[str] = set()  # 43101 for subscription messages
        self.oauth_codes: dict[str, tuple[str, str]] = {}  # code → (openid, scope)
        self.sns_tokens: dict[str, tuple[str, str]] = {}  # web access_token → (openid, scope)
        # 开放平台 UnionID per openid (several openids may share one: the same WeChat user in
        # another account or mini program of the open platform); default: derived from openid
        self.unionids: dict[str, str] = {}
        # WeChat puts the unionid into the snsapi_userinfo token answer when the account is
        # bound to an open platform; False makes the client ask /sns/userinfo for it
        self.unionid_in_token = True
        self.failures: dict[str, list[int]] = {}  # path → errcodes to answer next
        self.tokens_issued = 0
        self._msgid = 1000
        # 企业微信 (WeCom): the corp's credentials, its app's agentid and its members' userids
        self.wecom_corp_id = "ww0000000000demo"
        self.wecom_secret = "demo-wecom-secret"
        self.wecom_agent_id = 1000002
        self.wecom_users: set[str] = set()

    # ---- control ----
    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: 0.0 for t in self.tokens}

    def fail(self, path: str, errcode: int, times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([errcode] * times)

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.requests.clear()
            self.received.clear()
            self.menus.clear()
            self.failures.clear()
            self.refused_openids.clear()
            self.tokens_issued = 0

    def add_oauth_code(self, openid: str, scope: str = "snsapi_base") -> str:
        code = secrets.token_hex(16)
        with self.lock:
            self.oauth_codes[code] = (openid, scope)
        return code

    def unionid_of(self, openid: str) -> str:
        return self.unionids.get(openid) or "oU" + hashlib.sha1(openid.encode()).hexdigest()[:26]

    # ---- protocol ----
    def _token_error(self, token: str) -> tuple[int, str] | None:
        expiry = self.tokens.get(token)
        if expiry is None:
            return 40001, "invalid credential, access_token is invalid or not latest"
        if expiry <= time.monotonic():
            return 42001, "access_token expired"
        return None

    def stats(self) -> dict:
        """Counts for a benchmark or a demo: requests per path, messages received, and how
        many of them repeat an earlier (touser, template_id, data) — duplicates."""
        with self.lock:
            keys = [
                json.dumps([m.get("touser"), m.get("template_id"), m.get("data")], sort_keys=True)
                for m in self.received
            ]
            return {
                "requests": dict(self.requests),
                "received": len(self.received),
                "duplicates": len(keys) - len(set(keys)),
                "tokens_issued": self.tokens_issued,
            }

    def handle(self, method: str, path: str, query: dict, body: bytes) -> dict:
        if path == "/_fake/stats":  # not part of WeChat's API: the fake's own counters
            return self.stats()
        if path == "/_fake/messages":  # not WeChat's either: what one person was sent
            touser = query.get("touser", "")
            with self.lock:
                return {"messages": [m for m in self.received if m.get("touser") == touser]}
        with self.lock:
            self.requests[path] += 1
            injected = self.failures.get(path)
            if injected:
                code = injected.pop(0)
                return {"errcode": code, "errmsg": f"injected failure {code}"}
            if path == "/cgi-bin/token" and method == "GET":
                return self._token(query)
            if path == "/sns/oauth2/access_token" and method == "GET":
                return self._oauth(query)
            if path == "/sns/userinfo" and method == "GET":
                return self._userinfo(query)
            if path == "/cgi-bin/gettoken" and method == "GET":
                return self._wecom_token(query)
            if path == "/cgi-bin/message/send" and method == "POST":
                error = self._token_error(query.get("access_token", ""))
                if error:
                    return {"errcode": error[0], "errmsg": error[1]}
                try:
                    data = json.loads(body or b"{}")
                except ValueError:
                    return {"errcode": 47001, "errmsg": "data format error"}
                return self._wecom_send(data if isinstance(data, dict) else {})
            if method != "POST" or (path not in SEND_PATHS and path != "/cgi-bin/menu/create"):
                return {"errcode": 48001, "errmsg": "api unauthorized"}
            error = self._token_error(query.get("access_token", ""))
            if error:
                return {"errcode": error[0], "errmsg": error[1]}
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return {"errcode": 47001, "errmsg": "data format error"}
            if not isinstance(data, dict):
                return {"errcode": 47001, "errmsg": "data format error"}
            if path == "/cgi-bin/menu/create":
                refused = check_menu(data)
                if refused:
                    return {"errcode": refused[0], "errmsg": refused[1]}
                self.menus.append(data)
                return {"errcode": 0, "errmsg": "ok"}
            return self._send(SEND_PATHS[path], data)

    def _token(self, query: dict) -> dict:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.app_secret:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        token = secrets.token_urlsafe(96)
        self.tokens[token] = time.monotonic() + TOKEN_TTL
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": TOKEN_TTL}

    def _wecom_token(self, query: dict) -> dict:
        if query.get("corpid") != self.wecom_corp_id:
            return {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != self.wecom_secret:
            return {"errcode": 40001, "errmsg": "invalid secret"}
        token = secrets.token_urlsafe(96)
        self.tokens[token] = time.monotonic() + TOKEN_TTL
        self.tokens_issued += 1
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_TTL}

    def _wecom_send(self, data: dict) -> dict:
        """企业微信 message/send (应用消息), as documented: agentid, touser "a|b", msgtype."""
        if "agentid" not in data:
            return {"errcode": 41011, "errmsg": "missing agentid"}
        if str(data.get("agentid")) != str(self.wecom_agent_id):
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        kind = data.get("msgtype")
        body = data.get(kind) if isinstance(kind, str) else None
        if kind not in ("text", "textcard", "markdown") or not isinstance(body, dict):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if kind == "textcard":
            if not body.get("title") or not body.get("description") or not body.get("url"):
                return {"errcode": 44004, "errmsg": "empty content"}
            if (
                len(str(body["title"]).encode()) > 128
                or len(str(body["description"]).encode()) > 512
            ):
                return {"errcode": 45002, "errmsg": "content size out of limit"}
        users = [u for u in str(data.get("touser") or "").split("|") if u]
        valid = [u for u in users if u in self.wecom_users]
        invalid = [u for u in users if u not in self.wecom_users]
        if not valid:
            return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
        self._msgid += 1
        for user in valid:
            self.received.append(
                {
                    "kind": "wecom",
                    "msgid": str(self._msgid),
                    "touser": user,
                    "msgtype": kind,
                    kind: body,
                }
            )
        answer = {"errcode": 0, "errmsg": "ok", "msgid": str(self._msgid)}
        if invalid:
            answer["invaliduser"] = "|".join(invalid)
        return answer

    def _oauth(self, query: dict) -> dict:
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        issued = self.oauth_codes.pop(query.get("code", ""), None)
        if issued is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        openid, scope = issued
        token = secrets.token_urlsafe(48)
        self.sns_tokens[token] = (openid, scope)
        answer = {
            "access_token": token,
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(48),
            "openid": openid,
            "scope": scope,
        }
        if scope == "snsapi_userinfo" and self.unionid_in_token:
            answer["unionid"] = self.unionid_of(openid)
        return answer

    def _userinfo(self, query: dict) -> dict:
        """GET /sns/userinfo: only for a token of an snsapi_userinfo authorisation (48001
        otherwise, as WeChat answers), for the openid it was issued to (40003)."""
        issued = self.sns_tokens.get(query.get("access_token", ""))
        if issued is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        openid, scope = issued
        if scope != "snsapi_userinfo":
            return {"errcode": 48001, "errmsg": "api unauthorized"}
        if query.get("openid") != openid:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        return {
            "openid": openid,
            "nickname": "微信用户",
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": "",
            "privilege": [],
            "unionid": self.unionid_of(openid),
        }

    def _send(self, kind: str, data: dict) -> dict:
        touser = data.get("touser", "")
        if not isinstance(touser, str) or not OPENID_RE.match(touser):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if kind in ("subscribe", "template"):
            if not data.get("template_id"):
                return {"errcode": 40037, "errmsg": "invalid template_id"}
            if not isinstance(data.get("data"), dict):
                return {"errcode": 47001, "errmsg": "data format error"}
        if kind == "subscribe" and touser in self.refused_openids:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        if kind == "custom" and data.get("msgtype") not in ("text", "news", "link"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        self._msgid += 1
        self.received.append({"kind": kind, "msgid": self._msgid, **data})
        if kind == "custom":
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 0, "errmsg": "ok", "msgid": self._msgid}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body until the client's delayed ACK (~40 ms per request on a kept-alive connection)
    disable_nagle_algorithm = True
    state: FakeState

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        result = self.server.state.handle(method, parts.path, query, body)
        payload = json.dumps(result, ensure_ascii=False).encode()
        self.send_response(200)  # WeChat answers errors with HTTP 200 and an errcode
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _authorize(self, query: dict) -> None:
        """网页授权: WeChat's in-app browser shows this page and redirects to ``redirect_uri``
        with a one-use code. Refused (a page, as WeChat shows) for another appid, a scope other
        than snsapi_base/snsapi_userinfo or a missing redirect_uri."""
        state = self.server.state
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("appid") != state.app_id
            or query.get("scope") not in ("snsapi_base", "snsapi_userinfo")
            or query.get("response_type") != "code"
            or not redirect_uri.startswith(("http://", "https://"))
        ):
            return self._page(
                400, "<h1>授权参数错误</h1><p>appid、scope 或 redirect_uri 无效。</p>"
            )
        openid = query.get("openid", "")
        remembered = self._remembered_openid()
        if not openid and remembered:
            openid = remembered  # WeChat knows who holds the phone: snsapi_base is silent
        if not OPENID_RE.match(openid):
            hidden = "".join(
                f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                for k, v in query.items()
                if k != "openid"
            )
            return self._page(
                200,
                "<h1>模拟微信网页授权</h1><form method=get>"
                f'{hidden}<label>OpenID <input name="openid" required '
                'pattern="[A-Za-z0-9_-]{20,64}"></label> <button>允许</button></form>',
            )
        code = state.add_oauth_code(openid, query["scope"])
        location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}" + urlencode(
            {"code": code, "state": query.get("state", "")}
        )
        self.send_response(302)
        self.send_header("Location", location)
        # this browser is "the phone" of that openid from now on (the fake's cookie, on its host)
        self.send_header("Set-Cookie", f"{PHONE_COOKIE}={openid}; Path=/; HttpOnly; SameSite=Lax")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _remembered_openid(self) -> str:
        cookies = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie") or "")
        except CookieError:
            return ""
        morsel = cookies.get(PHONE_COOKIE)
        value = morsel.value if morsel is not None else ""
        return value if OPENID_RE.match(value) else ""

    def _page(self, status: int, body: str) -> None:
        payload = f"<!doctype html><meta charset=utf-8>{body}".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/connect/oauth2/authorize":
            return self._authorize({k: v[0] for k, v in parse_qs(parts.query).items()})
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")


class FakeWeChatServer:
    """``with FakeWeChatServer(app_id, secret) as fake: fake.url …`` — serves in a thread."""

    def __init__(self, app_id: str, app_secret: str, host: str = "127.0.0.1", port: int = 0):
        self.state = FakeState(app_id, app_secret)
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChatServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (Ctrl-C); the socket is closed afterwards."""
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()

    def stop(self) -> None:
        """Stop a server started with ``start()`` (in its own thread)."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeWeChatServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # python -m yingshang.channels.fake_server APP_ID SECRET PORT
    import signal
    import sys

    server = FakeWeChatServer(sys.argv[1], sys.argv[2], port=int(sys.argv[3]))
    print(server.url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
