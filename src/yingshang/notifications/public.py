"""The notifications app's public entry point: ``notify`` (the only module of this app other apps
import, besides ``notifications.models``). See docs/architecture.md."""

from .services import notify

__all__ = ["notify"]
