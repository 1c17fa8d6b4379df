"""Period arithmetic (monitoring.periods): the scalar functions, the vectorised starts used by
the computation, and ``Period`` — checked against hand-worked dates and as properties."""

import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import periods
from yingshang.monitoring.periods import KINDS, Period

DAYS = st.dates(min_value=datetime.date(1900, 1, 8), max_value=datetime.date(2099, 12, 31))
KIND = st.sampled_from(KINDS)


@pytest.mark.parametrize(
    "kind,day,start,end,label",
    [
        ("day", "2026-10-12", "2026-10-12", "2026-10-12", "2026-10-12"),
        # Sunday 2026-10-18 belongs to the week starting Monday 12 October (ISO week 42)
        ("week", "2026-10-18", "2026-10-12", "2026-10-18", "2026-W42"),
        # ISO week 1 of 2026 starts on Monday 29 December 2025
        ("week", "2026-01-01", "2025-12-29", "2026-01-04", "2026-W01"),
        # 2020-12-31 is in ISO week 53 of 2020
        ("week", "2020-12-31", "2020-12-28", "2021-01-03", "2020-W53"),
        ("month", "2024-02-15", "2024-02-01", "2024-02-29", "2024-02"),  # leap February
        ("month", "2026-02-28", "2026-02-01", "2026-02-28", "2026-02"),
        ("quarter", "2026-11-30", "2026-10-01", "2026-12-31", "2026-Q4"),
        ("quarter", "2026-03-31", "2026-01-01", "2026-03-31", "2026-Q1"),
        ("quarter", "2026-04-01", "2026-04-01", "2026-06-30", "2026-Q2"),
        ("year", "2026-07-01", "2026-01-01", "2026-12-31", "2026"),
    ],
)
def test_period_of_a_day_worked_examples(kind, day, start, end, label):
    p = Period.of(kind, datetime.date.fromisoformat(day))
    assert p.start == datetime.date.fromisoformat(start)
    assert p.end == datetime.date.fromisoformat(end)
    assert p.label == str(p) == label
    assert Period.parse(kind, label) == p


def test_next_start_crosses_the_year():
    assert periods.next_start("month", datetime.date(2026, 12, 1)) == datetime.date(2027, 1, 1)
    assert periods.next_start("quarter", datetime.date(2026, 10, 1)) == datetime.date(2027, 1, 1)
    assert periods.next_start("year", datetime.date(2026, 1, 1)) == datetime.date(2027, 1, 1)
    assert periods.next_start("week", datetime.date(2026, 12, 28)) == datetime.date(2027, 1, 4)


@pytest.mark.parametrize(
    "kind,text",
    [
        ("quarter", "2026-Q0"),
        ("quarter", "2026-Q5"),
        ("quarter", "2026-Qx"),
        ("month", "2026-13"),
        ("month", "26-10"),
        ("week", "2026-W54"),
        ("week", "2021-W53"),  # 2021 has 52 ISO weeks
        ("year", "20x6"),
        ("day", "2026-02-30"),
        ("day", ""),
    ],
)
def test_bad_labels_are_value_errors_naming_the_kind(kind, text):
    with pytest.raises(ValueError, match=kind):
        Period.parse(kind, text)


def test_unknown_kind_is_refused_everywhere():
    day = datetime.date(2026, 10, 12)
    with pytest.raises(ValueError, match="fortnight"):
        Period.parse("fortnight", "2026-10")
    with pytest.raises(ValueError):
        Period("fortnight", day, day)
    with pytest.raises(ValueError):
        periods.period_start("fortnight", day)
    with pytest.raises(ValueError):
        periods.starts_array("fortnight", np.array([day], dtype="datetime64[D]"))


@pytest.mark.parametrize(
    "kind,start,end",
    [
        ("month", "2026-10-02", "2026-10-31"),  # not the first day
        ("month", "2026-10-01", "2026-10-30"),  # not the last day
        ("week", "2026-10-13", "2026-10-19"),  # a Tuesday
        ("quarter", "2026-11-01", "2027-01-31"),
    ],
)
def test_a_period_must_be_whole(kind, start, end):
    with pytest.raises(ValueError, match="is not a"):
        Period(kind, datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))


def test_any_iso_date_inside_the_period_parses_to_it():
    assert Period.parse("quarter", "2026-11-17") == Period.parse("quarter", "2026-Q4")
    assert Period.parse("week", " 2026-10-14 ").label == "2026-W42"
    assert Period.parse("year", "2026-05-05").label == "2026"


def test_overlapping_periods_worked_example():
    got = Period.overlapping("month", datetime.date(2026, 9, 30), datetime.date(2026, 12, 1))
    assert [p.label for p in got] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert Period.overlapping("month", datetime.date(2026, 3, 1), datetime.date(2026, 2, 1)) == []


def test_last_n_periods_oldest_first():
    q = Period.parse("quarter", "2026-Q1")
    assert [p.label for p in q.last(5)] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert q.last(1) == [q]


def test_periods_order_by_kind_then_start():
    a = Period.parse("month", "2026-09")
    b = Period.parse("month", "2026-10")
    assert sorted([b, a]) == [a, b]
    assert len({a, Period.parse("month", "2026-09-30")}) == 1  # hashable, equal by value


# ----------------------------------------------------------------------- properties


@given(KIND, DAYS)
def test_the_period_of_a_day_contains_it_and_is_whole(kind, day):
    p = Period.of(kind, day)
    assert day in p
    assert p.start <= day <= p.end
    assert Period.of(kind, p.start) == p == Period.of(kind, p.end)
    assert p.start - datetime.timedelta(days=1) not in p
    assert p.end + datetime.timedelta(days=1) not in p


@given(KIND, DAYS)
def test_label_and_parse_round_trip(kind, day):
    p = Period.of(kind, day)
    assert Period.parse(kind, p.label) == p
    assert Period.parse(kind, day.isoformat()) == p


@given(KIND, DAYS)
def test_next_and_previous_are_adjacent_and_inverse(kind, day):
    p = Period.of(kind, day)
    n = p.next()
    assert n.start == p.end + datetime.timedelta(days=1)
    assert n.previous() == p
    assert p.previous().next() == p
    assert p.previous() < p < n


@given(KIND, DAYS)
def test_period_lengths(kind, day):
    p = Period.of(kind, day)
    length = (p.end - p.start).days + 1
    expected = {"day": {1}, "week": {7}, "month": {28, 29, 30, 31}, "quarter": {90, 91, 92}}
    assert length in expected.get(kind, {365, 366})


@given(KIND, DAYS, st.integers(min_value=0, max_value=400))
def test_overlapping_periods_tile_the_range(kind, day, span):
    end = day + datetime.timedelta(days=span)
    got = Period.overlapping(kind, day, end)
    assert got[0].start <= day and end <= got[-1].end
    for a, b in zip(got, got[1:], strict=False):
        assert b == a.next()  # no gap, no overlap
    assert [p.start for p in got] == periods.overlapping(kind, day, end)


@given(KIND, DAYS, st.integers(min_value=1, max_value=30))
def test_last_n_is_n_consecutive_periods_ending_with_self(kind, day, n):
    p = Period.of(kind, day)
    got = p.last(n)
    assert len(got) == n and got[-1] == p
    assert all(b == a.next() for a, b in zip(got, got[1:], strict=False))


@given(KIND, st.lists(DAYS, min_size=1, max_size=40))
def test_vectorised_starts_equal_the_scalar_ones(kind, days):
    arr = np.array(days, dtype="datetime64[D]")
    got = periods.starts_array(kind, arr).astype(datetime.date).tolist()
    assert got == [periods.period_start(kind, d) for d in days]
