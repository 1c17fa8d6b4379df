"""The notifications app's public entry point: ``notify`` (the only module of this app other apps
import, besides ``notifications.models``; ``register``/``BaseSender`` for channel senders). See docs/architecture.md."""

from .senders import BaseSender, absolute_link, mask_openid, register
from .services import notify
from .sms import SmsError, mainland_mobile, send_sms
from .sms import configured as sms_configured

__all__ = [
    "BaseSender",
    "SmsError",
    "absolute_link",
    "mainland_mobile",
    "mask_openid",
    "notify",
    "register",
    "send_sms",
    "sms_configured",
]
