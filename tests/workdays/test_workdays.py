"""Working-day calendar (工作日): facts of the 2026 arrangement, the maths, provisional flags,
bulk == scalar, services, admin, page, command, cache invalidation."""

import datetime
import io
import random
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

from yingshang.platform.models import AuditEntry
from yingshang.workdays import calendar as workdays
from yingshang.workdays import services as calendar_services
from yingshang.workdays.calendar import (
    add_working_days,
    add_working_days_bulk,
    is_working_day,
    working_days_between,
)
from yingshang.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DayKind

D = datetime.date
SH = ZoneInfo("Asia/Shanghai")
OUTSIDE_YEAR = "日期 2027-01-04 不在 2026 年内。"


def at(y, m, d, hour=10):
    return datetime.datetime(y, m, d, hour, tzinfo=SH)


@pytest.fixture
def no_calendar(db):
    """Start from an empty calendar: the test database is preloaded with the demo's years."""
    CalendarYear.objects.all().delete()
    workdays.invalidate_cache()


@pytest.fixture
def calendar(no_calendar):
    """2025 and 2026 confirmed (published in the library), 2027 provisional (extrapolated)."""
    for year in (2025, 2026, 2027):
        calendar_services.seed_year_from_library(year, confirm=True)
    return CalendarYear.objects.in_bulk(field_name="year")


# ------------------------------------------------------------------------------ 2026 facts


def test_2026_has_248_working_days(calendar):
    assert calendar[2026].status == CalendarStatus.CONFIRMED
    assert calendar[2026].working_days == 248
    assert workdays.working_days_in_year(2026) == 248
    assert working_days_between(at(2025, 12, 31), at(2026, 12, 31)) == 248


def test_makeup_saturdays_and_sundays_are_working_days(calendar):
    # 调休: Saturdays 2026-02-14, 02-28, 05-09, 10-10 and Sundays 01-04, 09-20 are worked.
    for day in [D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 10, 10)]:
        assert day.weekday() == 5 and is_working_day(day), day
    for day in [D(2026, 1, 4), D(2026, 9, 20)]:
        assert day.weekday() == 6 and is_working_day(day), day
    assert not is_working_day(D(2026, 2, 7))  # an ordinary Saturday
    assert not is_working_day(D(2026, 2, 15))  # an ordinary Sunday


def test_national_day_week_is_off(calendar):
    for offset in range(7):
        assert not is_working_day(D(2026, 10, 1) + datetime.timedelta(days=offset))
    assert is_working_day(D(2026, 9, 30)) and is_working_day(D(2026, 10, 8))


def test_spring_festival_2026_spans_nine_days(calendar):
    days = [D(2026, 2, 15) + datetime.timedelta(days=i) for i in range(9)]  # 02-15 … 02-23
    assert not any(is_working_day(d) for d in days)
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 24))
    # Friday 13th + 1 is the make-up Saturday; + 2 jumps the whole holiday.
    assert add_working_days(at(2026, 2, 13), 1).due.date() == D(2026, 2, 14)
    assert add_working_days(at(2026, 2, 13), 2).due.date() == D(2026, 2, 24)
    assert working_days_between(at(2026, 2, 13), at(2026, 2, 24)) == 2


def test_adding_across_the_year_boundary(calendar):
    # 2026-01-01/02 are holidays, Sunday 01-04 is a make-up working day.
    due = add_working_days(at(2025, 12, 31), 1)
    assert due.due == datetime.datetime(2026, 1, 4, 23, 59, 59, tzinfo=SH)
    assert due.provisional is False
    assert add_working_days(at(2025, 12, 31), 2).due.date() == D(2026, 1, 5)
    assert working_days_between(at(2025, 12, 30), at(2026, 1, 5)) == 3


def test_n_zero_on_a_holiday_rolls_to_the_next_working_day(calendar):
    assert add_working_days(at(2026, 10, 1), 0).due.date() == D(2026, 10, 8)
    assert add_working_days(at(2026, 10, 1), 1).due.date() == D(2026, 10, 8)
    assert add_working_days(at(2026, 10, 8), 0).due.date() == D(2026, 10, 8)
    assert add_working_days(at(2026, 10, 8), 1).due.date() == D(2026, 10, 9)


def test_instants_are_taken_in_shanghai_time(calendar):
    # 2026-02-13 17:30 UTC is Saturday 2026-02-14 01:30 in Shanghai, a make-up working day.
    instant = datetime.datetime(2026, 2, 13, 17, 30, tzinfo=datetime.UTC)
    assert is_working_day(instant)
    result = add_working_days(instant, 0)
    assert result.due == datetime.datetime(2026, 2, 14, 23, 59, 59, tzinfo=SH)
    assert result.due.utcoffset() == datetime.timedelta(hours=8)


def test_bad_inputs_are_refused(calendar):
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime.datetime(2026, 3, 2, 9), 1)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(at(2026, 3, 2), -1)
    with pytest.raises(TypeError):
        add_working_days(at(2026, 3, 2), 1.5)
    with pytest.raises(TypeError):
        add_working_days(at(2026, 3, 2), True)
    with pytest.raises(workdays.OutOfCalendarRange):
        is_working_day(D(1800, 1, 1))
    with pytest.raises(workdays.OutOfCalendarRange):
        add_working_days(at(2299, 12, 30), 10)


# ------------------------------------------------------------------------------ provisional


def test_provisional_flag_for_unconfirmed_and_unknown_years(calendar):
    assert calendar[2027].status == CalendarStatus.PROVISIONAL  # library only extrapolates 2027
    assert add_working_days(at(2026, 6, 1), 10).provisional is False
    across = add_working_days(at(2026, 12, 28), 10)
    assert across.due.year == 2027 and across.provisional is True
    assert add_working_days(at(2027, 3, 1), 1).provisional is True
    # 2030 has no CalendarYear row at all: Monday–Friday assumed, and flagged.
    unknown = add_working_days(at(2030, 5, 3), 1)  # Friday
    assert unknown.due.date() == D(2030, 5, 6) and unknown.provisional is True
    assert workdays.year_status(2030) is None
    assert workdays.is_provisional(D(2030, 1, 1)) is True
    assert workdays.is_provisional(D(2026, 1, 1), D(2026, 12, 31)) is False
    # Confirming the year clears the flag at once.
    calendar_services.confirm_year(2027)
    assert add_working_days(at(2027, 3, 1), 1).provisional is False


def test_provisional_bulk_matches_scalar(calendar):
    starts = np.array(["2026-05-01", "2026-12-28", "2027-01-05", "2030-01-01", "NaT"], "M8[D]")
    dues = add_working_days_bulk(starts, np.array([3, 10, 1, 1, 1]))
    flags = workdays.provisional_bulk(starts, dues)
    assert flags.tolist() == [False, True, True, True, False]


# ------------------------------------------------------------------------------------ bulk


def test_bulk_equals_scalar_on_random_inputs(calendar):
    rng = random.Random(2026)
    starts = [D(2024, 12, 1) + datetime.timedelta(days=rng.randrange(800)) for _ in range(400)]
    ns = [rng.choice([0, 0, 1, 2, 3, 5, 10, 20, 60, 250]) for _ in starts]
    bulk = add_working_days_bulk(np.array(starts, dtype="datetime64[D]"), np.array(ns))
    assert bulk.dtype == np.dtype("datetime64[D]")
    scalar = [add_working_days(s, n).due.date() for s, n in zip(starts, ns, strict=True)]
    assert bulk.astype(object).tolist() == scalar


def test_bulk_broadcasts_and_keeps_nat(calendar):
    starts = np.array(["2026-02-13", "NaT", "2026-10-01"], dtype="datetime64[D]")
    due = add_working_days_bulk(starts, np.int64(1))
    assert str(due[0]) == "2026-02-14" and np.isnat(due[1]) and str(due[2]) == "2026-10-08"
    one_start = add_working_days_bulk(np.datetime64("2026-02-13", "D"), np.array([0, 1, 2]))
    assert one_start.astype(str).tolist() == ["2026-02-13", "2026-02-14", "2026-02-24"]
    grid = add_working_days_bulk(np.array([["2026-10-01"], ["2026-10-09"]], "M8[D]"), np.arange(2))
    assert grid.shape == (2, 2) and grid.astype(str).tolist() == [
        ["2026-10-08", "2026-10-08"],
        ["2026-10-09", "2026-10-10"],
    ]
    assert add_working_days_bulk(np.array([], "M8[D]"), np.array([], int)).shape == (0,)
    # datetime64 in other units are taken by their date.
    seconds = np.array(["2026-02-13T23:00:00"], dtype="datetime64[s]")
    assert str(add_working_days_bulk(seconds, np.array([0]))[0]) == "2026-02-13"


def test_bulk_refuses_bad_inputs(calendar):
    days = np.array(["2026-03-02"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match="negative"):
        add_working_days_bulk(days, np.array([-1]))
    with pytest.raises(TypeError):
        add_working_days_bulk(days, np.array([1.0]))
    with pytest.raises(TypeError):
        add_working_days_bulk(np.array(["2026-03-02"]), np.array([1]))
    with pytest.raises(workdays.OutOfCalendarRange):
        add_working_days_bulk(np.array(["1850-01-01"], dtype="datetime64[D]"), np.array([1]))


def test_working_days_between_is_the_inverse_of_add(calendar):
    rng = random.Random(7)
    for _ in range(200):
        start = at(2025, 1, 1) + datetime.timedelta(
            days=rng.randrange(1000), hours=rng.randrange(24)
        )
        n = rng.randrange(1, 300)
        assert working_days_between(start, add_working_days(start, n).due) == n
    assert working_days_between(at(2026, 3, 10), at(2026, 3, 2)) == -6
    assert working_days_between(at(2026, 3, 2), at(2026, 3, 2)) == 0


# -------------------------------------------------------------------------------- services


def test_seed_is_idempotent_and_audited(calendar):
    audit_count = AuditEntry.objects.count()
    days = list(CalendarDay.objects.filter(year__year=2026).values_list("date", "kind", "name"))
    for year in (2025, 2026, 2027):
        result = calendar_services.seed_year_from_library(year, confirm=True)
        assert (result.status, result.created, result.updated, result.deleted) == (
            "unchanged",
            0,
            0,
            0,
        )
    assert AuditEntry.objects.count() == audit_count
    assert days == list(
        CalendarDay.objects.filter(year__year=2026).values_list("date", "kind", "name")
    )
    assert (
        AuditEntry.objects.filter(object_type="workdays.CalendarDay", action="create").count() >= 25
    )


def test_seed_never_overwrites_a_confirmed_year(calendar):
    calendar_services.set_day(2026, D(2026, 3, 2), DayKind.HOLIDAY, "地方性调整")
    result = calendar_services.seed_year_from_library(2026)
    assert result.status == "conflict" and "已确认" in result.message
    assert CalendarDay.objects.filter(date=D(2026, 3, 2)).exists()
    # A provisional year is brought back in line with the library.
    calendar_services.set_day(2027, D(2027, 3, 1), DayKind.HOLIDAY, "试录")
    result = calendar_services.seed_year_from_library(2027)
    assert result.status == "updated" and result.deleted == 1
    assert not CalendarDay.objects.filter(date=D(2027, 3, 1)).exists()


def test_seed_refuses_years_outside_the_library(no_calendar):
    with pytest.raises(ValidationError) as exc:
        calendar_services.seed_year_from_library(2150)
    assert "year" in exc.value.message_dict


def test_set_day_refuses_a_date_outside_its_year(calendar):
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day(2026, D(2027, 1, 4), DayKind.MAKEUP, "调休上班")
    assert exc.value.message_dict == {"date": [OUTSIDE_YEAR]}
    assert not CalendarDay.objects.filter(date=D(2027, 1, 4), kind=DayKind.MAKEUP).exists()


def test_set_day_validates_kind_and_date(calendar):
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day(2026, D(2026, 3, 2), DayKind.MAKEUP)  # a Monday
    assert exc.value.message_dict["kind"] == ["调休工作日必须是周六或周日。"]
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day(2026, D(2026, 3, 7), DayKind.HOLIDAY)  # a Saturday
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day(2026, D(2026, 3, 2), "vacation")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day(2026, "2026-13-40", DayKind.HOLIDAY)
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        calendar_services.set_day("abc", D(2026, 3, 2), DayKind.HOLIDAY)
    assert "year" in exc.value.message_dict


def test_set_day_recounts_and_invalidates_the_cache(calendar):
    monday = D(2026, 3, 9)
    assert is_working_day(monday)
    assert add_working_days(at(2026, 3, 6), 1).due.date() == monday
    calendar_services.set_day(2026, monday, DayKind.HOLIDAY, "临时放假")
    assert not is_working_day(monday)
    assert add_working_days(at(2026, 3, 6), 1).due.date() == D(2026, 3, 10)
    assert CalendarYear.objects.get(year=2026).working_days == 247
    assert calendar_services.clear_day(2026, monday) is True
    assert is_working_day(monday)
    assert CalendarYear.objects.get(year=2026).working_days == 248


def test_rolled_back_write_does_not_leave_a_stale_calendar(calendar, django_assert_max_num_queries):
    monday = D(2026, 3, 9)
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_services.set_day(2026, monday, DayKind.HOLIDAY, "回滚")
        assert not is_working_day(monday)
        with django_assert_max_num_queries(0):  # read once, then trusted in this transaction
            assert not any(is_working_day(monday) for _ in range(200))
        raise RuntimeError
    assert is_working_day(monday)
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_services.set_day(2026, monday, DayKind.HOLIDAY, "回滚")
        assert not is_working_day(monday)
        raise RuntimeError
    with transaction.atomic():  # a new block at the same depth: re-read, not the rolled-back one
        assert is_working_day(monday)


def test_other_processes_see_changes_after_the_recheck_interval(calendar, settings):
    """A write that fires no signal here (as one made by another server) is picked up by the
    periodic database check."""
    monday = D(2026, 3, 2)
    assert is_working_day(monday)
    workdays._local.pending = False  # as in a process that has not written itself
    workdays._calendar().volatile = False
    settings.YINGSHANG_CALENDAR_RECHECK_SECONDS = 3600
    CalendarDay.objects.filter(date=D(2026, 2, 23)).update(date=monday)  # no signals
    assert not is_working_day(D(2026, 2, 23))  # stale within the interval
    settings.YINGSHANG_CALENDAR_RECHECK_SECONDS = 0
    assert not is_working_day(monday) and is_working_day(D(2026, 2, 23))


def test_confirm_year(calendar, django_user_model):
    with pytest.raises(ValidationError) as exc:
        calendar_services.confirm_year(2031)
    assert "year" in exc.value.message_dict
    calendar_services.set_day(2031, D(2031, 1, 4), DayKind.MAKEUP, "调休上班")  # a Saturday
    with pytest.raises(ValidationError) as exc:
        calendar_services.confirm_year(2031)  # no holiday entered: refused
    assert "status" in exc.value.message_dict
    clerk = django_user_model.objects.create_user("nobody", password="x")
    with pytest.raises(PermissionDenied):
        calendar_services.confirm_year(2027, clerk)
    boss = django_user_model.objects.create_superuser("boss", password="x")
    assert calendar_services.confirm_year(2027, boss) is True
    assert calendar_services.confirm_year(2027, boss) is False
    entry = AuditEntry.objects.filter(object_type="workdays.CalendarYear", action="update").latest(
        "pk"
    )
    assert entry.actor_name == "boss" and entry.changes["after"]["status"] == "confirmed"


# ----------------------------------------------------------------------- admin, page, command


def _inline_post(year_row, days, **year_fields):
    data = {
        "year": year_row.year if year_row else year_fields.pop("year"),
        "status": year_fields.pop("status", CalendarStatus.PROVISIONAL),
        "source": "",
        "note": "",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (date, kind, name) in enumerate(days):
        data.update({f"days-{i}-date": date, f"days-{i}-kind": kind, f"days-{i}-name": name})
    return data


def test_admin_refuses_a_day_outside_the_year(calendar, admin_client):
    row = calendar[2026]
    url = reverse("admin:workdays_calendaryear_change", args=[row.pk])
    data = _inline_post(row, [("2027-01-04", DayKind.MAKEUP, "调休上班")], status="confirmed")
    data["days-INITIAL_FORMS"] = "0"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert OUTSIDE_YEAR in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 1, 4)).exists()
    # Also when the year itself is new (it has no primary key while the inline is validated).
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_add"),
        _inline_post(None, [("2030-05-01", DayKind.HOLIDAY, "劳动节")], year=2031),
    )
    assert response.status_code == 200
    assert "日期 2030-05-01 不在 2031 年内。" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_admin_adds_a_year_with_days_and_counts_them(no_calendar, admin_client):
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_add"),
        _inline_post(
            None,
            [("2031-01-01", DayKind.HOLIDAY, "元旦"), ("2031-01-04", DayKind.MAKEUP, "调休")],
            year=2031,
        ),
    )
    assert response.status_code == 302
    row = CalendarYear.objects.get(year=2031)
    assert row.days.count() == 2
    assert row.working_days == workdays.working_days_in_year(2031) == 261
    created = AuditEntry.objects.filter(object_type="workdays.CalendarDay", action="create")
    assert created.filter(object_repr__startswith="2031-").count() == 2


def test_admin_list_flags_provisional_years_and_actions(calendar, admin_client):
    url = reverse("admin:workdays_calendaryear_changelist")
    page = admin_client.get(url).content.decode()
    assert page.count("⚠") == 1 and "暂定" in page  # 2027 only
    assert "248" in page and "261" not in page
    only_2027 = admin_client.get(url, {"year": 2027}).content.decode()  # the page's admin link
    assert "⚠" in only_2027 and ">2026<" not in only_2027
    form = admin_client.get(reverse("admin:workdays_calendaryear_change", args=[calendar[2027].pk]))
    assert "尚未确认" in form.content.decode()
    response = admin_client.post(
        url, {"action": "confirm_arrangement", "_selected_action": [calendar[2027].pk]}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).status == CalendarStatus.CONFIRMED
    calendar_services.set_day(2026, D(2026, 3, 2), DayKind.HOLIDAY, "x")
    response = admin_client.post(
        url,
        {"action": "reseed_from_library", "_selected_action": [calendar[2026].pk]},
        follow=True,
    )
    assert "已确认" in response.content.decode()  # conflict reported, nothing changed
    assert CalendarDay.objects.filter(date=D(2026, 3, 2)).exists()


def test_calendar_page(calendar, admin_client):
    url = reverse("workdays:calendar")
    page = admin_client.get(url, {"year": 2026}).content.decode()
    assert 'id="cal-confirmed"' in page and 'id="cal-provisional"' not in page
    assert '<span class="cal-day makeup" data-date="2026-02-14" data-working="1"' in page
    assert 'data-date="2026-10-01" data-working="0"' in page
    assert 'id="cal-working-days">248<' in page
    assert "?year=2025" in page and "?year=2027" in page
    page = admin_client.get(url, {"year": 2027}).content.decode()
    assert 'id="cal-provisional"' in page
    page = admin_client.get(url, {"year": 2035}).content.decode()
    assert 'id="cal-provisional"' in page and "周一至周五" in page
    page = admin_client.get(url, {"year": 3000}).content.decode()
    assert 'id="cal-unsupported"' in page


def test_year_overview(calendar):
    overview = workdays.year_overview(2026)
    assert overview["provisional"] is False and overview["working_days"] == 248
    assert overview["rest_days"] == 117 and len(overview["months"]) == 12
    assert len(overview["makeup_days"]) == 6 and len(overview["holidays"]) == 19
    feb = {c["date"]: c for w in overview["months"][1]["weeks"] for c in w if c}
    assert feb[D(2026, 2, 14)]["kind"] == "makeup" and feb[D(2026, 2, 17)]["name"] == "春节"
    unknown = workdays.year_overview(2040)
    assert unknown["provisional"] is True and unknown["known"] is False
    assert unknown["working_days"] == 261


def test_command_seed_show_confirm(no_calendar):
    out = io.StringIO()
    call_command("calendar", "seed", "--years", "2026-2027", "--confirm", stdout=out)
    assert "2026: created" in out.getvalue() and "2027: created" in out.getvalue()
    out = io.StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    text = out.getvalue()
    assert "working days: 248" in text and "<14>" in text and "2026-02-14 Sat" in text
    out = io.StringIO()
    call_command("calendar", "confirm", "2027", stdout=out)
    assert "2027: confirmed" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("calendar", "seed", "--years", "2027-2020")
    with pytest.raises(CommandError, match="没有 2040 年"):
        call_command("calendar", "confirm", "2040")
