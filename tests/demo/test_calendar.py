"""The demo's calendar step (yingshang.demo.core): 2019 … next year, confirmed where the
holidays library carries the State Council's arrangement; a rerun changes nothing."""

import pytest

from yingshang.demo import core as demo_core
from yingshang.demo.framework import Tally
from yingshang.workdays import calendar as workdays
from yingshang.workdays import services as calendar_services
from yingshang.workdays.models import CalendarStatus, CalendarYear


@pytest.fixture
def no_calendar(db):
    """Start from an empty calendar: the test database is preloaded with the demo's years."""
    CalendarYear.objects.all().delete()
    workdays.invalidate_cache()


def test_demo_step_is_idempotent(no_calendar):
    tally = Tally()
    demo_core.demo_seed_calendar({"quiet": True}, tally, None)
    years = list(demo_core.demo_years())
    assert tally.counts["calendar years"]["created"] == len(years)
    confirmed = set(
        CalendarYear.objects.filter(status=CalendarStatus.CONFIRMED).values_list("year", flat=True)
    )
    assert {2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026} <= confirmed
    assert confirmed == {y for y in years if calendar_services.library_has_arrangement(y)}
    assert CalendarYear.objects.get(year=years[-1]).status == CalendarStatus.PROVISIONAL
    again = Tally()
    demo_core.demo_seed_calendar({"quiet": True}, again, None)
    assert again.counts["calendar years"] == {"created": 0, "updated": 0, "unchanged": len(years)}


def test_demo_step_brings_a_hand_edited_provisional_year_back_and_says_what_it_did(db):
    """Next year stays provisional; a day entered by hand there (and a renamed library day) is
    put back in line with the library by a rerun, and the report counts each change — the
    deleted day too, which the tally used to leave out."""
    import datetime

    from yingshang.workdays.models import CalendarDay, DayKind

    year = demo_core.demo_years()[-1]
    assert not calendar_services.library_has_arrangement(year)
    row = CalendarYear.objects.get(year=year)
    assert row.status == CalendarStatus.PROVISIONAL
    monday = next(
        datetime.date(year, 3, d) for d in range(1, 8) if datetime.date(year, 3, d).weekday() == 0
    )
    calendar_services.set_day(year, monday, DayKind.HOLIDAY, "手工录入")
    renamed = CalendarDay.objects.filter(year=row).exclude(date=monday).first()
    library_name = renamed.name
    CalendarDay.objects.filter(pk=renamed.pk).update(name="改名")
    tally = Tally()
    demo_core.demo_seed_calendar({"quiet": True}, tally, None)
    assert tally.counts["calendar years"]["updated"] == 1
    assert tally.counts["calendar days"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
        "deleted": 1,
    }
    assert not CalendarDay.objects.filter(date=monday).exists()
    assert workdays.is_working_day(monday)
    assert CalendarDay.objects.get(pk=renamed.pk).name == library_name
    again = Tally()
    demo_core.demo_seed_calendar({"quiet": True}, again, None)
    assert again.counts["calendar days"] == {"created": 0, "updated": 0, "unchanged": 0}


def test_the_command_reports_and_audits_the_calendar_repair(db):
    import datetime
    from io import StringIO

    from django.core.management import call_command

    from yingshang.platform.models import AuditEntry
    from yingshang.workdays.models import DayKind

    year = demo_core.demo_years()[-1]
    calendar_services.set_day(year, datetime.date(year, 3, 3), DayKind.HOLIDAY, "手工录入")
    out = StringIO()
    call_command("demo", "--quiet", "--only", "core", stdout=out)
    report = out.getvalue().split("演示数据已加载")[1].split("Demo logins")[0]
    line = next(row for row in report.splitlines() if row.strip().startswith("calendar days"))
    assert "deleted 1" in line and "created" not in line
    entry = AuditEntry.objects.filter(object_type="demo", object_repr="working-day calendar")
    assert entry.latest("pk").changes["after"]["calendar days"] == {"deleted": 1}
