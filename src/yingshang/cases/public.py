"""The cases app's public entry points for other apps (monitoring's source adapters). The only
module of this app other apps import, besides ``cases.models``. See docs/architecture.md."""

from .sla import state_q

__all__ = ["state_q"]
