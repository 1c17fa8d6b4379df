"""企业微信 (WeCom) for staff: reminders (催办), overdue warnings and escalations as application
messages (应用消息, ``message/send``) — a text card whose button deep-links into the workbench
page the notification points at. Through wechatpy's WeCom client, with the access token shared
by every worker in the same row-locked table as the official account's (one row per corp app).

Configuration (environment): ``WECOM_CORP_ID``, ``WECOM_SECRET`` (the application's secret),
``WECOM_AGENT_ID``, and ``WECOM_API_BASE`` (default https://qyapi.weixin.qq.com; the fake server
in tests and the demo). A staff member receives messages once an administrator records their
member userid (企业微信绑定)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wechatpy.enterprise import WeChatClient as WorkClient
from wechatpy.exceptions import WeChatClientException

from yingshang.notifications.public import BaseSender, absolute_link, register

from .models import StaffWeCom
from .sender import TOKEN_ERRORS, SharedTokenMixin, shared_token

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
TITLE_BYTES, DESCRIPTION_BYTES = 128, 512


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    secret: str
    agent_id: int
    api_base: str

    @property
    def app_id(self) -> str:  # the shared token row's key
        return f"wecom:{self.corp_id}:{self.agent_id}"[:64]


def get_wecom_config() -> WeComConfig | None:
    corp_id = getattr(settings, "WECOM_CORP_ID", "")
    secret = getattr(settings, "WECOM_SECRET", "")
    agent = str(getattr(settings, "WECOM_AGENT_ID", "") or "")
    if not (corp_id and secret and agent.isdigit()):
        return None
    base = (getattr(settings, "WECOM_API_BASE", "") or DEFAULT_API_BASE).rstrip("/")
    return WeComConfig(corp_id, secret, int(agent), base)


class WeComClient(SharedTokenMixin, WorkClient):
    """The WeCom application's API client (token shared like the official account's)."""

    @staticmethod
    def credentials(config: WeComConfig) -> tuple[str, str]:
        return config.corp_id, config.secret

    def fetch_token_from_api(self) -> dict:
        return self._fetch_access_token(
            url=self.config.api_base + "/cgi-bin/gettoken",
            params={"corpid": self.config.corp_id, "corpsecret": self.config.secret},
        )


def _cut(text: str, limit: int) -> str:
    data = (text or "").encode("utf-8")
    if len(data) <= limit:
        return text or ""
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def text_card(notification) -> dict:
    description = notification.body or notification.title
    return {
        "title": _cut(notification.title, TITLE_BYTES),
        "description": _cut(description, DESCRIPTION_BYTES),
        "url": absolute_link(notification.link or "/"),
        "btntxt": str(_("查看")),
    }


@register("wecom")
class WeComSender(BaseSender):
    """企业微信 — staff with a WeCom binding."""

    label = _("企业微信")

    def address_for(self, recipient) -> str | None:
        if get_wecom_config() is None or recipient is None or recipient.pk is None:
            return None
        return (
            StaffWeCom.objects.filter(user=recipient, active=True)
            .values_list("userid", flat=True)
            .first()
        )

    def send(self, delivery) -> None:
        config = get_wecom_config()
        if config is None:
            raise RuntimeError(
                "WeCom is not configured (WECOM_CORP_ID / WECOM_SECRET / WECOM_AGENT_ID)"
            )
        client = WeComClient(config)
        card = text_card(delivery.notification)
        body = {
            "touser": delivery.address,
            "agentid": config.agent_id,
            "msgtype": "textcard",
            "textcard": card,
        }
        try:
            answer = self._post(client, body)
        except WeChatClientException as exc:
            raise RuntimeError(f"WeCom errcode {exc.errcode}: {exc.errmsg}") from exc
        if answer.get("invaliduser"):
            raise RuntimeError(f"WeCom: userid {delivery.address!r} is not a member of the corp")
        type(delivery).objects.filter(pk=delivery.pk).update(
            provider_ref=str(answer.get("msgid", ""))[:100]
        )

    @staticmethod
    def _post(client: WeComClient, body: dict) -> dict:
        token = client.access_token
        try:
            return client.post("message/send", params={"access_token": token}, data=body)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
        token = shared_token(client, stale=token)
        return client.post("message/send", params={"access_token": token}, data=body)
