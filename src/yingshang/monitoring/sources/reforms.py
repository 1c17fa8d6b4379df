"""Reform tasks (督查督办) → facts.

- by deadline day (tasks with a dated deadline): ``tasks_due`` and ``tasks_completed_on_time``
  (completed on or before the deadline);
- snapshot at the end of a day: ``tasks_lagging`` = open tasks past their deadline (not
  completed by that day), plus, for the current day, tasks the reforms app flags as lagging
  behind their milestones (``state = lagging``).

A task counts for each of its lead units (牵头单位); division = the programme's division. A task
of n > 1 lead units also gets a correction row without a department (−(n − 1) of each of its
counts), so that the county and city totals, which sum every row, count it once.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, Count, F, IntegerField, Q, When

from . import FactRow, Source, merge, model


class ReformsSource(Source):
    name = "reforms"
    snapshot_counts = frozenset({"tasks_lagging"})

    def available(self) -> bool:
        return model("reforms.Task") is not None

    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        Task = model("reforms.Task")
        due = Task.objects.filter(deadline_kind="date", deadline__gte=start, deadline__lte=end)
        rows = (
            due.values("deadline", "programme__division_id", "lead_units")
            .annotate(
                tasks_due=Count("id", distinct=True),
                tasks_completed_on_time=Count(
                    "id", distinct=True, filter=Q(completed_on__lte=F("deadline"))
                ),
            )
            .order_by()
        )
        on_time = Q(completed_on__lte=F("deadline"))
        shared = _shared(due, tasks_due=Q(pk__isnull=False), tasks_completed_on_time=on_time)
        return list(
            merge(
                [*rows, *shared],
                day="deadline",
                division="programme__division_id",
                department="lead_units",
                item=None,
            ).values()
        )

    def snapshot(self, as_of: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        from django.utils import timezone

        Task = model("reforms.Task")
        lagging = Q(deadline_kind="date", deadline__lt=as_of) & (
            Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)
        )
        if as_of >= timezone.localdate() - datetime.timedelta(days=1):
            lagging |= Q(state="lagging", closed_at__isnull=True, completed_on__isnull=True)
        open_ = Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)
        started = Task.objects.filter(start_date__lte=as_of)
        rows = (
            started.values("programme__division_id", "lead_units")
            .annotate(
                tasks_open=Count("id", distinct=True, filter=open_),
                tasks_lagging=Count("id", distinct=True, filter=lagging),
            )
            .order_by()
        )
        shared = _shared(started, day=as_of, tasks_open=open_, tasks_lagging=lagging)
        facts = merge(
            [*({"deadline": as_of, **r} for r in rows), *shared],
            day="deadline",
            division="programme__division_id",
            department="lead_units",
            item=None,
        )
        return list(facts.values())


def _shared(tasks, day: datetime.date | None = None, **counts: Q) -> list[dict]:
    """Correction rows (``lead_units`` None) for the tasks of several lead units among
    ``tasks``: −(n − 1) for each count whose condition the task meets, on ``day`` (default:
    the task's deadline)."""
    flags = {
        name: Case(When(q, then=1), default=0, output_field=IntegerField())
        for name, q in counts.items()
    }
    rows = (
        tasks.annotate(
            leads=Count("lead_units", distinct=True), **{f"_{k}": v for k, v in flags.items()}
        )
        .filter(leads__gt=1)
        .values("deadline", "programme__division_id", "leads", *(f"_{k}" for k in counts))
    )
    return [
        {
            "deadline": day or r["deadline"],
            "programme__division_id": r["programme__division_id"],
            "lead_units": None,
            **{k: -(r["leads"] - 1) * r[f"_{k}"] for k in counts},
        }
        for r in rows
    ]
