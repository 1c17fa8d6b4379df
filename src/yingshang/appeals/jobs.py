"""Scheduled work of the appeals app (run by `yingshang worker`)."""

from datetime import timedelta

from yingshang.platform.audit import audit_context
from yingshang.platform.jobs import periodic


@periodic("appeals.deadline_sweep", every=timedelta(minutes=15))
def deadline_sweep():
    """Escalate appeals past their sign or reply deadline; mark overdue commitments."""
    from .services import sweep_overdue

    with audit_context(channel="job"):
        return sweep_overdue()
