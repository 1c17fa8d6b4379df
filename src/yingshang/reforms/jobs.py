"""Scheduled work of the reforms app (run by `yingshang worker`)."""

from yingshang.platform.audit import audit_context
from yingshang.platform.jobs import periodic


@periodic("reforms.sweep", every="daily at 01:30")
def sweep():
    """Recompute every open task's state and send the reminders (催办) that are due."""
    from .services import sweep as run_sweep

    with audit_context(channel="job"):
        r = run_sweep()
    return {"tasks": r.tasks, "changed": r.changed, "reminders": r.reminders}
