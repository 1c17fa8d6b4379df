"""SLA clock: pure functions over the working-day calendar, incl. Spring Festival 2026
(holidays 02-15..02-23) and the 调休 Saturdays 2026-02-14 and 2026-02-28."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from yingshang.cases import sla

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0):
    return datetime.datetime(y, m, d, h, mi, tzinfo=SH)


def day(dt):
    return dt.astimezone(SH).date()


@pytest.mark.parametrize(
    "accepted,limit,due",
    [
        (at(2026, 3, 2), 3, datetime.date(2026, 3, 5)),  # plain week
        (at(2026, 3, 6), 1, datetime.date(2026, 3, 9)),  # Fri + 1 → Mon
        (at(2026, 2, 12), 3, datetime.date(2026, 2, 24)),  # over Spring Festival
        (at(2026, 2, 13), 1, datetime.date(2026, 2, 14)),  # 调休 Saturday counts
        (at(2026, 2, 27), 1, datetime.date(2026, 2, 28)),  # 调休 Saturday counts
        (at(2026, 2, 14), 0, datetime.date(2026, 2, 14)),  # 即办件 on a make-up Saturday
        (at(2026, 2, 15), 0, datetime.date(2026, 2, 24)),  # 即办件 on a holiday → next workday
        (at(2026, 3, 7), 0, datetime.date(2026, 3, 9)),  # 即办件 on a normal Saturday
        (at(2026, 2, 10), 20, datetime.date(2026, 3, 16)),  # 2 调休 Saturdays in, 7 holidays out
    ],
)
def test_due_dates(calendar, accepted, limit, due):
    c = sla.clock(accepted, limit)
    assert day(c.due_at) == due
    assert c.due_at.astimezone(SH).time() == datetime.time(23, 59, 59)
    assert c.provisional is False


def test_pauses_extend_due(calendar):
    # 2 paused working days move the due date by two working days
    assert day(sla.clock(at(2026, 3, 2), 3, 2).due_at) == datetime.date(2026, 3, 9)
    # a pause over Spring Festival counts only the working days it covered
    assert sla.pause_days(at(2026, 2, 13), at(2026, 2, 25)) == 3  # Sat 14, Tue 24, Wed 25
    assert sla.pause_days(at(2026, 3, 2, 9), at(2026, 3, 2, 17)) == 0  # same day
    assert sla.pause_days(at(2026, 3, 2), at(2026, 3, 1)) == 0  # never negative


@pytest.mark.parametrize(
    "limit,expected", [(0, 1), (1, 1), (3, 1), (5, 1), (6, 2), (7, 2), (10, 2), (20, 4), (60, 12)]
)
def test_warning_days_default(limit, expected):
    assert sla.warning_days(limit) == expected


def test_warning_days_configurable(settings):
    settings.SLA_WARNING_DAYS = 2
    settings.SLA_WARNING_RATIO = 0.5
    assert sla.warning_days(3) == 2
    assert sla.warning_days(10) == 5


def test_warning_window(calendar):
    # limit 20 from Mon 2026-03-02: due Mon 03-30; warning after the 16th day (Tue 03-24)
    c = sla.clock(at(2026, 3, 2), 20)
    assert day(c.due_at) == datetime.date(2026, 3, 30)
    assert day(c.warn_at) == datetime.date(2026, 3, 24)
    assert sla.state(at(2026, 3, 24, 12), c.due_at, c.warn_at) == "on_time"
    assert sla.state(at(2026, 3, 25, 9), c.due_at, c.warn_at) == "warning"
    assert sla.state(at(2026, 3, 30, 23), c.due_at, c.warn_at) == "warning"
    assert sla.state(at(2026, 3, 31, 0, 1), c.due_at, c.warn_at) == "overdue"
    # an immediate case is in warning from acceptance (its only day)
    c0 = sla.clock(at(2026, 3, 2), 0)
    assert sla.state(at(2026, 3, 2, 11), c0.due_at, c0.warn_at) == "warning"


def test_states_paused_finished_not_started(calendar):
    c = sla.clock(at(2026, 3, 2), 3)
    assert sla.state(at(2026, 4, 1), c.due_at, c.warn_at, paused=True) == "paused"
    assert sla.state(at(2026, 4, 1), None, None) == "not_started"
    assert sla.state(at(2026, 4, 1), c.due_at, c.warn_at, finished_at=at(2026, 3, 4)) == "on_time"
    assert sla.state(at(2026, 3, 3), c.due_at, c.warn_at, finished_at=at(2026, 3, 6)) == "overdue"


def test_early_completion_measured(calendar):
    # (Feb 12, Feb 24] holds Fri 13, Sat 14 (调休) and Tue 24: 3 working days
    assert sla.working_days_used(at(2026, 2, 12), at(2026, 2, 24), 0) == 3
    assert sla.working_days_used(at(2026, 2, 12), at(2026, 2, 14), 0) == 2
    assert sla.days_saved(10, 4) == 6 and sla.days_saved(3, 5) == 0
    assert sla.working_days_used(at(2026, 3, 2, 9), at(2026, 3, 2, 15), 0) == 0
    assert sla.working_days_used(at(2026, 3, 2), at(2026, 3, 9), 2) == 3


def test_year_without_arrangement_is_provisional(calendar):
    c = sla.clock(at(2030, 12, 20), 10)
    assert c.provisional is True


def test_state_q_matches_state_of(submitted, staff):
    """The DB filter (for 1M-row tables) agrees with the Python state."""
    from django.utils import timezone

    from yingshang.cases import workflow
    from yingshang.cases.models import Case

    workflow.transition(submitted, "accept", staff["chengban"], at=at(2026, 3, 2))
    now = timezone.now()
    for name in ("on_time", "warning", "overdue", "paused", "not_started"):
        ids = set(Case.objects.filter(sla.state_q(name, now)).values_list("id", flat=True))
        expected = {c.id for c in Case.objects.all() if sla.state_of(c, now) == name}
        assert ids == expected, name
