"""Pluggable senders: one class per channel, registered by key.

    @register("email")
    class EmailSender(BaseSender):
        label = _("电子邮件")

        def address_for(self, recipient) -> str | None: ...
        def send(self, delivery) -> None: ...   # raise on failure; the caller retries

``send`` must raise on any failure (never return quietly): the delivery service records the
error, schedules a retry with back-off and finally marks the delivery dead.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

from yingshang.platform.masking import mask_phone, mask_text

if TYPE_CHECKING:
    from .models import Delivery

IN_APP = "inapp"
_registry: dict[str, type[BaseSender]] = {}


class BaseSender(abc.ABC):
    channel: ClassVar[str] = ""
    label: ClassVar[str] = ""

    @abc.abstractmethod
    def address_for(self, recipient) -> str | None:
        """The recipient's address on this channel, or None when they have none."""

    @abc.abstractmethod
    def send(self, delivery: Delivery) -> None:
        """Send one delivery. Raise on failure."""

    # A sender whose deliveries go out in batches (``send_many``): ``notify`` then queues one
    # drain task per channel and transaction instead of one task per delivery.
    batched: ClassVar[bool] = False

    def send_many(self, deliveries: list[Delivery]) -> dict[int, Exception | None]:
        """Send claimed deliveries; delivery id → None (sent) or the exception it failed with.
        The default sends them one by one; a sender may send them concurrently."""
        outcome: dict[int, Exception | None] = {}
        for delivery in deliveries:
            try:
                self.send(delivery)
            except Exception as exc:  # noqa: BLE001 - recorded and retried by the caller
                outcome[delivery.pk] = exc
            else:
                outcome[delivery.pk] = None
        return outcome

    def mask(self, address: str) -> str:
        return mask_address(self.channel, address)


def register(channel: str):
    """Class decorator: make ``cls`` the sender for ``channel``."""

    def decorator(cls: type[BaseSender]) -> type[BaseSender]:
        if not (isinstance(cls, type) and issubclass(cls, BaseSender)):
            raise TypeError(f"{cls!r} is not a BaseSender")
        if channel == IN_APP:
            raise ValueError(f"{IN_APP!r} is the notification centre itself, not a sender")
        existing = _registry.get(channel)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"channel {channel!r} already has sender {existing.__qualname__}")
        cls.channel = channel
        _registry[channel] = cls
        return cls

    return decorator


def unregister(channel: str) -> None:
    _registry.pop(channel, None)


def get_sender(channel: str) -> BaseSender | None:
    cls = _registry.get(channel)
    return cls() if cls else None


def channels() -> list[str]:
    return sorted(_registry)


def mask_email(address: str) -> str:
    """zhang.san@example.com → z*******@example.com"""
    local, sep, domain = (address or "").partition("@")
    if not sep:
        return "*" * len(local)
    return (local[:1] + "*" * max(len(local) - 1, 1)) + "@" + domain


def mask_openid(openid: str) -> str:
    """oAbC1234…WXYZ → oAbC****WXYZ"""
    if len(openid) <= 8:
        return "*" * len(openid)
    return openid[:4] + "****" + openid[-4:]


def mask_address(channel: str, address: str) -> str:
    if not address:
        return ""
    if "@" in address:
        return mask_email(address)
    if channel == "sms":
        return mask_phone(address)
    if channel == "wechat":  # an openid: enough to tell two apart, not to address one
        return mask_openid(address)
    return mask_text(address)


def absolute_link(link: str) -> str:
    if not link or "://" in link:
        return link
    base = getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + "/" + link.lstrip("/")


@register("email")
class EmailSender(BaseSender):
    """E-mail through Django's default mailer (settings.MAILERS, built from EMAIL_* variables)."""

    label = _("电子邮件")

    def address_for(self, recipient) -> str | None:
        return (getattr(recipient, "email", "") or "").strip() or None

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        body = notification.body
        if link := absolute_link(notification.link):
            body = f"{body}\n\n{link}" if body else link
        message = EmailMessage(
            subject=notification.title,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
        )
        if message.send(fail_silently=False) != 1:
            raise RuntimeError("the mail backend accepted no message")


@register("sms")
class SmsSender(BaseSender):
    """短信 through the configured provider (Tencent Cloud or Alibaba Cloud, ``notifications.sms``).

    A recipient has an SMS address only when SMS is configured and their phone is a mainland
    mobile. The template comes from the notification's category, its variables from the
    notification's ``data``; a notification without the variables its template needs goes out
    as the variable-free "generic" template rather than not at all."""

    label = _("短信")

    def address_for(self, recipient) -> str | None:
        from .sms import SmsError, configured, mainland_mobile

        if not configured():
            return None
        try:
            return mainland_mobile(getattr(recipient, "phone", "") or "")
        except SmsError:
            return None

    def send(self, delivery: Delivery) -> None:
        from .sms import TEMPLATES, TemplateError, get_provider, template_for

        provider = get_provider()
        if provider is None:
            raise RuntimeError("SMS is not configured (SMS_PROVIDER)")
        notification = delivery.notification
        template = template_for(notification.category)
        values = _sms_values(notification.data or {})
        try:
            template.fit(provider.name, values)
        except TemplateError:
            template = TEMPLATES["generic"]
        receipt = provider.send(phone=delivery.address, template=template, values=values)
        type(delivery).objects.filter(pk=delivery.pk).update(provider_ref=receipt.message_id[:100])


def _sms_values(data: dict) -> dict:
    """A notification's data → the templates' variable names (ref, status, code, minutes)."""
    values = {k: str(v) for k, v in data.items() if isinstance(v, str | int)}
    if "ref" not in values and data.get("number"):
        values["ref"] = str(data["number"])
    if "status" not in values and data.get("status_label"):
        values["status"] = str(data["status_label"])
    return values


# The WeChat sender (channel "wechat") lives in yingshang.channels.sender.
