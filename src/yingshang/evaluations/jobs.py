"""Scheduled work of 好差评 (run by `yingshang worker`)."""

from datetime import timedelta

from yingshang.platform.audit import audit_context
from yingshang.platform.jobs import periodic


@periodic("evaluations.rectification_sweep", every=timedelta(hours=1))
def rectification_sweep():
    """Flag rectifications past their limit and notify the department and the bureau."""
    from .services import sweep_overdue_rectifications

    with audit_context(channel="job"):
        return sweep_overdue_rectifications()
