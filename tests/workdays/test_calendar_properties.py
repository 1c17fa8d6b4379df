"""Property-based tests (Hypothesis) of the working-day calendar (workdays.calendar).

Checked against a day-by-day reference that only asks ``is_working_day``: adding then counting
working days round-trips, the result is always a working day and the first one that makes the
count, more days never give an earlier date, a later start never gives an earlier due date, the
vectorised bulk form equals the scalar form, and instants are taken in Shanghai time.
The calendar spans 2025–2026 confirmed (with Spring Festival, National Day and their 调休
Saturdays), 2027 provisional and 2028+ without any arrangement (Monday–Friday).
"""

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.workdays import calendar as workdays
from yingshang.workdays import services as calendar_services
from yingshang.workdays.calendar import (
    add_working_days,
    add_working_days_bulk,
    is_working_day,
    working_days_between,
)
from yingshang.workdays.models import CalendarYear

SH = ZoneInfo("Asia/Shanghai")
FIRST = datetime.date(2024, 12, 20)
LAST = datetime.date(2028, 6, 30)

days = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=0, max_value=45)
times = st.times()


@pytest.fixture
def calendar(db):
    CalendarYear.objects.all().delete()
    workdays.invalidate_cache()
    for year in (2025, 2026):
        calendar_services.seed_year_from_library(year, confirm=True)
    calendar_services.seed_year_from_library(2027, confirm=False)


def instant(day: datetime.date, time: datetime.time = datetime.time(10)) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=SH)


def reference_add(start: datetime.date, n: int) -> datetime.date:
    """The rule written out day by day: n = 0 → the first working day from ``start`` on;
    n ≥ 1 → counting starts the day after ``start``."""
    day = start
    if n == 0:
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
        return day
    while n:
        day += datetime.timedelta(days=1)
        n -= is_working_day(day)
    return day


def due_day(start: datetime.date, n: int) -> datetime.date:
    return add_working_days(instant(start), n).due.astimezone(SH).date()


@given(start=days, n=counts)
def test_add_matches_the_day_by_day_rule(calendar, start, n):
    assert due_day(start, n) == reference_add(start, n)


@given(start=days, n=counts, time=times)
def test_result_is_the_end_of_a_working_day(calendar, start, n, time):
    due = add_working_days(instant(start, time), n).due
    assert due.tzinfo is not None
    local = due.astimezone(SH)
    assert is_working_day(local.date())
    assert local.time() == datetime.time(23, 59, 59)
    assert local.date() >= start


@given(start=days, n=st.integers(min_value=1, max_value=45))
def test_adding_then_counting_round_trips(calendar, start, n):
    due = add_working_days(instant(start), n).due
    assert working_days_between(instant(start), due) == n
    # …and the due day is the first day that makes the count: the day before counts n - 1.
    day_before = due.astimezone(SH).date() - datetime.timedelta(days=1)
    assert working_days_between(instant(start), instant(day_before)) == n - 1


@given(start=days, n=counts, more=st.integers(min_value=0, max_value=20))
def test_more_days_are_never_earlier(calendar, start, n, more):
    assert due_day(start, n + more) >= due_day(start, n)
    if more and n:
        assert due_day(start, n + more) > due_day(start, n)


@given(start=days, later=st.integers(min_value=0, max_value=30), n=counts)
def test_a_later_start_is_never_due_earlier(calendar, start, later, n):
    assert due_day(start + datetime.timedelta(days=later), n) >= due_day(start, n)


@given(a=days, b=days, c=days)
def test_counting_is_additive_and_antisymmetric(calendar, a, b, c):
    ab = working_days_between(instant(a), instant(b))
    bc = working_days_between(instant(b), instant(c))
    assert ab + bc == working_days_between(instant(a), instant(c))
    assert working_days_between(instant(b), instant(a)) == -ab
    if a <= b:
        span = (b - a).days
        assert 0 <= ab <= span
        assert ab == sum(is_working_day(a + datetime.timedelta(days=i)) for i in range(1, span + 1))


@given(pairs=st.lists(st.tuples(days, counts), min_size=1, max_size=40))
def test_bulk_equals_scalar(calendar, pairs):
    starts = np.array([np.datetime64(d, "D") for d, _ in pairs])
    ns = np.array([n for _, n in pairs], dtype=np.int64)
    bulk = add_working_days_bulk(starts, ns)
    assert [d.astype(datetime.date) for d in bulk] == [due_day(d, n) for d, n in pairs]


@given(start=days, n=counts, hour=st.integers(min_value=0, max_value=23))
def test_instants_are_taken_in_shanghai_time(calendar, start, n, hour):
    """An instant given in UTC counts from its Shanghai date (UTC 16:00 is the next day there)."""
    utc = datetime.datetime.combine(start, datetime.time(hour), tzinfo=datetime.UTC)
    shanghai_day = utc.astimezone(SH).date()
    assert add_working_days(utc, n).due == add_working_days(instant(shanghai_day), n).due


@given(start=days, n=counts)
def test_provisional_exactly_when_an_unconfirmed_year_is_spanned(calendar, start, n):
    result = add_working_days(instant(start), n)
    years = range(start.year, result.due.astimezone(SH).year + 1)
    assert result.provisional == any(y not in (2025, 2026) for y in years)
