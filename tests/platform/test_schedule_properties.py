"""Properties of the scheduler's slots (platform/jobs.py): a slot is never in the future, the
next slot is never in the past, a slot is its own slot, and it lands on the time the schedule
names; the text forms round-trip; the platform's own jobs do what they say."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from yingshang.platform.jobs import (
    WEEKDAYS,
    Job,
    JobRegistry,
    parse_schedule,
    prune_scheduler_history,
)
from yingshang.platform.models import ScheduledRun

SH = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
moments = st.datetimes(
    min_value=datetime.datetime(2001, 1, 1), max_value=datetime.datetime(2099, 12, 31)
).map(lambda d: d.replace(tzinfo=UTC))
clock = st.tuples(st.integers(0, 23), st.integers(0, 59))
intervals = st.sampled_from([1, 2, 5, 10, 15, 20, 30, 60, 90, 120, 180, 240, 360, 480, 720, 1440])


def _spec(kind, hh, mm, extra):
    at = f"at {hh}:{mm:02d}"
    if kind == "daily":
        return f"daily {at}"
    if kind == "weekly":
        return f"{WEEKDAYS[extra % 7]} {at}"
    return f"monthly on {extra % 28 + 1} {at}"


schedules = st.builds(
    lambda kind, hm, extra: parse_schedule(_spec(kind, *hm, extra)),
    st.sampled_from(["daily", "weekly", "monthly"]),
    clock,
    st.integers(0, 100),
) | intervals.map(lambda m: parse_schedule(datetime.timedelta(minutes=m)))

LONGEST = {
    "interval": None,
    "daily": datetime.timedelta(days=1),
    "weekly": datetime.timedelta(days=7),
    "monthly": datetime.timedelta(days=31),
}


@given(schedules, moments)
def test_the_slot_is_the_latest_start_not_after_now(schedule, now):
    slot = schedule.slot(now)
    assert slot <= now
    assert now - slot < (LONGEST[schedule.kind] or schedule.every)
    assert schedule.slot(slot) == slot  # a slot is its own slot


@given(schedules, moments)
def test_a_moment_just_before_the_slot_belongs_to_the_previous_one(schedule, now):
    slot = schedule.slot(now)
    previous = schedule.slot(slot - datetime.timedelta(seconds=1))
    assert previous < slot
    assert schedule.slot(previous) == previous


@given(clock, st.integers(0, 6), st.integers(1, 28), moments)
def test_slots_land_where_the_schedule_says(hm, weekday, day, now):
    hh, mm = hm
    daily = parse_schedule(f"daily at {hh}:{mm:02d}").slot(now).astimezone(SH)
    weekly = parse_schedule(f"{WEEKDAYS[weekday]} at {hh}:{mm:02d}").slot(now).astimezone(SH)
    monthly = parse_schedule(f"monthly on {day} at {hh}:{mm:02d}").slot(now).astimezone(SH)
    for slot in (daily, weekly, monthly):
        assert (slot.hour, slot.minute, slot.second, slot.microsecond) == (hh, mm, 0, 0)
    assert weekly.weekday() == weekday
    assert monthly.day == day


@given(intervals, moments)
def test_interval_slots_are_aligned_to_shanghai_midnight(minutes, now):
    every = datetime.timedelta(minutes=minutes)
    local = parse_schedule(every).slot(now).astimezone(SH)
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    assert since_midnight % every == datetime.timedelta(0)


@given(schedules)
def test_the_text_form_round_trips(schedule):
    if schedule.kind != "interval":
        assert parse_schedule(str(schedule)) == schedule
    else:
        assert str(schedule) == f"every {schedule.every}"


def test_spacing_and_case_do_not_matter():
    assert parse_schedule("  Monthly   ON 3 at 7:05 ") == parse_schedule("monthly on 3 at 07:05")
    assert parse_schedule("SUNDAY at 23:59").weekday == 6


@pytest.mark.parametrize(
    "spec, message",
    [
        ("daily at 24:00", "unknown schedule"),
        ("daily at 12:60", "unknown schedule"),
        ("monthly on 29 at 01:00", "day 1…28"),
        ("monthly on 0 at 01:00", "day 1…28"),
        (datetime.timedelta(seconds=30), "at most once a minute"),
        (datetime.timedelta(hours=7), "divide one day"),
        (datetime.timedelta(days=2), "divide one day"),
        (15, "unknown schedule 15"),
        ("hourly", "unknown schedule"),
    ],
)
def test_refused_schedules_say_why(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_schedule(spec)


def second_job():
    return 2


def first_job():
    return 1


def test_registry_lists_jobs_by_name_and_describes_them():
    registry = JobRegistry()  # a private registry: the project's jobs stay as they are
    registry.add("b.second", second_job, every="daily at 01:00")
    registry.add("a.first", first_job, every=datetime.timedelta(hours=6))
    assert [j.name for j in registry.jobs()] == ["a.first", "b.second"]
    assert str(registry.get("b.second")) == "b.second (daily at 01:00)"
    assert str(registry.get("a.first")) == "a.first (every 6:00:00)"
    assert isinstance(registry.get("a.first"), Job)
    with pytest.raises(KeyError):
        registry.get("c.third")


@pytest.mark.django_db
def test_prune_forgets_only_old_ledger_rows():
    now = timezone.now()
    old = ScheduledRun.objects.create(job="x", slot=now - datetime.timedelta(days=31))
    recent = ScheduledRun.objects.create(job="x", slot=now - datetime.timedelta(days=29))
    assert prune_scheduler_history.func(days=30) == 1
    assert list(ScheduledRun.objects.filter(pk__in=[old.pk, recent.pk])) == [recent]
    assert prune_scheduler_history.func(days=1) == 1
    assert not ScheduledRun.objects.filter(pk=recent.pk).exists()
