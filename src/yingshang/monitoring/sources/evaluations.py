"""好差评 → facts by evaluation day, department and division (one GROUP BY): evaluations (voided
ones — 申诉成立 — left out), good (基本满意 and better), bad (差评), bad ones rectified within the
limit (rectification closed no later than its due instant)."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from . import FactRow, Source, day_bounds, merge, model, tz

GOOD_MIN_LEVEL = 3
BAD_MAX_LEVEL = 2


class EvaluationsSource(Source):
    name = "evaluations"

    def available(self) -> bool:
        return model("evaluations.Evaluation") is not None

    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        Evaluation = model("evaluations.Evaluation")
        lo, hi = day_bounds(start, end)
        rect_ok = Q(rectification__status="closed") & (
            Q(rectification__due_at__isnull=True)
            | Q(rectification__closed_at__lte=F("rectification__due_at"))
        )
        rows = (
            Evaluation.objects.filter(voided=False, created_at__gte=lo, created_at__lt=hi)
            .annotate(day=TruncDate("created_at", tzinfo=tz()))
            .values("day", "division_id", "department_id")
            .annotate(
                evaluations_total=Count("id"),
                evaluations_good=Count("id", filter=Q(level__gte=GOOD_MIN_LEVEL)),
                evaluations_bad=Count("id", filter=Q(level__lte=BAD_MAX_LEVEL)),
                evaluations_bad_rectified=Count("id", filter=Q(level__lte=BAD_MAX_LEVEL) & rect_ok),
            )
            .order_by()
        )
        return list(merge(rows, item=None).values())
