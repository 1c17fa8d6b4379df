"""More laws of the working-day maths (Hypothesis) and the seeding services' remaining branches.

Laws: adding composes (s + a + b == (s + a) + b for a ≥ 1), n = 0 is idempotent on a due date,
a year's count agrees four ways (the cumulative array, the half-open interval, the stored row,
numpy's business-day count when nothing is stored), the provisional flag is symmetric and grows
with the interval, and the bulk form reads sub-day datetime64 units by their date.
Services: seeding an unpublished year with confirm, re-seeding a provisional published year to
confirm it, a corrected name, permissions and audit attribution, English messages, recount of a
stale stored count, the confirm command's warning.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from yingshang.platform.models import AuditEntry
from yingshang.workdays import calendar as workdays
from yingshang.workdays import services
from yingshang.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DayKind

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
# the test database carries the demo's calendar: 2019–2026 confirmed, 2027 provisional
DAYS = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 3, 31))
COUNTS = st.integers(min_value=0, max_value=40)


def due(start, n):
    return workdays.add_working_days(start, n).due.date()


# ----------------------------------------------------------------------------------- laws


@given(start=DAYS, a=st.integers(min_value=1, max_value=40), b=COUNTS)
def test_adding_composes(start, a, b):
    """Counting starts the day after, so a due date (a working day) is a fresh start: adding a
    then b working days is adding a + b. (Not for a = 0 from a rest day: that rolls forward.)"""
    assert due(due(start, a), b) == due(start, a + b)


@given(start=DAYS, n=COUNTS)
def test_zero_days_from_a_due_date_is_that_date(start, n):
    first = workdays.add_working_days(start, n)
    again = workdays.add_working_days(first.due, 0)
    assert again.due == first.due
    assert again.provisional == workdays.is_provisional(first.due.date())


@pytest.mark.parametrize("year", [2019, 2020, 2024, 2025, 2026, 2027])
def test_a_stored_years_count_agrees_four_ways(year):
    row = CalendarYear.objects.get(year=year)
    exceptions = CalendarDay.objects.filter(year=row).values_list("date", "kind")
    interval = workdays.working_days_between(D(year - 1, 12, 31), D(year, 12, 31))
    assert (
        workdays.working_days_in_year(year)
        == interval
        == row.working_days
        == services.count_working_days(year, exceptions)
    )


@given(year=st.integers(min_value=1901, max_value=2299))
def test_a_year_without_a_row_counts_monday_to_friday(year):
    assume(not CalendarYear.objects.filter(year=year).exists())  # the demo's 2019 … next year
    expected = int(np.busday_count(f"{year}-01-01", f"{year + 1}-01-01"))
    assert workdays.working_days_in_year(year) == expected
    assert workdays.year_status(year) is None and workdays.is_provisional(D(year, 6, 1))


@given(a=st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31)),
       b=st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31)),
       wider=st.integers(min_value=0, max_value=800))  # fmt: skip
def test_provisional_is_symmetric_and_grows_with_the_interval(a, b, wider):
    flag = workdays.is_provisional(a, b)
    assert flag == workdays.is_provisional(b, a)
    lo, hi = min(a, b), max(a, b)
    expected = any(
        workdays.year_status(y) != CalendarStatus.CONFIRMED for y in range(lo.year, hi.year + 1)
    )
    assert flag == expected
    if flag:
        assert workdays.is_provisional(lo - datetime.timedelta(days=wider), hi)
        assert workdays.is_provisional(lo, hi + datetime.timedelta(days=wider))


@given(
    moments=st.lists(
        st.datetimes(
            min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 1)
        ),
        min_size=1,
        max_size=20,
    ),
    n=COUNTS,
    unit=st.sampled_from(["h", "m", "s", "ms"]),
)
def test_bulk_reads_sub_day_units_by_their_date(moments, n, unit):
    """Other datetime64 units are truncated to the day (the value is already Shanghai local
    time), whatever the hour — 23:59 does not spill into the next day."""
    starts = np.array([np.datetime64(m, unit) for m in moments])
    got = workdays.add_working_days_bulk(starts, np.int64(n))
    assert got.astype(object).tolist() == [due(m.date(), n) for m in moments]


# ------------------------------------------------------------------------------- services


def test_confirming_an_unpublished_year_keeps_it_provisional_and_says_why():
    assert not services.library_has_arrangement(2027)
    result = services.seed_year_from_library(2027, confirm=True)
    assert result.published is False and result.confirmed is False
    assert result.message == "2027 年的放假安排尚未公布，保持暂定。"
    assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL
    assert workdays.is_provisional(D(2027, 3, 1))
    with translation.override("en"):
        english = services.seed_year_from_library(2027, confirm=True).message
    assert english.startswith("The holiday arrangements for 2027 have not been published yet")


def test_reseeding_a_provisional_published_year_confirms_it_without_touching_days():
    CalendarYear.objects.filter(year=2026).update(status=CalendarStatus.PROVISIONAL)
    workdays.invalidate_cache()
    days = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name"))
    assert workdays.is_provisional(D(2026, 5, 1))
    result = services.seed_year_from_library(2026, confirm=True)
    assert (result.status, result.created, result.updated, result.deleted) == ("updated", 0, 0, 0)
    assert result.confirmed and result.published
    assert not workdays.is_provisional(D(2026, 5, 1))
    assert days == list(
        CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name")
    )
    # a confirmed year that equals the library: unchanged, still confirmed
    again = services.seed_year_from_library(2026)
    assert (again.status, again.confirmed, again.message) == ("unchanged", True, "")


def test_reseeding_corrects_a_renamed_day_and_attributes_the_change(django_user_model):
    day = CalendarDay.objects.filter(date__year=2027, kind=DayKind.HOLIDAY).first()
    library_name = day.name
    CalendarDay.objects.filter(pk=day.pk).update(name="手工改名")
    nobody = django_user_model.objects.create_user("cal-nobody", password="x")
    with pytest.raises(PermissionDenied):
        services.seed_year_from_library(2027, user=nobody)
    assert CalendarDay.objects.get(pk=day.pk).name == "手工改名"
    boss = django_user_model.objects.create_superuser("cal-boss", password="x")
    result = services.seed_year_from_library(2027, user=boss)
    assert (result.status, result.created, result.updated, result.deleted) == ("updated", 0, 1, 0)
    assert CalendarDay.objects.get(pk=day.pk).name == library_name
    entry = AuditEntry.objects.filter(
        object_type="workdays.CalendarDay", object_id=str(day.pk), action="update"
    ).latest("pk")
    assert entry.actor_name == "cal-boss"


def test_set_and_clear_day_are_attributed_and_refused_without_permission(django_user_model):
    boss = django_user_model.objects.create_superuser("cal-boss2", password="x")
    entry = services.set_day(2027, D(2027, 3, 1), DayKind.HOLIDAY, "地方假日", user=boss)
    created = AuditEntry.objects.get(
        object_type="workdays.CalendarDay", object_id=str(entry.pk), action="create"
    )
    assert created.actor_name == "cal-boss2"
    nobody = django_user_model.objects.create_user("cal-nobody2", password="x")
    with pytest.raises(PermissionDenied):
        services.clear_day(2027, D(2027, 3, 1), user=nobody)
    assert not workdays.is_working_day(D(2027, 3, 1))  # the day stays
    assert services.clear_day(2027, D(2027, 3, 1), user=boss) is True
    assert AuditEntry.objects.filter(
        object_type="workdays.CalendarDay", object_id=str(entry.pk), action="delete",
        actor_name="cal-boss2",
    ).exists()  # fmt: skip


@pytest.mark.parametrize(
    "call,field,english",
    [
        (lambda: services.set_day(2027, D(2027, 3, 1), DayKind.MAKEUP), "kind",
         "A make-up working day must be a Saturday or Sunday."),
        (lambda: services.seed_year_from_library(services.LIBRARY_LAST_YEAR + 1), "year",
         f"The year {services.LIBRARY_LAST_YEAR + 1} is outside the range"),
        (lambda: services.confirm_year(2290), "year", "2290"),
    ],
)  # fmt: skip
def test_service_errors_in_english(call, field, english):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            call()
        (message,) = map(str, exc.value.message_dict[field])  # lazy ones read in English
    assert message.startswith(english) or english in message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in message)  # no Chinese left


def test_recount_repairs_a_stale_stored_count():
    CalendarYear.objects.filter(year=2026).update(working_days=1)  # no signals, no audit
    assert services.recount_working_days(2026) == 248
    assert CalendarYear.objects.get(year=2026).working_days == 248
    entry = AuditEntry.objects.filter(object_type="workdays.CalendarYear", action="update")
    assert entry.latest("pk").changes["after"]["working_days"] == 248
    before = AuditEntry.objects.count()
    assert services.recount_working_days("2026") == 248  # correct already: nothing written
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    "year,lines",
    [
        (2027, ["2027: the holidays library does not carry", "2027: confirmed"]),
        (2026, ["2026: already confirmed"]),
    ],
)
def test_confirm_command_warns_when_the_library_lacks_the_year(year, lines):
    out = io.StringIO()
    call_command("calendar", "confirm", str(year), stdout=out)
    printed = out.getvalue().splitlines()
    assert len(printed) == len(lines)
    assert all(p.startswith(expected) for p, expected in zip(printed, lines, strict=True))
    assert CalendarYear.objects.get(year=year).status == CalendarStatus.CONFIRMED
