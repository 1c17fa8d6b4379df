"""Reform tasks (督查督办) → facts.

- by deadline day (tasks with a dated deadline): ``tasks_due`` and ``tasks_completed_on_time``
  (completed on or before the deadline);
- snapshot at the end of a day: ``tasks_lagging`` = open tasks past their deadline (not
  completed by that day), plus, for the current day, tasks the reforms app flags as lagging
  behind their milestones (``state = lagging``).

A task counts for each of its lead units (牵头单位); division = the programme's division.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q

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
        rows = (
            Task.objects.filter(deadline_kind="date", deadline__gte=start, deadline__lte=end)
            .values("deadline", "programme__division_id", "lead_units")
            .annotate(
                tasks_due=Count("id", distinct=True),
                tasks_completed_on_time=Count(
                    "id", distinct=True, filter=Q(completed_on__lte=F("deadline"))
                ),
            )
            .order_by()
        )
        return list(
            merge(
                rows,
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
        rows = (
            Task.objects.filter(start_date__lte=as_of)
            .values("programme__division_id", "lead_units")
            .annotate(
                tasks_open=Count(
                    "id",
                    distinct=True,
                    filter=Q(completed_on__isnull=True) | Q(completed_on__gt=as_of),
                ),
                tasks_lagging=Count("id", distinct=True, filter=lagging),
            )
            .order_by()
        )
        return [
            FactRow(
                as_of,
                r["programme__division_id"],
                r["lead_units"],
                None,
                {"tasks_open": float(r["tasks_open"]), "tasks_lagging": float(r["tasks_lagging"])},
            )
            for r in rows
        ]
