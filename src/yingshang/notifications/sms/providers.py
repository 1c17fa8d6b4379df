"""The SMS providers, each through its own maintained SDK, behind one small interface.

    provider = get_provider()          # from settings; None when SMS is not configured
    receipt = provider.send(phone="13800000000", template=TEMPLATES["otp"],
                            values={"code": "123456", "minutes": "5"})

``send`` returns an ``SmsReceipt`` (the provider's message id) or raises ``SmsError`` — never
returns quietly on failure. Configuration (environment → settings, see docs/channels.md):
``SMS_PROVIDER`` (tencent | aliyun), ``SMS_ACCESS_KEY_ID``, ``SMS_ACCESS_KEY_SECRET``,
``SMS_SIGN_NAME``, ``SMS_SDK_APP_ID`` (Tencent's SmsSdkAppId), ``SMS_REGION``,
``SMS_TEMPLATE_IDS`` (template key → {provider: id}), and for tests and the demo
``SMS_ENDPOINT`` / ``SMS_ENDPOINT_SCHEME`` (the local fake server, ``yingshang sms simulate``).
"""

from __future__ import annotations

import abc
import json
import re
from dataclasses import dataclass

from django.conf import settings

from .templates import SmsTemplate, TemplateError

MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class SmsError(Exception):
    """The provider refused or could not be reached. ``code`` is the provider's error code."""

    def __init__(self, code: str, message: str = "", *, permanent: bool = False):
        self.code = code
        self.message = message
        self.permanent = permanent
        super().__init__(f"{code}: {message}" if message else code)


@dataclass(frozen=True)
class SmsReceipt:
    provider: str
    message_id: str
    text: str  # the message as rendered for the record (the provider holds the template)


def mainland_mobile(phone: str) -> str:
    """'13800000000', '+8613800000000' or '8613800000000' → '13800000000'; SmsError otherwise
    (both providers' domestic SMS reach mainland mobiles only)."""
    match = MOBILE.match(re.sub(r"[\s-]", "", phone or ""))
    if not match:
        raise SmsError("InvalidPhoneNumber", "not a mainland China mobile number", permanent=True)
    return match.group(1)


def _setting(name: str, default=""):
    return getattr(settings, name, default) or default


class SmsProvider(abc.ABC):
    name: str = ""
    default_endpoint: str = ""
    default_region: str = ""

    def __init__(self):
        self.key_id = _setting("SMS_ACCESS_KEY_ID")
        self.key_secret = _setting("SMS_ACCESS_KEY_SECRET")
        self.sign_name = _setting("SMS_SIGN_NAME")
        self.region = _setting("SMS_REGION", self.default_region)
        self.endpoint = _setting("SMS_ENDPOINT", self.default_endpoint)
        self.scheme = _setting("SMS_ENDPOINT_SCHEME", "https")
        self.timeout = float(_setting("SMS_TIMEOUT", 10))
        if not (self.key_id and self.key_secret and self.sign_name):
            raise SmsError(
                "NotConfigured",
                "SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET and SMS_SIGN_NAME are required",
                permanent=True,
            )

    def template_id(self, template: SmsTemplate) -> str:
        ids = _setting("SMS_TEMPLATE_IDS", {}) or {}
        found = (ids.get(template.key) or {}).get(self.name)
        if not found:
            raise SmsError(
                "TemplateNotConfigured",
                f"no {self.name} template id for {template.key!r} in SMS_TEMPLATE_IDS",
                permanent=True,
            )
        return str(found)

    def send(self, *, phone: str, template: SmsTemplate, values: dict) -> SmsReceipt:
        mobile = mainland_mobile(phone)
        try:
            fitted = template.fit(self.name, values)
        except TemplateError as exc:
            raise SmsError("InvalidTemplateParameter", str(exc), permanent=True) from exc
        message_id = self._send(mobile, self.template_id(template), template, fitted)
        return SmsReceipt(self.name, message_id, template.render(fitted, self.sign_name))

    @abc.abstractmethod
    def _send(self, mobile: str, template_id: str, template: SmsTemplate, values: dict) -> str:
        """Send through the SDK; return the provider's message id or raise SmsError."""


class TencentSms(SmsProvider):
    """腾讯云短信 API 2021-01-11 ``SendSms`` through tencentcloud-sdk-python-sms (TC3 signed)."""

    name = "tencent"
    default_endpoint = "sms.tencentcloudapi.com"
    default_region = "ap-guangzhou"
    PERMANENT = (
        "InvalidParameterValue",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "AuthFailure",
    )

    def _send(self, mobile, template_id, template, values) -> str:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        app_id = _setting("SMS_SDK_APP_ID")
        if not app_id:
            raise SmsError(
                "NotConfigured", "SMS_SDK_APP_ID is required for Tencent", permanent=True
            )
        http = HttpProfile(
            protocol=self.scheme, endpoint=self.endpoint, reqTimeout=int(self.timeout)
        )
        client = sms_client.SmsClient(
            credential.Credential(self.key_id, self.key_secret),
            self.region,
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + mobile]
        request.SmsSdkAppId = str(app_id)
        request.SignName = self.sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = [values[name] for name in template.names()]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "ClientError"
            raise SmsError(
                code, exc.get_message(), permanent=code.startswith(self.PERMANENT)
            ) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("EmptyResponse", "no SendStatus in the answer")
        status = statuses[0]
        if status.Code != "Ok":
            raise SmsError(
                status.Code, status.Message, permanent=status.Code.startswith(self.PERMANENT)
            )
        return status.SerialNo


class AliyunSms(SmsProvider):
    """阿里云短信服务 ``SendSms`` (2017-05-25) through alibabacloud-dysmsapi20170525 (ACS3 signed)."""

    name = "aliyun"
    default_endpoint = "dysmsapi.aliyuncs.com"
    default_region = "cn-hangzhou"
    PERMANENT = (
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_PARAMETERS",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
    )

    def _send(self, mobile, template_id, template, values) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        client = Client(
            Config(
                access_key_id=self.key_id,
                access_key_secret=self.key_secret,
                endpoint=self.endpoint,
                protocol=self.scheme,
                region_id=self.region,
                read_timeout=int(self.timeout * 1000),
                connect_timeout=int(self.timeout * 1000),
            )
        )
        request = models.SendSmsRequest(
            phone_numbers=mobile,
            sign_name=self.sign_name,
            template_code=template_id,
            template_param=json.dumps(values, ensure_ascii=False) if values else None,
        )
        try:
            response = client.send_sms(request)
        except Exception as exc:  # the Tea SDK raises its own exception classes with .code
            code = str(getattr(exc, "code", "") or type(exc).__name__)
            message = str(getattr(exc, "message", "") or exc)
            raise SmsError(code, message, permanent=code.startswith(self.PERMANENT)) from exc
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", None) or "EmptyResponse"
            raise SmsError(
                code, getattr(body, "message", "") or "", permanent=code.startswith(self.PERMANENT)
            )
        return body.biz_id or body.request_id


PROVIDERS = {cls.name: cls for cls in (TencentSms, AliyunSms)}


def configured() -> bool:
    return _setting("SMS_PROVIDER") in PROVIDERS


def get_provider() -> SmsProvider | None:
    """The configured provider, or None when SMS_PROVIDER is unset; SmsError when it is set but
    incomplete (a misconfiguration is said, not skipped)."""
    name = _setting("SMS_PROVIDER")
    if not name:
        return None
    cls = PROVIDERS.get(name)
    if cls is None:
        raise SmsError("NotConfigured", f"unknown SMS_PROVIDER {name!r}", permanent=True)
    return cls()
