"""Editing the working-day calendar and what it does to the maths: a holiday or make-up day
entered moves due dates exactly as a day-by-day count says (Hypothesis), the stored counts,
the services' field errors, the page's year filter, the command's years and its show output."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from yingshang.workdays import calendar as workdays
from yingshang.workdays import services
from yingshang.workdays.management.commands.calendar import parse_years
from yingshang.workdays.models import CalendarDay, CalendarYear, DayKind

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
# 2040 has no stored arrangement: Monday–Friday, provisional; the edits below are its only days
YEAR = 2040
DAYS_2040 = st.dates(min_value=D(2040, 1, 1), max_value=D(2040, 12, 31))


def instant(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


def due(day, n):
    return workdays.add_working_days(instant(day), n).due.date()


@pytest.fixture
def clean_2040(db):
    CalendarYear.objects.filter(year=YEAR).delete()
    workdays.invalidate_cache()


@given(
    holiday=DAYS_2040.filter(lambda d: d.weekday() < 5),
    start=DAYS_2040,
    n=st.integers(min_value=1, max_value=30),
)
def test_a_weekday_holiday_moves_later_due_dates_by_one_working_day(clean_2040, holiday, start, n):
    """Entering a holiday H after the start: a due date before H is unchanged; one on or after
    H becomes the old calendar's next working day — the (n+1)-th working day before the edit."""
    if start >= holiday:
        start = holiday - datetime.timedelta(days=start.toordinal() % 20 + 1)
    before, before_next = due(start, n), due(start, n + 1)
    services.set_day(YEAR, holiday, DayKind.HOLIDAY, "临时放假")
    try:
        after = due(start, n)
        assert after == (before if before < holiday else before_next)
        assert not workdays.is_working_day(holiday)
        assert workdays.working_days_between(instant(start), instant(after)) == n
    finally:
        services.clear_day(YEAR, holiday)
    assert due(start, n) == before  # cleared: the Monday–Friday rule again


@given(makeup=DAYS_2040.filter(lambda d: d.weekday() >= 5), start=DAYS_2040,
       n=st.integers(min_value=2, max_value=30))  # fmt: skip
def test_a_makeup_day_brings_later_due_dates_forward(clean_2040, makeup, start, n):
    """Entering a weekend make-up day M after the start: a due date before M is unchanged; a
    later one becomes M when M falls after the old (n−1)-th working day, else that day."""
    if start >= makeup:
        start = makeup - datetime.timedelta(days=start.toordinal() % 20 + 1)
    before, before_prev = due(start, n), due(start, n - 1)
    services.set_day(YEAR, makeup, DayKind.MAKEUP, "调休上班")
    try:
        after = due(start, n)
        if before < makeup:
            assert after == before
        else:
            assert after == (makeup if before_prev < makeup else before_prev)
        assert workdays.is_working_day(makeup)
        assert workdays.working_days_between(instant(start), instant(after)) == n
    finally:
        services.clear_day(YEAR, makeup)


def test_stored_count_follows_the_edits(clean_2040):
    weekdays = workdays.working_days_in_year(YEAR)
    assert weekdays == 261  # 2040: 366 days, 105 weekend days
    services.set_day(YEAR, D(2040, 1, 2), DayKind.HOLIDAY, "元旦")  # a Monday
    services.set_day(YEAR, D(2040, 1, 7), DayKind.MAKEUP, "调休")  # a Saturday
    services.set_day(YEAR, D(2040, 1, 3), DayKind.HOLIDAY, "")
    row = CalendarYear.objects.get(year=YEAR)
    assert row.working_days == 261 - 2 + 1 == workdays.working_days_in_year(YEAR)
    assert row.status == "provisional" and row.source == "管理员录入"
    # correcting a day's kind in place keeps one row for the date
    services.set_day(YEAR, D(2040, 1, 3), DayKind.HOLIDAY, " 补假 ")
    assert CalendarDay.objects.get(date=D(2040, 1, 3)).name == "补假"
    assert services.clear_day(YEAR, D(2040, 1, 3)) is True
    assert services.clear_day(YEAR, "2040-01-03") is False  # nothing left to clear
    assert CalendarYear.objects.get(year=YEAR).working_days == 261 - 1 + 1


@given(st.lists(st.tuples(DAYS_2040, st.sampled_from([DayKind.HOLIDAY, DayKind.MAKEUP])),
                max_size=30))  # fmt: skip
def test_count_working_days_counts_only_effective_exceptions(exceptions):
    """A holiday on a weekend or a make-up day on a weekday changes nothing."""
    unique = dict(exceptions)
    expected = sum(
        1
        for i in range(366)
        for day in [D(2040, 1, 1) + datetime.timedelta(days=i)]
        if (unique.get(day) == DayKind.MAKEUP)
        or (day.weekday() < 5 and unique.get(day) != DayKind.HOLIDAY)
    )
    assert services.count_working_days(YEAR, unique.items()) == expected


@pytest.mark.parametrize(
    "year,date,field,message",
    [
        ("twenty", "2040-01-02", "year", "年份必须是整数。"),
        (1899, "1899-01-02", "year", "年份必须在 1900–2299 之间。"),
        (2300, "2300-01-02", "year", "年份必须在 1900–2299 之间。"),
        (YEAR, "2040-02-30", "date", "日期格式应为 YYYY-MM-DD。"),
        (YEAR, "tomorrow", "date", "日期格式应为 YYYY-MM-DD。"),
    ],
)
def test_set_day_field_errors(clean_2040, year, date, field, message):
    with pytest.raises(ValidationError) as exc:
        services.set_day(year, date, DayKind.HOLIDAY)
    assert exc.value.message_dict[field] == [message]
    assert not CalendarYear.objects.filter(year=YEAR).exists()


def test_set_day_takes_an_instant_in_shanghai_time(clean_2040):
    # 2040-01-02 20:00 UTC is already Tuesday 3 January in Shanghai
    entry = services.set_day(YEAR, datetime.datetime(2040, 1, 2, 20, tzinfo=datetime.UTC),
                             DayKind.HOLIDAY)  # fmt: skip
    assert entry.date == D(2040, 1, 3)


def test_clear_day_of_an_unknown_year_and_permissions(clean_2040, django_user_model):
    with pytest.raises(ValidationError) as exc:
        services.clear_day(YEAR, "2040-01-02")
    assert exc.value.message_dict["year"] == ["没有 2040 年的工作日历，请先导入或录入。"]
    nobody = django_user_model.objects.create_user("nobody-cal", password="x")
    with pytest.raises(PermissionDenied):
        services.set_day(YEAR, "2040-01-02", DayKind.HOLIDAY, user=nobody)
    assert not CalendarYear.objects.filter(year=YEAR).exists()


@pytest.mark.django_db
def test_conversions_refuse_naive_and_odd_values():
    with pytest.raises(ValueError, match="aware"):
        workdays.local_date(datetime.datetime(2026, 10, 12, 10))
    with pytest.raises(TypeError):
        workdays.local_date("2026-10-12")
    assert workdays.end_of_day(D(2026, 10, 12)).isoformat() == "2026-10-12T23:59:59+08:00"
    with pytest.raises(workdays.OutOfCalendarRange):
        workdays.is_working_day(D(1899, 12, 31))


@pytest.mark.django_db
def test_due_date_beyond_the_calendar_is_refused():
    with pytest.raises(workdays.OutOfCalendarRange, match="after 2299"):
        workdays.add_working_days(instant(D(2299, 12, 20)), 30)


# ---------------------------------------------------------------------------- page, command


@pytest.mark.parametrize(
    "value,message",
    [("abc", "年份必须是四位数字。"), ("1800", "1900"), ("10000", "9999")],
)
def test_calendar_page_bad_year_is_reported_and_this_year_shown(admin_client, value, message):
    from django.utils import timezone

    r = admin_client.get("/staff/calendar/", {"year": value})
    assert r.status_code == 200
    assert message in "".join(r.context["filter_form"].errors["year"])
    assert r.context["year"] == timezone.localdate().year


def test_calendar_page_is_for_staff_only(client, django_user_model, mianyang):
    citizen = django_user_model.objects.create_user("citizen-cal", password="x")
    client.force_login(citizen)
    assert client.get("/staff/calendar/").status_code == 403


@pytest.mark.parametrize(
    "text,years",
    [("2026", [2026]), ("2019-2021", [2019, 2020, 2021]), (" 2021-2022 , 2019 ", [2019, 2021, 2022]),
     ("2020,2020-2021", [2020, 2021])],
)  # fmt: skip
def test_parse_years(text, years):
    assert parse_years(text) == years


@pytest.mark.parametrize("text", ["abc", "2027-2020", "2020-", ", ,"])
def test_parse_years_refuses(text):
    with pytest.raises(CommandError):
        parse_years(text)


def test_command_show_of_a_provisional_year_and_outside_the_calendar(clean_2040):
    services.set_day(YEAR, D(2040, 1, 2), DayKind.HOLIDAY, "元旦")
    services.set_day(YEAR, D(2040, 1, 7), DayKind.MAKEUP, "调休")
    out = io.StringIO()
    call_command("calendar", "show", "2040", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2040  PROVISIONAL (arrangement not confirmed)"
    assert "working days: 261  rest days: 105" in lines
    assert "  2040-01-02 Mon  元旦" in lines and "  2040-01-07 Sat  调休" in lines
    grid = lines.index("January".center(28))
    assert lines[grid + 2] == " " * 24 + "( 1)"  # 1 January 2040 is a Sunday
    assert lines[grid + 3] == "[ 2]  3   4   5   6 < 7>( 8)"
    out = io.StringIO()
    call_command("calendar", "show", "2045", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "2045  PROVISIONAL (no arrangement stored; Monday–Friday assumed)"
    )
    with pytest.raises(CommandError, match="outside the calendar"):
        call_command("calendar", "show", "2300", stdout=io.StringIO())


def test_command_seed_reports_a_conflict_with_a_confirmed_year(db):
    services.set_day(2026, D(2026, 3, 2), DayKind.HOLIDAY, "地方性调整")
    assert CalendarYear.objects.get(year=2026).status == "confirmed"
    out = io.StringIO()
    call_command("calendar", "seed", "--years", "2026", stdout=out)
    text = out.getvalue()
    assert text.startswith("2026: conflict")
    assert "1 confirmed year(s) left unchanged" in text
    assert CalendarDay.objects.filter(date=D(2026, 3, 2)).exists()
