"""Property-based tests (Hypothesis) of the SLA clock (cases.sla) over the 2025–2027 calendar.

Pauses never shorten a due date; due dates never land on a rest day; a longer limit is never
due earlier; the warning instant never comes after the due instant; a case completed exactly at
its due instant used its whole limit and is on time, one second later it is overdue (and has
used one day more if that next day is a working day); the live
state only ever moves forward (on time → warning → overdue) as time passes.
"""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from yingshang.cases import sla
from yingshang.workdays.calendar import is_working_day

SH = ZoneInfo("Asia/Shanghai")

instants = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1),
    max_value=datetime.datetime(2027, 10, 31),
    timezones=st.just(SH),
)
limits = st.integers(min_value=0, max_value=30)
pauses = st.integers(min_value=0, max_value=20)
ORDER = {"on_time": 0, "warning": 1, "overdue": 2}


@given(accepted=instants, limit=limits, paused=pauses)
def test_pauses_never_shorten_the_due_date(calendar, accepted, limit, paused):
    plain = sla.clock(accepted, limit)
    held = sla.clock(accepted, limit, paused)
    assert held.due_at >= plain.due_at
    if paused and (limit or is_working_day(accepted.date())):
        # (A 即办件 accepted on a rest day is due on the next working day with or without a
        # pause of one day: n = 0 and n = 1 both land there, by the rule of add_working_days.)
        assert held.due_at > plain.due_at


@given(accepted=instants, pause_start=instants, pause_end=instants, limit=limits)
def test_a_real_pause_never_shortens_the_due_date(
    calendar, accepted, pause_start, pause_end, limit
):
    days = sla.pause_days(pause_start, pause_end)
    assert days >= 0
    if pause_end <= pause_start:
        assert days == 0
    assert sla.clock(accepted, limit, days).due_at >= sla.clock(accepted, limit).due_at


@given(accepted=instants, limit=limits, paused=pauses)
def test_due_and_warning_land_on_working_days_in_order(calendar, accepted, limit, paused):
    c = sla.clock(accepted, limit, paused)
    due = c.due_at.astimezone(SH)
    assert is_working_day(due.date()) and due.time() == datetime.time(23, 59, 59)
    assert c.warn_at <= c.due_at
    assert c.due_at > accepted
    if c.warn_at != accepted:  # the warning starts at the end of a working day too
        assert is_working_day(c.warn_at.astimezone(SH).date())


@given(accepted=instants, limit=limits, more=st.integers(min_value=1, max_value=10))
def test_a_longer_limit_is_never_due_earlier(calendar, accepted, limit, more):
    longer, shorter = sla.clock(accepted, limit + more).due_at, sla.clock(accepted, limit).due_at
    assert longer >= shorter
    if limit or is_working_day(accepted.date()):
        assert longer > shorter


@given(accepted=instants, limit=st.integers(min_value=1, max_value=30), paused=pauses)
def test_completing_at_the_due_instant_uses_the_whole_limit(calendar, accepted, limit, paused):
    due = sla.clock(accepted, limit, paused).due_at
    used = sla.working_days_used(accepted, due, paused)
    assert used == limit
    assert sla.days_saved(limit, used) == 0
    assert sla.state(due, due, None, finished_at=due) == "on_time"
    late = due + datetime.timedelta(seconds=1)
    assert sla.state(late, due, None, finished_at=late) == "overdue"
    next_day = late.astimezone(SH).date()
    assert sla.working_days_used(accepted, late, paused) == limit + is_working_day(next_day)


@given(accepted=instants, limit=limits, offsets=st.lists(st.integers(0, 60 * 24), max_size=12))
def test_live_state_only_moves_forward(calendar, accepted, limit, offsets):
    c = sla.clock(accepted, limit)
    seen = [
        sla.state(accepted + datetime.timedelta(hours=h), c.due_at, c.warn_at)
        for h in sorted(offsets)
    ]
    ranks = [ORDER[s] for s in seen]
    assert ranks == sorted(ranks)
    assert sla.state(c.due_at + datetime.timedelta(seconds=1), c.due_at, c.warn_at) == "overdue"


@given(limit=st.integers(min_value=0, max_value=200))
def test_warning_window_is_at_least_a_day_and_a_fifth(limit):
    w = sla.warning_days(limit, min_days=1, ratio=0.2)
    assert w >= 1 and w >= 0.2 * limit - 1e-9 and w < 0.2 * limit + 1 + 1e-9
