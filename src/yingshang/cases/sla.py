"""SLA clock (办结时限) — pure functions over the working-day calendar (workdays.calendar).

* The clock starts at acceptance (受理). A committed-limit case (承诺件) of n working days is due
  at the end of the n-th working day after the acceptance date; an immediate case (即办件, n = 0)
  is due at the end of the acceptance working day (or the next working day if accepted on a
  rest day).
* 补正 (supplement requested after acceptance) and 挂起 (hearing, expert review, public notice,
  inspection) stop the clock: each pause adds the working days it covered
  (``working_days_between(pause_start, pause_end)``) to the limit.
* Warning (预警) starts when at most ``warning_days(limit)`` working days are left:
  max(SLA_WARNING_DAYS, ceil(SLA_WARNING_RATIO × limit)), defaults 1 day and 20 %.
* States: on_time / warning / overdue (and paused / not_started for clarity in lists). A finished
  case keeps the state it finished in (on_time or overdue).
* Early completion: working days used = working days from acceptance to completion minus paused
  days; days saved = limit − used when positive.
"""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings

from yingshang.workdays import calendar as workdays

DEFAULT_WARNING_DAYS = 1
DEFAULT_WARNING_RATIO = 0.2


def warning_days(limit_days: int, min_days: int | None = None, ratio: float | None = None) -> int:
    """Working days left at which a case turns to 预警."""
    if min_days is None:
        min_days = int(getattr(settings, "SLA_WARNING_DAYS", DEFAULT_WARNING_DAYS))
    if ratio is None:
        ratio = float(getattr(settings, "SLA_WARNING_RATIO", DEFAULT_WARNING_RATIO))
    return max(min_days, math.ceil(ratio * limit_days - 1e-9))


@dataclass(frozen=True)
class Clock:
    due_at: datetime.datetime
    warn_at: datetime.datetime  # the case is in warning once now > warn_at
    provisional: bool


def clock(accepted_at: datetime.datetime, limit_days: int, paused_days: int = 0) -> Clock:
    """Due and warning instants for a case accepted at ``accepted_at``."""
    total = limit_days + paused_days
    due = workdays.add_working_days(accepted_at, total)
    warn_offset = total - warning_days(limit_days)
    if warn_offset < 0:
        warn_at = accepted_at
    else:
        warn_at = workdays.add_working_days(accepted_at, warn_offset).due
    return Clock(due_at=due.due, warn_at=warn_at, provisional=due.provisional)


def pause_days(paused_since: datetime.datetime, resumed_at: datetime.datetime) -> int:
    """Working days a pause (补正, 挂起) covered: those in (pause date, resume date]."""
    if resumed_at <= paused_since:
        return 0
    return workdays.working_days_between(paused_since, resumed_at)


def state(
    now: datetime.datetime,
    due_at: datetime.datetime | None,
    warn_at: datetime.datetime | None,
    *,
    paused: bool = False,
    finished_at: datetime.datetime | None = None,
) -> str:
    """on_time / warning / overdue (/ paused / not_started) — pure."""
    if due_at is None:
        return "paused" if paused else "not_started"
    if finished_at is not None:
        return "overdue" if finished_at > due_at else "on_time"
    if paused:
        return "paused"
    if now > due_at:
        return "overdue"
    if warn_at is not None and now > warn_at:
        return "warning"
    return "on_time"


def working_days_used(
    accepted_at: datetime.datetime, completed_at: datetime.datetime, paused_days: int = 0
) -> int:
    """Working days the case took, pauses excluded; 0 when done on the acceptance day."""
    if completed_at <= accepted_at:
        return 0
    return max(0, workdays.working_days_between(accepted_at, completed_at) - paused_days)


def days_saved(limit_days: int, used: int) -> int:
    """提前办结的工作日数 (0 when on the last day or late)."""
    return max(0, limit_days - used)


def state_of(case, now: datetime.datetime | None = None) -> str:
    """The state of a Case object (reads its fields, no queries)."""
    from django.utils import timezone

    if case.final_sla_state:
        return case.final_sla_state
    return state(
        now or timezone.now(),
        case.due_at,
        case.warn_at,
        paused=case.paused_since is not None,
    )


def state_q(state_name: str, now: datetime.datetime):
    """A Q selecting cases in ``state_name`` at ``now`` (for filters on large tables)."""
    from django.db.models import Q

    from .models import OPEN_STATUSES

    open_q = Q(status__in=OPEN_STATUSES, paused_since__isnull=True, due_at__isnull=False)
    if state_name == "overdue":
        return Q(final_sla_state="overdue") | (open_q & Q(due_at__lt=now))
    if state_name == "warning":
        return open_q & Q(due_at__gte=now, warn_at__lt=now)
    if state_name == "on_time":
        return Q(final_sla_state="on_time") | (open_q & Q(warn_at__gte=now))
    if state_name == "paused":
        return Q(status__in=OPEN_STATUSES, paused_since__isnull=False)
    if state_name == "not_started":
        return Q(status__in=OPEN_STATUSES, due_at__isnull=True, paused_since__isnull=True)
    return Q(pk__in=[])
