"""The year overview behind the calendar page and the command, checked against the calendar's
own answers; the bulk provisional flags against the scalar ones (Hypothesis)."""

import calendar as pycalendar
import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.workdays import calendar as workdays

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [2024, 2026, 2027, 2040])
def test_month_grid_agrees_with_the_calendar(year):
    overview = workdays.year_overview(year)
    cells = [c for m in overview["months"] for w in m["weeks"] for c in w if c]
    assert len(cells) == (366 if pycalendar.isleap(year) else 365)
    assert [c["date"] for c in cells] == sorted(c["date"] for c in cells)
    assert all(c["working"] == workdays.is_working_day(c["date"]) for c in cells)
    assert sum(c["working"] for c in cells) == overview["working_days"]
    assert overview["rest_days"] == len(cells) - overview["working_days"]
    for month in overview["months"]:
        assert all(len(week) == 7 for week in month["weeks"])  # Monday-first, padded
    kinds = {c["kind"] for c in cells if c["date"].weekday() >= 5 and c["working"]}
    assert kinds <= {"makeup"}  # a worked weekend day is always a make-up day
    holidays = {d["date"] for d in overview["holidays"]}
    assert all(not workdays.is_working_day(day) for day in holidays)


def test_overview_today_and_neighbour_years():
    today = datetime.datetime.now(workdays.SHANGHAI).date()
    overview = workdays.year_overview(today.year)
    flagged = [
        c["date"] for m in overview["months"] for w in m["weeks"] for c in w if c and c["today"]
    ]
    assert flagged == [today]
    assert (overview["prev_year"], overview["next_year"]) == (today.year - 1, today.year + 1)
    first = workdays.year_overview(workdays.FIRST_YEAR)
    assert first["prev_year"] is None and first["next_year"] == workdays.FIRST_YEAR + 1
    last = workdays.year_overview(workdays.LAST_YEAR)
    assert last["next_year"] is None and last["supported"]
    outside = workdays.year_overview(workdays.LAST_YEAR + 1)
    assert outside["supported"] is False and outside["months"] == [] and outside["provisional"]


def test_overview_of_a_confirmed_year_carries_its_source():
    overview = workdays.year_overview(2026)
    assert overview["known"] and not overview["provisional"]
    assert overview["status"] == "confirmed" and overview["stored_working_days"] == 248
    assert overview["source"]
    assert len(overview["weekday_names"]) == 7


def test_calendar_page_in_english(admin_client):
    page = admin_client.get("/staff/calendar/", {"year": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["filter_form"].errors["year"] == ["The year must be four digits."]


YEARS = st.dates(min_value=D(2018, 1, 1), max_value=D(2045, 12, 31))


@given(st.lists(st.tuples(YEARS, YEARS), min_size=1, max_size=30))
def test_bulk_provisional_equals_the_scalar(pairs):
    starts = np.array([a for a, _ in pairs], dtype="datetime64[D]")
    dues = np.array([b for _, b in pairs], dtype="datetime64[D]")
    got = workdays.provisional_bulk(starts, dues).tolist()
    assert got == [workdays.is_provisional(a, b) for a, b in pairs]


def test_bulk_provisional_nat_and_range():
    starts = np.array(["2026-03-02", "NaT", "2026-03-02"], dtype="datetime64[D]")
    dues = np.array(["2026-03-10", "2027-01-05", "NaT"], dtype="datetime64[D]")
    assert workdays.provisional_bulk(starts, dues).tolist() == [False, False, False]
    assert workdays.provisional_bulk(starts[:1], np.array(["2027-01-05"], "M8[D]")).tolist() == [
        True
    ]
    with pytest.raises(workdays.OutOfCalendarRange):
        workdays.provisional_bulk(
            np.array(["1850-01-01"], "M8[D]"), np.array(["2026-01-01"], "M8[D]")
        )
    with pytest.raises(TypeError):
        workdays.provisional_bulk(np.array(["2026-01-01"]), np.array(["2026-01-02"]))


def test_library_source_reads_as_a_source_name_not_a_module():
    """The seeded year's source names the built-in holiday data in words ("holidays 0.108", the
    Python module and its version, was shown to supervisors as a data source)."""
    from yingshang.workdays import services

    for year in (2026, services.LIBRARY_LAST_YEAR):
        source = services.library_arrangement(year).source
        assert "holidays" not in source, source
        assert "系统内置节假日数据" in source and "版" in source
