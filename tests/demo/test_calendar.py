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
