"""SMS: templates, the Tencent Cloud and Alibaba Cloud providers, and their local fake server.

Public use (other apps import these through ``yingshang.notifications.public``):

    from yingshang.notifications.public import send_sms, sms_configured
    receipt = send_sms(phone="13800000000", template="otp", values={"code": "482913", "minutes": "5"})

Notifications reach phones through the ``sms`` sender (``senders.SmsSender``), which picks the
template from the notification's category and its variables from the notification's ``data``.
"""

from .providers import SmsError, SmsReceipt, configured, get_provider, mainland_mobile
from .templates import TEMPLATES, SmsTemplate, TemplateError, template_for


def send_sms(*, phone: str, template: str, values: dict | None = None) -> SmsReceipt:
    """Send one templated SMS now (a one-time code, a receipt). Raises SmsError — including when
    SMS is not configured — so a caller can tell the user the message could not go out."""
    provider = get_provider()
    if provider is None:
        raise SmsError("NotConfigured", "SMS_PROVIDER is not set", permanent=True)
    found = TEMPLATES.get(template)
    if found is None:
        raise SmsError(
            "TemplateNotConfigured", f"unknown SMS template {template!r}", permanent=True
        )
    return provider.send(phone=phone, template=found, values=values or {})


__all__ = [
    "TEMPLATES",
    "SmsError",
    "SmsReceipt",
    "SmsTemplate",
    "TemplateError",
    "configured",
    "get_provider",
    "mainland_mobile",
    "send_sms",
    "template_for",
]
