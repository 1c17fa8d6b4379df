"""The cases app's public entry points for other apps (monitoring's source adapters; the WeChat channel's 查询 command). The only
module of this app other apps import, besides ``cases.models``. See docs/architecture.md."""

from .selectors import applicant_todos, track
from .sla import state_q

__all__ = ["applicant_todos", "state_q", "track"]
