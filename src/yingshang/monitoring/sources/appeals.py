"""Enterprise appeals (企业诉求) → facts, one GROUP BY per date they are counted on:

- by submission day: appeals, repeats (``repeat_of`` set), assigned (signed, or past the sign
  limit) and signed in time (``signed_at ≤ sign_due``);
- by closing day: closed, closed on time (replied before the — possibly extended — due
  instant), confirmed (the enterprise said whether it was resolved) and resolved;
- by rating day: the appeals' 好差评 ratings (回访满意度, voided ones left out) — rated and
  satisfied (基本满意 and better, the same line as 好评 in the evaluations source).

Division: the appeal's division (the city until dispatch, then the lead department's);
department: the lead department.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from . import FactRow, Source, day_bounds, merge, model, tz


class AppealsSource(Source):
    name = "appeals"

    def available(self) -> bool:
        return model("appeals.Appeal") is not None

    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        Appeal = model("appeals.Appeal")
        zone = tz()
        lo, hi = day_bounds(start, end)
        now = timezone.now()
        keys = ("day", "division_id", "lead_department_id")
        out: dict = {}
        merge(
            Appeal.objects.filter(submitted_at__gte=lo, submitted_at__lt=hi)
            .annotate(day=TruncDate("submitted_at", tzinfo=zone))
            .values(*keys)
            .annotate(
                appeals_total=Count("id"),
                appeals_repeated=Count("id", filter=Q(repeat_of__isnull=False)),
                appeals_assigned=Count(
                    "id", filter=Q(signed_at__isnull=False) | Q(sign_due__lt=now)
                ),
                appeals_signed_in_time=Count("id", filter=Q(signed_at__lte=F("sign_due"))),
            )
            .order_by(),
            department="lead_department_id",
            item=None,
            into=out,
        )
        merge(
            Appeal.objects.filter(status="closed", closed_at__gte=lo, closed_at__lt=hi)
            .annotate(day=TruncDate("closed_at", tzinfo=zone))
            .values(*keys)
            .annotate(
                appeals_closed=Count("id"),
                appeals_closed_on_time=Count(
                    "id", filter=Q(due_at__isnull=True) | Q(replied_at__lte=F("due_at"))
                ),
                appeals_confirmed=Count("id", filter=Q(resolved__isnull=False)),
                appeals_resolved=Count("id", filter=Q(resolved=True)),
            )
            .order_by(),
            department="lead_department_id",
            item=None,
            into=out,
        )
        self._ratings(start, end, out)
        return list(out.values())

    def _ratings(self, start, end, out) -> None:
        Evaluation = model("evaluations.Evaluation")
        if Evaluation is None:
            return
        from django.contrib.contenttypes.models import ContentType

        from .evaluations import GOOD_MIN_LEVEL

        lo, hi = day_bounds(start, end)
        ct = ContentType.objects.get_for_model(model("appeals.Appeal"))
        merge(
            Evaluation.objects.filter(
                content_type=ct, voided=False, created_at__gte=lo, created_at__lt=hi
            )
            .annotate(day=TruncDate("created_at", tzinfo=tz()))
            .values("day", "division_id", "department_id")
            .annotate(
                appeals_rated=Count("id"),
                appeals_satisfied=Count("id", filter=Q(level__gte=GOOD_MIN_LEVEL)),
            )
            .order_by(),
            item=None,
            into=out,
        )
