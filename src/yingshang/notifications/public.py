"""The notifications app's public entry point: ``notify`` (the only module of this app other apps
import, besides ``notifications.models``; ``register``/``BaseSender`` for channel senders). See docs/architecture.md."""

from .senders import BaseSender, absolute_link, mask_openid, register, send_text
from .services import notify

__all__ = ["BaseSender", "absolute_link", "mask_openid", "notify", "register", "send_text"]
