"""The reforms step (400) for different days: the programme is issued about eleven and a half
months before the day, every report and review happens on or before it, the same day and seed
give the same history (loaded in a savepoint, rolled back, loaded again), and the step records
the programme and its tasks in the tally."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from yingshang.demo import reforms as demo
from yingshang.demo.framework import Tally
from yingshang.reforms.models import Programme, Task

pytestmark = pytest.mark.django_db


def _history(as_of: str, seed: int = 2019):
    """(issue date, tally, [(task number, progress, status, report days)]) of one load, undone."""
    with transaction.atomic():
        tally = Tally()
        demo.load_reforms({"reforms_as_of": as_of, "seed": seed}, tally, None)
        programme = Programme.objects.get(title=demo.TITLE)
        rows = []
        for task in Task.objects.filter(programme=programme).order_by("pk"):
            days = sorted(timezone.localtime(r.submitted_at).date() for r in task.reports.all())
            rows.append((task.number, float(task.progress), task.state, days))
        issue = programme.issue_date
        transaction.set_rollback(True)
    return issue, tally, rows


@pytest.mark.parametrize("as_of", ["2026-11-15"])
def test_the_history_ends_on_the_day(mianyang, as_of):
    day = datetime.date.fromisoformat(as_of)
    issue, tally, rows = _history(as_of)
    assert issue == demo.issue_date_for(day)
    assert tally.counts["reform programmes"]["created"] == 1
    assert tally.counts["reform tasks"]["created"] == len(rows) > 0
    reported = [d for *_r, days in rows for d in days]
    assert reported, "a year of history has reports"
    assert all(issue <= d <= day for d in reported)


def test_the_same_day_gives_the_same_history(mianyang):
    first = _history("2026-06-30")
    assert _history("2026-06-30")[2] == first[2]
    later = _history("2026-09-30")
    assert later[0] > first[0]  # a later day, a later programme
