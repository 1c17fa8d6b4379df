"""The pure progress arithmetic of reforms (reforms.progress): periods per reporting cycle, the
straight line to the deadline, every task state and the weighted roll-up — with examples and
Hypothesis properties."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.reforms.models import TaskState
from yingshang.reforms.progress import (
    compute_state,
    expected_progress,
    period_of,
    period_start,
    previous_period,
    weighted,
)

D = datetime.date
CYCLES = ["monthly", "quarterly", "half_yearly", "yearly"]
dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2030, 12, 31))


@pytest.mark.parametrize(
    "day,cycle,label,start",
    [
        (D(2019, 3, 31), "monthly", "2019-03", D(2019, 3, 1)),
        (D(2019, 3, 31), "quarterly", "2019-Q1", D(2019, 1, 1)),
        (D(2019, 4, 1), "quarterly", "2019-Q2", D(2019, 4, 1)),
        (D(2019, 12, 31), "quarterly", "2019-Q4", D(2019, 10, 1)),
        (D(2019, 6, 30), "half_yearly", "2019-H1", D(2019, 1, 1)),
        (D(2019, 7, 1), "half_yearly", "2019-H2", D(2019, 7, 1)),
        (D(2019, 7, 1), "yearly", "2019", D(2019, 1, 1)),
    ],
)
def test_period_label_and_start(day, cycle, label, start):
    assert period_of(day, cycle) == label
    assert period_start(day, cycle) == start


@pytest.mark.parametrize(
    "day,cycle,expected",
    [
        (D(2019, 1, 15), "monthly", ("2018-12", D(2018, 12, 1), D(2018, 12, 31))),
        (D(2019, 3, 1), "monthly", ("2019-02", D(2019, 2, 1), D(2019, 2, 28))),
        (D(2020, 3, 1), "monthly", ("2020-02", D(2020, 2, 1), D(2020, 2, 29))),
        (D(2019, 5, 20), "quarterly", ("2019-Q1", D(2019, 1, 1), D(2019, 3, 31))),
        (D(2019, 2, 1), "half_yearly", ("2018-H2", D(2018, 7, 1), D(2018, 12, 31))),
        (D(2019, 2, 1), "yearly", ("2018", D(2018, 1, 1), D(2018, 12, 31))),
    ],
)
def test_previous_period(day, cycle, expected):
    assert previous_period(day, cycle) == expected


@given(day=dates, cycle=st.sampled_from(CYCLES))
def test_periods_partition_the_calendar(day, cycle):
    start = period_start(day, cycle)
    assert start <= day and period_of(start, cycle) == period_of(day, cycle)
    before = start - datetime.timedelta(days=1)
    assert period_of(before, cycle) != period_of(day, cycle)
    label, first, last = previous_period(day, cycle)
    assert (
        last == before and first == period_start(before, cycle) and label == period_of(last, cycle)
    )


@pytest.mark.parametrize(
    "today,expected",
    [
        (D(2019, 12, 31), 0.0),
        (D(2020, 1, 1), 0.0),
        (D(2020, 1, 11), 50.0),
        (D(2020, 1, 21), 100.0),
        (D(2021, 1, 1), 100.0),
    ],
)
def test_expected_progress_is_a_straight_line(today, expected):
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 21), today) == pytest.approx(expected)


def test_expected_progress_with_a_deadline_on_or_before_the_start():
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 1), D(2019, 12, 31)) == 0.0
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 1), D(2020, 1, 1)) == 100.0


@given(start=dates, length=st.integers(1, 1000), a=dates, b=dates)
def test_expected_progress_is_bounded_and_monotone(start, length, a, b):
    deadline = start + datetime.timedelta(days=length)
    lo, hi = sorted((a, b))
    assert (
        0.0
        <= expected_progress(start, deadline, lo)
        <= expected_progress(start, deadline, hi)
        <= 100.0
    )


def state(**kw):
    args = {
        "today": D(2019, 6, 15),
        "start": D(2019, 1, 20),
        "deadline": D(2019, 12, 31),
        "progress": 50.0,
        "closed": False,
        "completed_on": None,
        "reported_periods": {"2019-05"},
        "cycle": "monthly",
        "margin": 15.0,
    }
    args.update(kw)
    return compute_state(**args)


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({}, TaskState.ON_TRACK),
        ({"closed": True, "completed_on": D(2019, 6, 1)}, TaskState.COMPLETED),
        ({"closed": True, "completed_on": D(2020, 1, 5)}, TaskState.COMPLETED_LATE),
        ({"closed": True, "completed_on": D(2020, 1, 5), "deadline": None}, TaskState.COMPLETED),
        ({"today": D(2020, 1, 1)}, TaskState.OVERDUE),
        ({"today": D(2019, 1, 10)}, TaskState.NOT_STARTED),
        # started, no report, but no whole period elapsed yet
        ({"today": D(2019, 1, 25), "reported_periods": set()}, TaskState.NOT_STARTED),
        ({"reported_periods": set()}, TaskState.LAGGING),  # a whole month without a report
        ({"reported_periods": {"2019-03"}}, TaskState.LAGGING),  # May not reported
        ({"reported_periods": {"2019-06"}}, TaskState.ON_TRACK),  # this month reported
        ({"progress": 20.0}, TaskState.LAGGING),  # expected ≈ 44 %, minus 15 = 29 %
        ({"progress": 30.0}, TaskState.ON_TRACK),
        ({"progress": 20.0, "margin": 30.0}, TaskState.ON_TRACK),
        ({"progress": 0.0, "deadline": None}, TaskState.ON_TRACK),  # long-term: no line
        ({"cycle": "quarterly", "reported_periods": {"2019-Q1"}}, TaskState.ON_TRACK),
        ({"cycle": "quarterly", "reported_periods": {"2018-Q4"}}, TaskState.LAGGING),
    ],
)
def test_every_state(changes, expected):
    assert state(**changes) == expected


@given(progress=st.floats(0, 100), more=st.floats(0, 100), today=dates)
def test_more_progress_never_makes_a_task_lag(progress, more, today):
    base = state(progress=progress, today=today)
    better = state(progress=min(100.0, progress + more), today=today)
    if base != TaskState.LAGGING:
        assert better != TaskState.LAGGING


def test_weighted_mean():
    assert weighted([]) == Decimal(0)
    assert weighted([(100, 0), (50, 0)]) == Decimal(0)
    assert weighted([(100, 1), (0, 1)]) == Decimal("50.00")
    assert weighted([(100, 3), (0, 1)]) == Decimal("75.00")
    assert weighted([(Decimal("33.333"), 1)]) == Decimal("33.33")


@given(pairs=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 10)), min_size=1, max_size=8))
def test_weighted_lies_between_the_extremes(pairs):
    result = weighted(pairs)
    assert min(v for v, _ in pairs) <= result <= max(v for v, _ in pairs)
