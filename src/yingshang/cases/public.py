"""The cases app's public entry points for other apps (monitoring's source adapters; the WeChat channel's 查询 and 我的办件 commands; the portal home's to-dos). The only
module of this app other apps import, besides ``cases.models``. See docs/architecture.md."""

from .selectors import applicant_todos, cases_of_applicant, track
from .sla import state_q

__all__ = ["applicant_todos", "cases_of_applicant", "state_q", "track"]
