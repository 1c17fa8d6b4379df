"""Computation of the indicator time series (动态监测计算).

    recompute(start, end)            # facts for [start, end], then every period overlapping it
    recompute_yesterday()            # the daily job: yesterday's facts, open periods rolled up

1. *Facts*: each source adapter (``monitoring.sources``) aggregates its records for the days
   [start, end] in the database — one GROUP BY per pass, never a Python loop over records —
   into daily sums per (division, department, item). They are stored in ``Fact`` (replacing
   those days), so a later run can roll periods up without reading the records again.
2. *Roll-up*: for every period kind (day, week, month, quarter, year) and every period that
   overlaps [start, end], the daily facts are summed with numpy to the city, each county
   (division), each department and — for months, quarters and years — each service item.
   State-like figures (items in force, lagging tasks) come from the adapters' ``snapshot`` at
   min(period end, last computed day).
3. *Values*: the definitions' formulas turn the sums into values; ``None`` (无数据) whenever the
   denominator is 0 or the source has no record for the member — never 0. Doing-Business topics
   are scored with ``scoring`` and the composite index (``composite``) is stored as well.
4. *Write*: the periods' old values are deleted and the new ones inserted in one transaction
   (PostgreSQL: ``COPY``; elsewhere ``bulk_create``).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from . import scoring
from .definitions import load_definitions
from .models import Fact, IndicatorValue
from .periods import KINDS, overlapping, period_end, starts_array
from .sources import FactRow, registry

logger = logging.getLogger("yingshang.monitoring")

ITEM_KINDS = ("month", "quarter", "year")  # the item dimension is kept for these kinds only
COMPOSITE = "composite"
DIMENSIONS = ("city", "division", "department", "item")


@dataclass
class Summary:
    start: datetime.date
    end: datetime.date
    facts: int = 0
    values: int = 0
    seconds: dict = field(default_factory=dict)

    def __str__(self):
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
        return (
            f"{self.start} – {self.end}: {self.facts} daily facts, {self.values} values ({timing})"
        )


class Members:
    """Where each division, department and item sits: city / county ids and scoping paths."""

    def __init__(self):
        from yingshang.core.models import Department, Division

        self.path: dict[int, str] = {}
        code_id: dict[str, int] = {}
        for pk, code, path in Division.objects.values_list("id", "code", "path"):
            self.path[pk] = path
            code_id[code] = pk
        self.city: dict[int, int] = {}
        self.county: dict[int, int] = {}
        for pk, path in self.path.items():
            codes = path.strip("/").split("/")
            if len(codes) >= 2 and codes[1] in code_id:
                self.city[pk] = code_id[codes[1]]
            if len(codes) >= 3 and codes[2] in code_id:
                self.county[pk] = code_id[codes[2]]
        self.dept_division = dict(Department.objects.values_list("id", "division_id"))
        self.item_info: dict[int, tuple[int, int]] = {}
        try:
            from django.apps import apps

            ServiceItem = apps.get_model("catalog.ServiceItem")
            for pk, div, dept in ServiceItem.objects.values_list(
                "id", "division_id", "department_id"
            ):
                self.item_info[pk] = (div, dept)
        except LookupError:
            pass

    def scope(self, dim: str, member: int) -> tuple[str, int | None]:
        """(division_path, department id) stored with a value for scoping."""
        if dim in ("city", "division"):
            return self.path.get(member, ""), None
        if dim == "department":
            return self.path.get(self.dept_division.get(member), ""), member
        div, dept = self.item_info.get(member, (None, None))
        return self.path.get(div, ""), dept


# ------------------------------------------------------------------------------------ facts


def _store_facts(source: str, start, end, rows: list[FactRow]) -> None:
    Fact.objects.filter(source=source, day__gte=start, day__lte=end).delete()
    if connection.vendor == "postgresql" and rows:
        import json

        cols = "source, day, division_id, department_id, item_id, data"
        _copy_text(
            Fact._meta.db_table,
            cols,
            [
                (source, r.day, r.division_id, r.department_id, r.item_id, json.dumps(dict(r.data)))
                for r in rows
            ],
        )
        return
    objs = [
        Fact(
            source=source,
            day=r.day,
            division_id=r.division_id,
            department_id=r.department_id,
            item_id=r.item_id,
            data=dict(r.data),
        )
        for r in rows
    ]
    Fact.objects.bulk_create(objs, batch_size=5000)


def _load_facts(start, end, exclude: tuple | None) -> dict[str, list[FactRow]]:
    out = defaultdict(list)
    qs = Fact.objects.filter(day__gte=start, day__lte=end)
    if exclude:
        qs = qs.exclude(day__gte=exclude[0], day__lte=exclude[1])
    for src, day, div, dept, item, data in qs.values_list(
        "source", "day", "division_id", "department_id", "item_id", "data"
    ).iterator(chunk_size=10000):
        out[src].append(FactRow(day, div, dept, item, data))
    return out


# ---------------------------------------------------------------------------------- roll-up


class _Table:
    """Facts of one source as numpy columns."""

    def __init__(self, rows: list[FactRow], members: Members):
        names = sorted({k for r in rows for k in r.data})
        self.names = names
        index = {n: i for i, n in enumerate(names)}
        n = len(rows)
        self.values = np.zeros((n, len(names)))
        self.days = np.empty(n, dtype="datetime64[D]")
        self.ids = {d: np.full(n, -1, dtype=np.int64) for d in DIMENSIONS}
        for i, r in enumerate(rows):
            self.days[i] = r.day
            div = r.division_id
            if div is None and r.department_id is not None:
                div = members.dept_division.get(r.department_id)
            if div is None and r.item_id is not None:
                div = members.item_info.get(r.item_id, (None, None))[0]
            if div is not None:
                self.ids["city"][i] = members.city.get(div, -1)
                self.ids["division"][i] = members.county.get(div, -1)
            if r.department_id is not None:
                self.ids["department"][i] = r.department_id
            if r.item_id is not None:
                self.ids["item"][i] = r.item_id
            row = self.values[i]
            for k, v in r.data.items():
                row[index[k]] = v

    def rollup(self, kind: str, starts: set, out: dict, source: str) -> None:
        if not len(self.days):
            return
        pstart = starts_array(kind, self.days)
        keep = np.isin(pstart, np.array(sorted(starts), dtype="datetime64[D]"))
        for dim in DIMENSIONS:
            if dim == "item" and kind not in ITEM_KINDS:
                continue
            ids = self.ids[dim]
            mask = keep & (ids >= 0)
            if not mask.any():
                continue
            p = pstart[mask].astype("int64")
            m = ids[mask]
            keys = np.stack([p, m], axis=1)
            uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            sums = np.zeros((len(uniq), len(self.names)))
            np.add.at(sums, inverse, self.values[mask])
            for (pday, member), row in zip(uniq.tolist(), sums.tolist(), strict=True):
                start = datetime.date(1970, 1, 1) + datetime.timedelta(days=pday)
                bucket = out[(kind, start, dim, member)].setdefault(source, {})
                for name, v in zip(self.names, row, strict=True):
                    bucket[name] = bucket.get(name, 0.0) + v


def _rollup_snapshot(kind, start, rows: list[FactRow], members: Members, out, source) -> None:
    for r in rows:
        div = r.division_id
        if div is None and r.department_id is not None:
            div = members.dept_division.get(r.department_id)
        targets = []
        if div is not None:
            if div in members.city:
                targets.append(("city", members.city[div]))
            if div in members.county:
                targets.append(("division", members.county[div]))
        if r.department_id is not None:
            targets.append(("department", r.department_id))
        if r.item_id is not None and kind in ITEM_KINDS:
            targets.append(("item", r.item_id))
        for dim, member in targets:
            bucket = out[(kind, start, dim, member)].setdefault(source, {})
            for k, v in r.data.items():
                bucket[k] = bucket.get(k, 0.0) + v


# ----------------------------------------------------------------------------------- values


def evaluate(defs, sums: dict[str, dict[str, float]]) -> dict[str, tuple]:
    """{indicator: (value, numerator, denominator)} for one period and member. Only indicators
    whose source has records for the member appear; value None = no data."""
    out: dict[str, tuple] = {}
    income = defs.income_per_capita
    for key, ind in defs.indicators.items():
        data = sums.get(ind.source)
        if data is None:
            continue
        f = ind.formula
        kind = f["type"]
        if kind in ("ratio", "one_minus_ratio"):
            num, den = data.get(f["numerator"], 0.0), data.get(f["denominator"], 0.0)
            if den > 0:
                ratio = num / den
                value = 100.0 * (ratio if kind == "ratio" else 1.0 - ratio)
            else:
                value = None
            out[key] = (value, num, den)
        elif kind == "mean":
            s, n = data.get(f["measure"] + "__sum", 0.0), data.get(f["measure"] + "__n", 0.0)
            out[key] = (s / n if n else None, s, n)
        elif kind == "count":
            v = data.get(f["count"])
            out[key] = (v, v, None)
        elif kind == "db_component":
            topic = key.split(".")[0]
            measure = f["measure"]
            n = data.get(f"{topic}:interactions__n", 0.0)
            if not n:
                continue
            if measure in ("interactions", "calendar_days"):
                s = data.get(f"{topic}:{measure}__sum", 0.0)
                out[key] = (s / n, s, n)
            elif measure == "fee_pct_income":
                s = data.get(f"{topic}:fee__sum", 0.0)
                out[key] = ((100.0 * s / n / income) if income else None, s, n)
            elif measure == "min_capital_pct_income":
                out[key] = (0.0, 0.0, n)  # subscribed-capital system: no paid-in minimum
            else:  # cost as % of a property value, assessed quality indices: not in cases
                out[key] = (None, None, n)
    for key, ind in defs.indicators.items():
        if ind.formula["type"] != "db_topic":
            continue
        comps = defs.components(key)
        if not any(c.key in out for c in comps):
            continue
        values = [out.get(c.key, (None,))[0] for c in comps]
        if any(v is None for v in values):
            out[key] = (None, None, None)
            continue
        scores = [
            scoring.component_score(v, c.best, c.worst) for v, c in zip(values, comps, strict=True)
        ]
        out[key] = (scoring.mean(scores), None, None)
    scores = {k: scoring.indicator_score(defs, k, v[0]) for k, v in out.items()}
    composite = scoring.composite_index(defs, scores)
    if composite["score"] is not None:
        out[COMPOSITE] = (composite["score"], None, None)
    return out


# ------------------------------------------------------------------------------------ write


VALUE_COLS = (
    "indicator, period_kind, period_start, dimension, dimension_id, division_path, "
    "department_id, value, numerator, denominator, computed_at, definitions_version"
)
VALUE_KEY = "indicator, period_kind, period_start, dimension, dimension_id"
VALUE_DATA = (
    "division_path",
    "department_id",
    "value",
    "numerator",
    "denominator",
    "definitions_version",
)


def _write_values(kind: str, starts: list, rows: list[tuple]) -> None:
    """Replace the values of the periods ``starts`` of ``kind`` by ``rows``.

    PostgreSQL: the rows are COPYed into a temporary staging table and merged — values that
    disappeared are deleted, new ones inserted, changed ones updated, unchanged rows are not
    touched (``computed_at`` then keeps the time the value was last changed). Rewriting a
    year's unchanged values this way costs a fraction of deleting and re-inserting them.
    Elsewhere: delete and ``bulk_create``."""
    if connection.vendor == "postgresql":
        table = IndicatorValue._meta.db_table
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS monitoring_stage")
            cur.execute(
                f"CREATE TEMP TABLE monitoring_stage ON COMMIT DROP AS "
                f"SELECT {VALUE_COLS} FROM {table} WITH NO DATA"
            )
        if rows:
            _copy_text("monitoring_stage", VALUE_COLS, rows)
        with connection.cursor() as cur:
            cur.execute("ANALYZE monitoring_stage")
            cur.execute(
                f"DELETE FROM {table} v WHERE v.period_kind = %s AND v.period_start = ANY(%s) "
                f"AND NOT EXISTS (SELECT 1 FROM monitoring_stage s WHERE "
                f"(s.indicator, s.period_kind, s.period_start, s.dimension, s.dimension_id) = "
                f"(v.indicator, v.period_kind, v.period_start, v.dimension, v.dimension_id))",
                [kind, list(starts)],
            )
            changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in VALUE_DATA)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*VALUE_DATA, "computed_at"))
            cur.execute(
                f"INSERT INTO {table} ({VALUE_COLS}) SELECT {VALUE_COLS} FROM monitoring_stage "
                f"ON CONFLICT ({VALUE_KEY}) DO UPDATE SET {updates} WHERE {changed}"
            )
            cur.execute("DROP TABLE monitoring_stage")
        return
    IndicatorValue.objects.filter(period_kind=kind, period_start__in=starts).delete()
    if not rows:
        return
    fields = (
        "indicator period_kind period_start dimension dimension_id division_path department_id "
        "value numerator denominator computed_at definitions_version"
    ).split()
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=2000
    )


def _copy_text(table: str, cols: str, rows: list[tuple], chunk: int = 50_000) -> None:
    """COPY rows in PostgreSQL text format, written in large chunks (the values are keys,
    paths, numbers, dates and instants: no tab, newline or backslash to escape)."""

    def cell(v):
        if v is None:
            return "\\N"
        if isinstance(v, datetime.datetime):
            return v.isoformat()
        if isinstance(v, float):
            return repr(v)
        return str(v)

    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for i in range(0, len(rows), chunk):
                copy.write(
                    "".join("\t".join(cell(v) for v in row) + "\n" for row in rows[i : i + chunk])
                )


def _finite(x):
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


# ------------------------------------------------------------------------------------- API


def last_complete_day(now=None) -> datetime.date:
    return timezone.localdate(now) - datetime.timedelta(days=1)


def recompute(
    start: datetime.date,
    end: datetime.date,
    kinds: tuple[str, ...] = KINDS,
    *,
    now=None,
) -> Summary:
    """Recompute facts for [start, end] and every period of ``kinds`` overlapping it."""
    if end < start:
        raise ValueError("end before start")
    summary = Summary(start, end)
    t0 = time.perf_counter()
    defs = load_definitions()
    sources = registry()
    members = Members()
    computed_at = now or timezone.now()

    fresh: dict[str, list[FactRow]] = {}
    with transaction.atomic():
        for name, src in sources.items():
            src.reset()
            if not src.available():
                continue
            t = time.perf_counter()
            rows = src.facts(start, end, defs)
            summary.seconds[f"sql {name}"] = time.perf_counter() - t
            fresh[name] = rows
            summary.facts += len(rows)
            t = time.perf_counter()
            _store_facts(name, start, end, rows)
            summary.seconds["store facts"] = (
                summary.seconds.get("store facts", 0) + time.perf_counter() - t
            )

        # Periods to roll up, and the days they span.
        periods = {k: overlapping(k, start, end) for k in kinds}
        span_lo = min(p[0] for p in periods.values())
        span_hi = max(period_end(k, p[-1]) for k, p in periods.items())
        latest = Fact.objects.order_by("-day").values_list("day", flat=True).first()
        data_end = max(end, latest or end)
        t = time.perf_counter()
        stored = _load_facts(span_lo, span_hi, (start, end))
        summary.seconds["load facts"] = time.perf_counter() - t

        t = time.perf_counter()
        tables = {}
        for name in sources:
            rows = fresh.get(name, []) + stored.get(name, [])
            if rows:
                tables[name] = _Table(rows, members)
        groups: dict = defaultdict(dict)
        snapshot_cache: dict = {}
        for kind, starts in periods.items():
            for name, table in tables.items():
                table.rollup(kind, set(starts), groups, name)
            for name, src in sources.items():
                if not src.snapshot_counts or not src.available():
                    continue
                for p in starts:
                    as_of = min(period_end(kind, p), data_end)
                    if (name, as_of) not in snapshot_cache:
                        snapshot_cache[(name, as_of)] = src.snapshot(as_of, defs)
                    _rollup_snapshot(kind, p, snapshot_cache[(name, as_of)], members, groups, name)
        summary.seconds["roll-up"] = time.perf_counter() - t

        t = time.perf_counter()
        by_kind: dict[str, list] = defaultdict(list)
        version = defs.version
        scope_cache = {}
        for (kind, p, dim, member), sums in groups.items():
            values = evaluate(defs, sums)
            if (dim, member) not in scope_cache:
                scope_cache[(dim, member)] = members.scope(dim, member)
            path, dept = scope_cache[(dim, member)]
            for key, (value, num, den) in values.items():
                by_kind[kind].append(
                    (
                        key,
                        kind,
                        p,
                        dim,
                        member,
                        path,
                        dept,
                        _finite(value),
                        _finite(num),
                        _finite(den),
                        computed_at,
                        version,
                    )
                )
        summary.seconds["evaluate"] = time.perf_counter() - t
        t = time.perf_counter()
        for kind, starts in periods.items():
            rows = by_kind.get(kind, [])
            _write_values(kind, starts, rows)
            summary.values += len(rows)
        summary.seconds["write"] = time.perf_counter() - t
    summary.seconds["total"] = time.perf_counter() - t0
    logger.info("monitoring recompute %s", summary)
    return summary


def recompute_yesterday(now=None) -> Summary:
    """The daily job: yesterday's facts; the day and the open week/month/quarter/year."""
    day = last_complete_day(now)
    return recompute(day, day, now=now)


def default_range(now=None) -> tuple[datetime.date, datetime.date]:
    """Full recompute default: the year up to yesterday (from the first record if later)."""
    end = last_complete_day(now)
    return end - datetime.timedelta(days=364), end


__all__ = ["recompute", "recompute_yesterday", "evaluate", "Members"]
