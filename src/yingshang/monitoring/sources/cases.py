"""Cases (办件) → facts. Passes (each one GROUP BY over the case table):

1. completed cases by completion day: completed, on time, fully online, 即办件, ≤ 1 visit,
   Σ working days used, Σ visits;
2. cases that went through 补正, by completion day (from the append-only ``CaseEvent`` log, via
   the (to_status, at) index) → ``cases_completed_without_correction`` = completed − corrected;
3. submitted cases by submission day;
4. overdue cases by due day (finished after the due instant, or open, running and past it);
5. Doing-Business topics: bundle parents (一件事) and single cases of the mapped items, by
   completion day: interactions, calendar days, fees, paid-in minimum capital (0).

Bundle parents carry no item and are left out of the item-level counts (their sub-cases count).
"""

from __future__ import annotations

import datetime

from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from . import FactRow, Source, day_bounds, merge, model, tz

SUPPLEMENT = "supplement_requested"
DONE = ("completed", "delivered")
OPEN = ("submitted", "prechecking", "accepted", "supplement_requested", "in_process", "suspended")


class CasesSource(Source):
    name = "cases"

    def available(self) -> bool:
        return model("cases.Case") is not None and model("cases.CaseEvent") is not None

    # -- the item-level passes
    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        Case = model("cases.Case")
        CaseEvent = model("cases.CaseEvent")
        zone = tz()
        lo, hi = day_bounds(start, end)
        keys = ("day", "department__division_id", "department_id", "item_id")
        spec = {"division": "department__division_id"}
        out: dict = {}

        done = Case.objects.filter(
            item__isnull=False, status__in=DONE, completed_at__gte=lo, completed_at__lt=hi
        )
        merge(
            done.annotate(day=TruncDate("completed_at", tzinfo=zone))
            .values(*keys)
            .annotate(
                cases_completed=Count("id"),
                cases_completed_on_time=Count("id", filter=Q(final_sla_state="on_time")),
                cases_fully_online=Count("id", filter=~Q(channel="window") & Q(visits=0)),
                cases_instant=Count("id", filter=Q(version__kind="immediate")),
                cases_at_most_one_visit=Count("id", filter=Q(visits__lte=1)),
                handling_working_days__sum=Sum("working_days_used"),
                handling_working_days__n=Count("working_days_used"),
                on_site_visits__sum=Sum("visits"),
                on_site_visits__n=Count("id"),
            )
            .order_by(),
            into=out,
            **spec,
        )
        corrected = (
            CaseEvent.objects.filter(
                to_status=SUPPLEMENT,
                case__item__isnull=False,
                case__status__in=DONE,
                case__completed_at__gte=lo,
                case__completed_at__lt=hi,
            )
            .annotate(day=TruncDate("case__completed_at", tzinfo=zone))
            .values("day", "case__department__division_id", "case__department_id", "case__item_id")
            .annotate(cases_corrected=Count("case_id", distinct=True))
            .order_by()
        )
        merge(
            corrected,
            division="case__department__division_id",
            department="case__department_id",
            item="case__item_id",
            into=out,
        )
        merge(
            Case.objects.filter(item__isnull=False, submitted_at__gte=lo, submitted_at__lt=hi)
            .annotate(day=TruncDate("submitted_at", tzinfo=zone))
            .values(*keys)
            .annotate(cases_total=Count("id"))
            .order_by(),
            into=out,
            **spec,
        )
        now = timezone.now()
        merge(
            Case.objects.filter(item__isnull=False, due_at__gte=lo, due_at__lt=hi)
            .filter(
                Q(completed_at__gt=F("due_at"))
                | Q(status__in=OPEN, paused_since__isnull=True, due_at__lt=now)
            )
            .annotate(day=TruncDate("due_at", tzinfo=zone))
            .values(*keys)
            .annotate(cases_overdue=Count("id"))
            .order_by(),
            into=out,
            **spec,
        )
        for fact in out.values():
            data = fact.data
            if "cases_completed" in data or "cases_corrected" in data:
                data["cases_completed_without_correction"] = data.get(
                    "cases_completed", 0.0
                ) - data.pop("cases_corrected", 0.0)
        self._topics(start, end, defs, out)
        return list(out.values())

    # -- Doing-Business topics from bundles / mapped items
    def _topics(self, start, end, defs, out) -> None:
        Case = model("cases.Case")
        CaseEvent = model("cases.CaseEvent")
        CaseVisit = model("cases.CaseVisit")
        zone = tz()
        lo, hi = day_bounds(start, end)
        for topic, conf in (defs.mapping or {}).items():
            bundles, codes = conf.get("bundle_keys") or [], conf.get("item_codes") or []
            if not bundles and not codes:
                continue
            base = Case.objects.filter(
                parent__isnull=True, status__in=DONE, completed_at__gte=lo, completed_at__lt=hi
            )
            selections = []
            if bundles:
                selections.append(base.filter(bundle__key__in=bundles, item__isnull=True))
            if codes:
                selections.append(base.filter(item__basic_code__in=codes, bundle__isnull=True))
            for qs in selections:
                events = (
                    CaseEvent.objects.filter(case=OuterRef("pk"), action__in=("submit", "resubmit"))
                    .exclude(channel="window")
                    .order_by()
                    .values("case")
                    .annotate(c=Count("id"))
                    .values("c")[:1]
                )
                child_visits = (
                    CaseVisit.objects.filter(case__parent=OuterRef("pk"))
                    .order_by()
                    .values("case__parent")
                    .annotate(c=Count("id"))
                    .values("c")[:1]
                )
                child_fees = (
                    Case.objects.filter(parent=OuterRef("pk"))
                    .order_by()
                    .values("parent")
                    .annotate(s=Sum("version__fee_amount"))
                    .values("s")[:1]
                )
                dec = DecimalField(max_digits=14, decimal_places=2)
                rows = (
                    qs.annotate(
                        day=TruncDate("completed_at", tzinfo=zone),
                        ev=Coalesce(Subquery(events, output_field=IntegerField()), Value(0)),
                        cv=Coalesce(Subquery(child_visits, output_field=IntegerField()), Value(0)),
                        fee=Coalesce(
                            Subquery(child_fees, output_field=dec),
                            F("version__fee_amount"),
                            Value(0, output_field=dec),
                            output_field=dec,
                        ),
                        span=ExpressionWrapper(
                            F("completed_at") - F("submitted_at"), output_field=DurationField()
                        ),
                    )
                    .values("day", "department__division_id", "department_id")
                    .annotate(
                        **{
                            f"{topic}:interactions__sum": Sum(F("ev") + F("cv") + F("visits")),
                            f"{topic}:interactions__n": Count("id"),
                            f"{topic}:calendar_days__sum": Sum("span"),
                            f"{topic}:calendar_days__n": Count("id"),
                            f"{topic}:fee__sum": Sum("fee"),
                            f"{topic}:fee__n": Count("id"),
                        }
                    )
                    .order_by()
                )
                merge(rows, division="department__division_id", item=None, into=out)
