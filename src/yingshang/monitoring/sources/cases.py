"""Cases (办件) → facts. Passes (each one GROUP BY over the case table):

1. completed cases by completion day: completed, on time, fully online, 即办件, ≤ 1 visit,
   Σ working days used, Σ visits;
2. cases that went through 补正, by completion day (from the append-only ``CaseEvent`` log, via
   the partial 补正 index ``caseevent_supplement_at``) → ``cases_completed_without_correction`` = completed − corrected;
3. submitted cases by submission day, in all and by channel (微信公众号 ``wechat``, 网上大厅/PC
   ``online``, 综合窗口 ``window``, 系统接口 ``api``; "online" in the wide sense = every channel
   but the window);
4. 补正 answers (``resubmit`` events) by the day they came, in all and from the phone (WeChat);
5. overdue cases by due day (finished after the due instant, or open, running and past it);
6. Doing-Business topics: bundle parents (一件事) and single cases of the mapped items, by
   completion day: interactions, calendar days, fees, paid-in minimum capital (0).

Bundle parents carry no item and are left out of the item-level counts (their sub-cases count).
"""

from __future__ import annotations

import datetime
import re

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
# submitted cases by channel (cases.models.Channel): fact name → channel codes
CHANNEL_COUNTS = {
    "cases_submitted_wechat": ("wechat",),
    "cases_submitted_pc": ("online",),
    "cases_submitted_window": ("window",),
    "cases_submitted_api": ("api",),
    "cases_submitted_online": ("online", "wechat", "api"),
}
# 补正 answers by channel: fact name → channel codes (the phone = the official account)
ANSWER_COUNTS = {"supplements_answered_wechat": ("wechat",)}
OPEN = (
    "submitted",
    "prechecking",
    "accepted",
    "supplement_requested",
    "in_process",
    "pending_approval",
    "suspended",
)

SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


SHORT_RANGE_DAYS = 7  # below: 补正 looked up per completed case, not hashed over all events


def _literal(values: tuple[str, ...]) -> str:
    """SQL list of the constant status codes above (identifiers, never user input)."""
    assert all(v.isidentifier() for v in values)
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class CasesSource(Source):
    name = "cases"

    def available(self) -> bool:
        return model("cases.Case") is not None and model("cases.CaseEvent") is not None

    # -- the item-level passes
    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        from django.db import connection

        if connection.vendor != "postgresql":
            out = self._facts_orm(start, end)
            topics: dict = {}
            self._topics(start, end, defs, topics)
        else:
            out, topics = self._facts_pg(start, end, defs)
        self._supplement_answers(start, end, out)
        for key, fact in topics.items():
            if key in out:
                for name, value in fact.data.items():
                    out[key].data[name] = out[key].data.get(name, 0.0) + value
            else:
                out[key] = fact
        for fact in out.values():
            data = fact.data
            if "cases_completed" in data or "cases_corrected" in data:
                data["cases_completed_without_correction"] = data.get(
                    "cases_completed", 0.0
                ) - data.pop("cases_corrected", 0.0)
        return list(out.values())

    def _facts_pg(self, start: datetime.date, end: datetime.date, defs) -> tuple[dict, dict]:
        """The item-level passes as three plain GROUP BYs over the case table, each bounded by
        the instants of [start, end] on its own indexed column (completed_at, submitted_at,
        due_at), so the daily run reads one day by index and a full run scans once per pass.
        No joins: the division comes from the department (a small dict), 即办件 from the ids of
        the item versions of that kind, 补正 from an EXISTS on the event log (hashed over all
        补正 events for a long range, probed per case through (case, at) for a short one). Day
        = local date of the instant, by a fixed offset when the zone has no change in the range
        (see ``pg_local_day``).

        Outside a transaction (the daily job, the command, the benchmark) the passes and the
        DB-topic pass run at the same time on their own connections, so both cores work; in
        a transaction (tests) they run one after the other on its connection, which alone
        sees its uncommitted rows. Returns (item-level facts, DB-topic facts)."""
        from collections import defaultdict

        from django.db import connection, transaction

        from . import pg_local_day

        Case = model("cases.Case")
        CaseEvent = model("cases.CaseEvent")
        Department = model("core.Department")
        Version = model("catalog.ServiceItemVersion")
        lo, hi = day_bounds(start, end)
        case_t, event_t = Case._meta.db_table, CaseEvent._meta.db_table
        division = dict(Department.objects.values_list("id", "division_id"))
        instant = list(Version.objects.filter(kind="immediate").values_list("id", flat=True))
        now = timezone.now()

        def run(column, aggregates, where, params, names, join=""):
            day, day_params = pg_local_day(f"c.{column}", start, end)
            sql = (
                f"SELECT {day} AS day, c.department_id, c.item_id, {aggregates} "
                f"FROM {case_t} c {join} WHERE c.item_id IS NOT NULL AND c.{column} >= %s "
                f"AND c.{column} < %s {where} GROUP BY 1, 2, 3"
            )
            with transaction.atomic(), connection.cursor() as cur:
                # one aggregate over up to millions of rows: a hash table with enough memory
                # (no spill, no sort of the rows instead), no JIT (compiling costs more than
                # it saves here)
                cur.execute("SET LOCAL work_mem = '256MB'")
                cur.execute("SET LOCAL hash_mem_multiplier = 8")
                cur.execute("SET LOCAL enable_sort = off")
                cur.execute("SET LOCAL jit = off")
                cur.execute(sql, [*day_params, *params[0], lo, hi, *params[1]])
                rows = cur.fetchall()
                if outer:  # SET LOCAL lasts to the end of the caller's transaction
                    cur.execute("RESET enable_sort")
            out: dict = {}
            for d, dept, item, *values in rows:
                key = (d, division.get(dept), dept, item)
                fact = out.get(key)
                if fact is None:
                    fact = out[key] = FactRow(d, key[1], dept, item, defaultdict(float))
                for name, value in zip(names, values, strict=True):
                    fact.data[name] += 0.0 if value is None else float(value)
            return out

        # 补正: for a long range one hash of all 补正 events (EXISTS, hashed by PostgreSQL);
        # for a short one (the daily run) a probe per completed case through the
        # (case, at) index, so that the run reads the events of that day's cases only
        if (end - start).days >= SHORT_RANGE_DAYS:
            corrected = (
                f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {event_t} e "
                "WHERE e.case_id = c.id AND e.to_status = %s))"
            )
            join, corrected_params, join_params = "", [SUPPLEMENT], []
        else:
            corrected = "count(*) FILTER (WHERE s.corrected)"
            join = (
                f"LEFT JOIN LATERAL (SELECT true AS corrected FROM {event_t} e "
                "WHERE e.case_id = c.id AND e.to_status = %s LIMIT 1) s ON true"
            )
            corrected_params, join_params = [], [SUPPLEMENT]

        def completed():
            out = run(
                "completed_at",
                "count(*), count(*) FILTER (WHERE c.final_sla_state = 'on_time'), "
                "count(*) FILTER (WHERE c.channel <> 'window' AND c.visits = 0), "
                "count(*) FILTER (WHERE c.version_id = ANY(%s::bigint[])), "
                "count(*) FILTER (WHERE c.visits <= 1), "
                "sum(c.working_days_used), count(c.working_days_used), sum(c.visits), " + corrected,
                f"AND c.status IN {_literal(DONE)}",
                ([instant, *corrected_params, *join_params], []),
                (
                    "cases_completed",
                    "cases_completed_on_time",
                    "cases_fully_online",
                    "cases_instant",
                    "cases_at_most_one_visit",
                    "handling_working_days__sum",
                    "handling_working_days__n",
                    "on_site_visits__sum",
                    "cases_corrected",
                ),
                join,
            )
            for fact in out.values():  # as the ORM pass: n of visits = completed cases
                fact.data["on_site_visits__n"] = fact.data["cases_completed"]
            return out

        def submitted():
            by_channel = ", ".join(
                f"count(*) FILTER (WHERE c.channel IN {_literal(codes)})"
                for codes in CHANNEL_COUNTS.values()
            )
            return run(
                "submitted_at",
                "count(*), " + by_channel,
                "",
                ([], []),
                ("cases_total", *CHANNEL_COUNTS),
            )

        def overdue():
            return run(
                "due_at",
                "count(*)",
                f"AND (c.completed_at > c.due_at OR (c.status IN {_literal(OPEN)} "
                "AND c.paused_since IS NULL AND c.due_at < %s))",
                ([], [now]),
                ("cases_overdue",),
            )

        def topics():
            out: dict = {}
            self._topics(start, end, defs, out)
            return out

        outer = connection.in_atomic_block
        passes = (completed, submitted, overdue, topics)
        if outer:
            results = [p() for p in passes]
        else:
            from concurrent.futures import ThreadPoolExecutor

            from django.db import connections

            # one snapshot for all passes: a connection exports it and holds it open, each
            # pass imports it, so no case committed meanwhile is counted by one pass only
            holder = connections.create_connection(connection.alias)
            try:
                holder.set_autocommit(False)
                with holder.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cur.execute("SELECT pg_export_snapshot()")
                    snapshot = cur.fetchone()[0]

                def on_own_connection(fn):
                    try:
                        with transaction.atomic(), connection.cursor() as cur:
                            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                            # a literal, not a parameter: a utility statement takes no bound
                            # parameter (PG_PREPARED=1 binds on the server); the id is the
                            # server's own ("00000003-0000001B-1"), checked all the same
                            if not SNAPSHOT_ID.fullmatch(snapshot):
                                raise ValueError(f"unexpected snapshot id {snapshot!r}")
                            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                            return fn()
                    finally:
                        connection.close()  # this thread's connection

                with ThreadPoolExecutor(max_workers=len(passes)) as pool:
                    results = list(pool.map(on_own_connection, passes))
            finally:
                holder.rollback()
                holder.close()
        out: dict = {}
        for part in results[:3]:
            for key, fact in part.items():
                if key in out:
                    out[key].data.update(fact.data)  # the passes fill different names
                else:
                    out[key] = fact
        return out, results[3]

    def _facts_orm(self, start: datetime.date, end: datetime.date) -> dict:
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
                to_state=SUPPLEMENT,
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
            .annotate(
                cases_total=Count("id"),
                **{
                    name: Count("id", filter=Q(channel__in=codes))
                    for name, codes in CHANNEL_COUNTS.items()
                },
            )
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
        return out

    def _supplement_answers(self, start: datetime.date, end: datetime.date, out: dict) -> None:
        """补正 answers (``resubmit`` events) by the day they came, in all and from the phone
        (channel ``wechat``: the portal inside the official account). Read through the partial
        index ``caseevent_resubmit_at``; item-level, as every pass (a bundle's answer counts on
        each sub-case it resumes)."""
        CaseEvent = model("cases.CaseEvent")
        lo, hi = day_bounds(start, end)
        rows = (
            CaseEvent.objects.filter(
                action="resubmit", at__gte=lo, at__lt=hi, case__item__isnull=False
            )
            .annotate(day=TruncDate("at", tzinfo=tz()))
            .values("day", "case__department__division_id", "case__department_id", "case__item_id")
            .annotate(
                supplements_answered=Count("id"),
                **{
                    name: Count("id", filter=Q(channel__in=codes))
                    for name, codes in ANSWER_COUNTS.items()
                },
            )
            .order_by()
        )
        merge(
            rows,
            division="case__department__division_id",
            department="case__department_id",
            item="case__item_id",
            into=out,
        )

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
