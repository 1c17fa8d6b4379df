"""The cases app's public entry points for other apps (monitoring's source adapters; the WeChat channel's 查询 command). The only
module of this app other apps import, besides ``cases.models``. See docs/architecture.md."""

from .selectors import cases_of_applicant, track
from .sla import state_q

__all__ = ["cases_of_applicant", "state_q", "track"]
