"""A local server that speaks both SMS providers' real APIs — for the tests, the demo and the
phone simulator (`yingshang sms simulate`). It is the only "provider" reachable here.

Tencent Cloud SMS (API 3.0, ``POST /`` with ``X-TC-Action: SendSms``, version 2021-01-11) and
Alibaba Cloud SMS (``POST /?…`` with ``x-acs-action: SendSms``, version 2017-05-25) are told
apart by their headers. Every request's signature is checked with the algorithms of
``signing.py`` (written from the providers' documents, independent of their SDKs), then the
business rules the real services apply: the account's SmsSdkAppId, an approved signature name,
an approved template id with exactly its variables, each within the variable length limit, a
mainland mobile number, the request time within the allowed skew and (Alibaba) a fresh nonce.
Answers and error codes follow the providers' documented shapes.

Accepted messages are kept in ``state.messages`` and listed at ``GET /_sms/messages`` (JSON;
``?phone=`` filters) — what the phone simulator page shows.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import signing
from .templates import LIMITS, TEMPLATES

TENCENT_SKEW = 300  # seconds: AuthFailure.SignatureExpire beyond five minutes
ALIYUN_SKEW = 900  # seconds: x-acs-date within 15 minutes
MOBILE_E164 = re.compile(r"^\+861[3-9]\d{9}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_BODY = 64 * 1024
TENCENT_CT = "application/json"


def demo_template_ids() -> dict[str, dict[str, str]]:
    """Template ids the fake server approves by default: one per template key and provider."""
    return {
        key: {"tencent": str(1_000_001 + i), "aliyun": f"SMS_{900_000_001 + i}"}
        for i, key in enumerate(sorted(TEMPLATES))
    }


class FakeSmsState:
    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        sign_name: str,
        sdk_app_id: str = "1400000000",
        template_ids: dict[str, dict[str, str]] | None = None,
    ):
        self.key_id = key_id
        self.key_secret = key_secret
        self.sign_name = sign_name
        self.sdk_app_id = sdk_app_id
        self.lock = threading.Lock()
        ids = template_ids or demo_template_ids()
        # provider → template id → (template key, variable names)
        self.templates: dict[str, dict[str, tuple[str, list[str]]]] = {"tencent": {}, "aliyun": {}}
        for key, per_provider in ids.items():
            template = TEMPLATES.get(key)
            if template is None:
                continue
            for provider, template_id in per_provider.items():
                self.templates.setdefault(provider, {})[str(template_id)] = (key, template.names())
        self.messages: list[dict] = []
        self.refusals: Counter = Counter()  # error code → count
        self.requests: Counter = Counter()  # provider → count
        self.nonces: dict[str, float] = {}
        self.failures: list[tuple[str, str]] = []  # (provider, code) to answer next

    def fail_next(self, provider: str, code: str, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([(provider, code)] * times)

    def _take_failure(self, provider: str) -> str | None:
        with self.lock:
            for i, (p, code) in enumerate(self.failures):
                if p == provider:
                    del self.failures[i]
                    return code
        return None

    def refuse(self, code: str) -> None:
        with self.lock:
            self.refusals[code] += 1

    def accept(self, provider: str, phone: str, template_id: str, params: dict) -> str:
        key, _names = self.templates[provider][template_id]
        text = TEMPLATES[key].render(params, self.sign_name)
        message_id = f"{int(time.time())}:{secrets.token_hex(8)}"
        with self.lock:
            self.messages.append(
                {
                    "id": message_id,
                    "provider": provider,
                    "phone": phone,
                    "template_id": template_id,
                    "template": key,
                    "params": params,
                    "text": text,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
        return message_id

    def for_phone(self, phone: str) -> list[dict]:
        phone = phone.removeprefix("+86")
        with self.lock:
            return [m for m in self.messages if m["phone"] == phone]


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 200):
        self.code, self.message, self.status = code, message, status
        super().__init__(code)


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSms/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    @property
    def state(self) -> FakeSmsState:
        return self.server.state  # type: ignore[attr-defined]

    def _json(
        self, status: int, payload: dict, content_type: str = "application/json;charset=utf-8"
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        # Tencent Cloud answers exactly "application/json" (its SDK looks for that value before
        # reading an error); Alibaba Cloud "application/json;charset=utf-8".
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/_sms/messages":
            query = dict(parse_qsl(url.query))
            phone = query.get("phone", "")
            messages = self.state.for_phone(phone) if phone else list(self.state.messages)
            return self._json(200, {"messages": messages})
        return self._json(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._json(413, {"error": "body too large"})
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "x-tc-action" in headers:
            return self._tencent(headers, body)
        if "x-acs-action" in headers:
            return self._aliyun(headers, body)
        return self._json(400, {"error": "neither a Tencent Cloud nor an Alibaba Cloud request"})

    # ------------------------------------------------------------ Tencent Cloud
    def _tencent(self, headers: dict, body: bytes) -> None:
        request_id = str(uuid.uuid4())
        self.state.requests["tencent"] += 1
        try:
            self._tencent_check(headers, body)
            try:
                payload = json.loads(body)
            except ValueError:
                raise Refused("InvalidParameter", "the body is not JSON") from None
            if not isinstance(payload, dict):
                raise Refused("InvalidParameter", "the body is not a JSON object")
            status = self._tencent_send(payload)
        except Refused as exc:
            self.state.refuse(exc.code)
            return self._json(
                200,
                {
                    "Response": {
                        "Error": {"Code": exc.code, "Message": exc.message},
                        "RequestId": request_id,
                    }
                },
                TENCENT_CT,
            )
        return self._json(
            200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}, TENCENT_CT
        )

    def _tencent_check(self, headers: dict, body: bytes) -> None:
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            raise Refused("InvalidAction", "only SendSms of version 2021-01-11 is served here")
        auth = signing.parse_tc3_authorization(headers.get("authorization", ""))
        if auth is None:
            raise Refused("AuthFailure.SignatureFailure", "malformed Authorization")
        if auth["id"] != self.state.key_id:
            raise Refused("AuthFailure.SecretIdNotFound", "the SecretId does not exist")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise Refused("AuthFailure.SignatureFailure", "missing X-TC-Timestamp") from None
        if abs(time.time() - timestamp) > TENCENT_SKEW:
            raise Refused("AuthFailure.SignatureExpire", "the signature has expired")
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        signed = auth["signed"].split(";")
        if (
            auth["date"] != date
            or auth["service"] != "sms"
            or not {"content-type", "host"} <= set(signed)
        ):
            raise Refused(
                "AuthFailure.SignatureFailure", "credential scope does not match the request"
            )
        query = urlsplit(self.path).query
        canonical = signing.tc3_canonical_request("POST", query, headers, signed, body)
        string_to_sign = signing.tc3_string_to_sign(
            str(timestamp), f"{date}/sms/tc3_request", canonical
        )
        expected = signing.tc3_signature(self.state.key_secret, date, "sms", string_to_sign)
        if not secrets.compare_digest(expected, auth["sig"]):
            raise Refused("AuthFailure.SignatureFailure", "the request signature does not match")

    def _tencent_send(self, payload: dict) -> dict:
        if forced := self.state._take_failure("tencent"):
            raise Refused(forced, "failure injected by the test")
        phones = payload.get("PhoneNumberSet") or []
        if len(phones) != 1:
            raise Refused(
                "InvalidParameterValue.IncorrectPhoneNumber", "one number per request here"
            )
        phone = str(phones[0])
        if str(payload.get("SmsSdkAppId")) != self.state.sdk_app_id:
            raise Refused("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId does not exist")
        if payload.get("SignName") != self.state.sign_name:
            raise Refused(
                "FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved"
            )
        template_id = str(payload.get("TemplateId", ""))
        template = self.state.templates["tencent"].get(template_id)
        if template is None:
            raise Refused("FailedOperation.TemplateIncorrectOrUnapproved", "template not approved")
        values = [str(v) for v in payload.get("TemplateParamSet") or []]
        names = template[1]
        if len(values) != len(names):
            raise Refused(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                f"the template has {len(names)} variables, {len(values)} given",
            )
        digits_max, text_max = LIMITS["tencent"]
        kinds = {p.name: p.kind for p in TEMPLATES[template[0]].params}
        for name, value in zip(names, values, strict=True):
            limit = digits_max if kinds[name] == "digits" else text_max
            if len(value) > limit:
                raise Refused(
                    "InvalidParameterValue.TemplateParameterLengthLimit", f"{name} is too long"
                )
        if not MOBILE_E164.match(phone):
            return {
                "SerialNo": "",
                "PhoneNumber": phone,
                "Fee": 0,
                "SessionContext": "",
                "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                "Message": "incorrect phone number",
                "IsoCode": "",
            }
        message_id = self.state.accept(
            "tencent", phone.removeprefix("+86"), template_id, dict(zip(names, values, strict=True))
        )
        return {
            "SerialNo": message_id,
            "PhoneNumber": phone,
            "Fee": 1,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }

    # ------------------------------------------------------------ Alibaba Cloud
    def _aliyun(self, headers: dict, body: bytes) -> None:
        request_id = str(uuid.uuid4()).upper()
        self.state.requests["aliyun"] += 1
        try:
            query = self._aliyun_check(headers, body)
            biz_id = self._aliyun_send(query)
        except Refused as exc:
            self.state.refuse(exc.code)
            return self._json(
                exc.status, {"RequestId": request_id, "Code": exc.code, "Message": exc.message}
            )
        return self._json(
            200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}
        )

    def _aliyun_check(self, headers: dict, body: bytes) -> dict:
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            raise Refused("InvalidAction.NotFound", "only SendSms 2017-05-25 is served here", 404)
        auth = signing.parse_acs3_authorization(headers.get("authorization", ""))
        if auth is None:
            raise Refused(
                "IncompleteSignature", "the request signature does not conform to standards", 400
            )
        if auth["id"] != self.state.key_id:
            raise Refused("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        payload_hash = headers.get("x-acs-content-sha256", "")
        if payload_hash != signing.sha256_hex(body):
            raise Refused(
                "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body", 400
            )
        try:
            sent = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            raise Refused("MissingParameter", "x-acs-date is missing or malformed", 400) from None
        if abs(time.time() - sent.timestamp()) > ALIYUN_SKEW:
            raise Refused(
                "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400
            )
        nonce = headers.get("x-acs-signature-nonce", "")
        with self.state.lock:
            horizon = time.time() - ALIYUN_SKEW
            self.state.nonces = {n: t for n, t in self.state.nonces.items() if t > horizon}
            if not nonce or nonce in self.state.nonces:
                raise Refused(
                    "SignatureNonceUsed", "Specified signature nonce was used already.", 400
                )
            self.state.nonces[nonce] = time.time()
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        signed = auth["signed"].split(";")
        missing = set(signing.required_acs3_headers(headers)) - set(signed)
        if missing:
            raise Refused(
                "SignatureDoesNotMatch",
                "SignedHeaders must cover every x-acs-*, host and content-type header",
                400,
            )
        canonical, _ = signing.acs3_canonical_request(
            "POST", url.path or "/", query, headers, payload_hash, signed
        )
        if not secrets.compare_digest(
            signing.acs3_signature(self.state.key_secret, canonical), auth["sig"]
        ):
            raise Refused(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
                400,
            )
        if body:  # a form body (formData) carries parameters too
            query.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        return query

    def _aliyun_send(self, query: dict) -> str:
        if forced := self.state._take_failure("aliyun"):
            raise Refused(forced, "failure injected by the test")
        phone = query.get("PhoneNumbers", "")
        if not MOBILE.match(phone):
            raise Refused("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if query.get("SignName") != self.state.sign_name:
            raise Refused("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        template_id = query.get("TemplateCode", "")
        template = self.state.templates["aliyun"].get(template_id)
        if template is None:
            raise Refused("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(query["TemplateParam"]) if query.get("TemplateParam") else {}
        except ValueError:
            raise Refused("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") from None
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            raise Refused("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        names = template[1]
        if sorted(params) != sorted(names):
            raise Refused("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        _digits, text_max = LIMITS["aliyun"]
        if any(len(v) > text_max for v in params.values()):
            raise Refused("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        return self.state.accept("aliyun", phone, template_id, params)


class FakeSmsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **state_kwargs):
        super().__init__((host, port), _Handler)
        self.state = FakeSmsState(**state_kwargs)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> FakeSmsServer:
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
