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
from .definitions import DB_TOPICS, load_definitions
from .models import Fact, IndicatorValue
from .periods import KINDS, overlapping, period_end, starts_array
from .sources import FactRow, registry

logger = logging.getLogger("yingshang.monitoring")

RECOMPUTE_LOCK = 0x59534D4F4E  # advisory lock key of the recompute ("YSMON")
# The item dimension: every period kind for the records (cases completed, submitted … per item
# and day); the catalog's and the tasks' states per item only from the month up (an item's own
# terms repeated every day would be most of the table and say nothing new).
ITEM_KINDS = KINDS
SNAPSHOT_ITEM_KINDS = ("month", "quarter", "year")
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
        from .sources.catalog import item_places

        self.item_info.update(item_places())

    def lookups(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_lookups"):
            self._lookups = {
                "city": _lookup(self.city),
                "county": _lookup(self.county),
                "dept_division": _lookup(self.dept_division),
                "item_division": _lookup({k: v[0] for k, v in self.item_info.items()}),
            }
        return self._lookups

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
    """Replace the stored facts of ``source`` for [start, end] by ``rows``.

    PostgreSQL: COPY into a temporary table, then delete the stored facts that are not among
    the new ones and insert the new ones that are not stored yet (hash joins on the key and
    the data): a rerun over unchanged days writes nothing. Elsewhere: delete and insert."""
    if connection.vendor != "postgresql":
        Fact.objects.filter(source=source, day__gte=start, day__lte=end).delete()
        Fact.objects.bulk_create(
            [
                Fact(
                    source=source,
                    day=r.day,
                    division_id=r.division_id,
                    department_id=r.department_id,
                    item_id=r.item_id,
                    data=dict(r.data),
                )
                for r in rows
            ],
            batch_size=5000,
        )
        return
    import json

    table = Fact._meta.db_table
    cols = "day, division_id, department_id, item_id, data"
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            "CREATE TEMP TABLE monitoring_fact_stage (day date, division_id bigint, "
            "department_id bigint, item_id bigint, data jsonb) ON COMMIT DROP"
        )
        _copy_text(
            "monitoring_fact_stage",
            cols,
            [
                (r.day, r.division_id, r.department_id, r.item_id, json.dumps(dict(r.data)))
                for r in rows
            ],
        )
        cur.execute("ANALYZE monitoring_fact_stage")
        # set-based diff: hash joins only. (On an empty, freshly analysed fact table the
        # planner chose a nested loop that compared every new fact with every other one.)
        cur.execute("SET LOCAL enable_nestloop = off")
        same = (
            "s.day = f.day AND coalesce(s.division_id, -1) = coalesce(f.division_id, -1) "
            "AND coalesce(s.department_id, -1) = coalesce(f.department_id, -1) "
            "AND coalesce(s.item_id, -1) = coalesce(f.item_id, -1) AND s.data = f.data"
        )
        cur.execute(
            f"DELETE FROM {table} f WHERE f.source = %s AND f.day >= %s AND f.day <= %s "
            f"AND NOT EXISTS (SELECT 1 FROM monitoring_fact_stage s WHERE {same})",
            [source, start, end],
        )
        cur.execute(
            f"INSERT INTO {table} (source, {cols}) SELECT %s, {cols} FROM monitoring_fact_stage s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} f WHERE f.source = %s AND f.day >= %s "
            f"AND f.day <= %s AND {same})",
            [source, source, start, end],
        )
        cur.execute("DROP TABLE monitoring_fact_stage")
        cur.execute("RESET enable_nestloop")


def _copy_text(table: str, cols: str, rows: list[tuple], chunk: int = 50_000) -> None:
    """COPY rows in PostgreSQL text format, written in large chunks (the values are keys,
    dates, numbers and JSON of names and numbers: no tab, newline or backslash to escape)."""

    def cell(v):
        if v is None:
            return "\\N"
        return str(v)

    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for i in range(0, len(rows), chunk):
                copy.write(
                    "".join("\t".join(cell(v) for v in row) + "\n" for row in rows[i : i + chunk])
                )


def _load_facts(start, end, exclude: tuple | None) -> dict[str, _Cols]:
    """Stored facts of [start, end] except the days ``exclude``, per source as columns.

    PostgreSQL: the figure names of each source are read first, then each figure as a float
    column (``(data->>name)::float8``), so no JSON is parsed in Python."""
    out: dict[str, _Cols] = {}
    if connection.vendor == "postgresql":
        table = Fact._meta.db_table
        where = "day >= %s AND day <= %s"
        params = [start, end]
        if exclude:
            where += " AND NOT (day >= %s AND day <= %s)"
            params += list(exclude)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT DISTINCT source, k FROM {table}, jsonb_object_keys(data) k WHERE {where}",
                params,
            )
            keys = defaultdict(list)
            for source, k in cur.fetchall():
                keys[source].append(k)
            for source, names in sorted(keys.items()):
                names.sort()
                figures = ", ".join("coalesce((data->>%s)::float8, 0)" for _ in names)
                cur.execute(
                    f"SELECT day - DATE '1970-01-01', coalesce(division_id, -1), "
                    f"coalesce(department_id, -1), coalesce(item_id, -1), {figures} "
                    f"FROM {table} WHERE source = %s AND {where}",
                    [*names, source, *params],
                )
                rows = cur.fetchall()
                if not rows:
                    continue
                a = np.array(rows, dtype=np.float64).reshape(len(rows), 4 + len(names))
                ids = a[:, :4].astype(np.int64)
                out[source] = _Cols(ids[:, 0], ids[:, 1], ids[:, 2], ids[:, 3], names, a[:, 4:])
        return out
    qs = Fact.objects.filter(day__gte=start, day__lte=end)
    if exclude:
        qs = qs.exclude(day__gte=exclude[0], day__lte=exclude[1])
    rows = defaultdict(list)
    for src, day, div, dept, item, data in qs.values_list(
        "source", "day", "division_id", "department_id", "item_id", "data"
    ).iterator(chunk_size=10000):
        rows[src].append(FactRow(day, div, dept, item, data))
    return {src: _Cols.from_rows(r) for src, r in rows.items()}


# ---------------------------------------------------------------------------------- roll-up

_EPOCH = datetime.date(1970, 1, 1)


def _day_number(day: datetime.date) -> int:
    return (day - _EPOCH).days


class _Cols:
    """Facts of one source as columns: day numbers, division / department / item ids (−1 for
    none), the figure names and a (rows × names) matrix."""

    def __init__(self, days, div, dept, item, names, values):
        self.days, self.div, self.dept, self.item = days, div, dept, item
        self.names, self.values = list(names), values

    @classmethod
    def from_rows(cls, rows: list[FactRow]) -> _Cols:
        names = sorted({k for r in rows for k in r.data})
        index = {n: i for i, n in enumerate(names)}
        n = len(rows)
        values = np.zeros((n, len(names)))
        for i, r in enumerate(rows):
            row = values[i]
            for k, v in r.data.items():
                row[index[k]] = v

        def ids(attr):
            return np.fromiter(
                (-1 if (v := getattr(r, attr)) is None else v for r in rows), np.int64, n
            )

        days = np.fromiter((_day_number(r.day) for r in rows), np.int64, n)
        return cls(days, ids("division_id"), ids("department_id"), ids("item_id"), names, values)

    @staticmethod
    def concat(parts: list[_Cols]) -> _Cols:
        names = sorted({n for p in parts for n in p.names})
        index = {n: i for i, n in enumerate(names)}
        total = sum(len(p.days) for p in parts)
        values = np.zeros((total, len(names)))
        at = 0
        for p in parts:
            k = len(p.days)
            values[at : at + k, [index[n] for n in p.names]] = p.values
            at += k
        cat = np.concatenate
        return _Cols(
            cat([p.days for p in parts]),
            cat([p.div for p in parts]),
            cat([p.dept for p in parts]),
            cat([p.item for p in parts]),
            names,
            values,
        )


def _lookup(mapping: dict[int, int]) -> np.ndarray:
    """A dict of small non-negative ids as an array (−1 where absent; index −1 → −1)."""
    size = max(mapping, default=0) + 2
    out = np.full(size, -1, dtype=np.int64)
    for k, v in mapping.items():
        if v is not None and k >= 0:
            out[k] = v
    return out


def _map(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """table[ids] with −1 (and ids beyond the table) → −1."""
    safe = np.where((ids >= 0) & (ids < len(table) - 1), ids, len(table) - 1)
    return table[safe]


class _Table:
    """Facts of one source rolled up by dimension, rows sorted by their key (so that sums do
    not depend on the order the rows were read in: incremental == full, to the last bit)."""

    def __init__(self, cols: _Cols, members: Members):
        order = np.lexsort((cols.item, cols.dept, cols.div, cols.days))
        self.names = cols.names
        self.values = cols.values[order]
        self.days = cols.days[order]
        div, dept, item = cols.div[order], cols.dept[order], cols.item[order]
        lk = members.lookups()
        div = np.where(div >= 0, div, _map(lk["dept_division"], dept))
        div = np.where(div >= 0, div, _map(lk["item_division"], item))
        self.ids = {
            "city": _map(lk["city"], div),
            "division": _map(lk["county"], div),
            "department": dept,
            "item": item,
        }

    def rollup(self, kind: str, starts: list, dim: str, pstart=None):
        """(keys, sums) of the periods ``starts`` of ``kind`` for dimension ``dim``: keys =
        period start day number << 32 | member id, unique and sorted; sums aligned."""
        if not len(self.days):
            return None
        if pstart is None:
            pstart = _period_starts(kind, self.days)
        wanted = np.array(sorted(_day_number(p) for p in starts), dtype=np.int64)
        ids = self.ids[dim]
        mask = np.isin(pstart, wanted) & (ids >= 0)
        if not mask.any():
            return None
        keys = (pstart[mask] << 32) | ids[mask]
        uniq, inverse = np.unique(keys, return_inverse=True)
        vals = self.values[mask]
        sums = np.empty((len(uniq), len(self.names)))
        for j in range(len(self.names)):
            sums[:, j] = np.bincount(inverse, weights=vals[:, j], minlength=len(uniq))
        return uniq, sums


def _period_starts(kind: str, day_numbers: np.ndarray) -> np.ndarray:
    days = day_numbers.astype("datetime64[D]")
    return starts_array(kind, days).astype(np.int64)


class _Block:
    """Roll-up of one period kind and dimension: every (period, member) with data as rows;
    per source the summed figures (``sums``), which figures it has (``has``: a name only
    counts for a member whose facts carry it) and whether it has any record (``present``)."""

    def __init__(self, kind: str, dim: str, parts: dict[str, list[tuple]]):
        self.kind, self.dim = kind, dim
        all_keys = [k for plist in parts.values() for (k, _s, _n) in plist]
        self.keys = np.unique(np.concatenate(all_keys)) if all_keys else np.zeros(0, np.int64)
        g = len(self.keys)
        self.names: dict[str, dict[str, int]] = {}
        self.sums: dict[str, np.ndarray] = {}
        self.has: dict[str, np.ndarray] = {}
        self.present: dict[str, np.ndarray] = {}
        for source, plist in parts.items():
            names = sorted({n for (_k, _s, ns) in plist for n in ns})
            col = {n: i for i, n in enumerate(names)}
            sums = np.zeros((g, len(names)))
            has = np.zeros((g, len(names)), dtype=bool)
            present = np.zeros(g, dtype=bool)
            for keys, part, pnames in plist:
                idx = np.searchsorted(self.keys, keys)
                cols = [col[n] for n in pnames]
                sums[np.ix_(idx, cols)] += part
                has[np.ix_(idx, cols)] = True
                present[idx] = True
            self.names[source], self.sums[source] = col, sums
            self.has[source], self.present[source] = has, present

    def get(self, source: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(value, has) of one figure for every row; value 0 where missing."""
        g = len(self.keys)
        j = self.names.get(source, {}).get(name)
        if j is None:
            return np.zeros(g), np.zeros(g, dtype=bool)
        return self.sums[source][:, j], self.has[source][:, j]

    def row_dict(self, i: int) -> dict[str, dict[str, float]]:
        """{source: {name: sum}} of one row, as the scalar ``evaluate`` takes it."""
        out = {}
        for source, col in self.names.items():
            if not self.present[source][i]:
                continue
            sums, has = self.sums[source][i], self.has[source][i]
            out[source] = {n: float(sums[j]) for n, j in col.items() if has[j]}
        return out


def _rollup(kind, starts, tables, snapshots, members) -> dict[str, _Block]:
    """Blocks of one period kind: facts tables rolled up to each dimension, plus the snapshot
    rows of each period (``snapshots``: {source: {period start: [FactRow]}})."""
    parts: dict[str, dict[str, list]] = {d: defaultdict(list) for d in DIMENSIONS}
    for source, table in tables.items():
        pstart = _period_starts(kind, table.days) if len(table.days) else None
        for dim in DIMENSIONS:
            if dim == "item" and kind not in ITEM_KINDS:
                continue
            r = table.rollup(kind, starts, dim, pstart)
            if r is not None:
                parts[dim][source].append((r[0], r[1], table.names))
    for source, by_start in snapshots.items():
        rows = [
            FactRow(p, r.division_id, r.department_id, r.item_id, r.data)
            for p, rs in by_start.items()
            for r in rs
        ]
        if not rows:
            continue
        table = _Table(_Cols.from_rows(rows), members)
        pstart = table.days  # the rows are dated on their period's start
        for dim in DIMENSIONS:
            if dim == "item" and kind not in SNAPSHOT_ITEM_KINDS:
                continue
            r = table.rollup(kind, starts, dim, pstart)
            if r is not None:
                parts[dim][source].append((r[0], r[1], table.names))
    return {dim: _Block(kind, dim, p) for dim, p in parts.items() if p}


# ----------------------------------------------------------------------------------- values


def evaluate(defs, sums: dict[str, dict[str, float]]) -> dict[str, tuple]:
    """{indicator: (value, numerator, denominator)} for one period and member. Only indicators
    whose source has records for the member appear; value None = no data.

    The scalar reference of ``_evaluate_block`` (which computes the same for whole blocks of
    members with numpy): the tests check the two agree. DB topics and components come from
    ``scoring.live_topics``."""
    out: dict[str, tuple] = {}
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
    out.update(scoring.live_topics(defs, sums))
    scores = {k: scoring.indicator_score(defs, k, v[0]) for k, v in out.items()}
    composite = scoring.composite_index(defs, scores)
    if composite["score"] is not None:
        out[COMPOSITE] = (composite["score"], None, None)
    return out


def _topic_rows(defs, block: _Block) -> np.ndarray:
    """Rows of a block with applications of a DB topic (they go through live_topics)."""
    g = len(block.keys)
    mask = np.zeros(g, dtype=bool)
    for topic in DB_TOPICS:
        n, _has = block.get("cases", f"{topic}:interactions__n")
        mask |= n != 0
    return np.flatnonzero(mask & block.present.get("cases", np.zeros(g, dtype=bool)))


def _evaluate_block(defs, block: _Block, year_defs=None) -> dict[str, tuple]:
    """{indicator: (rows, value, numerator, denominator)} for a whole block: arrays over the
    rows where the indicator appears; NaN = None (no data)."""
    g = len(block.keys)
    nan = np.full(g, np.nan)
    out: dict[str, tuple] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for key, ind in defs.indicators.items():
            present = block.present.get(ind.source)
            if present is None or not present.any():
                continue
            f = ind.formula
            kind = f["type"]
            if kind in ("ratio", "one_minus_ratio"):
                num, _h = block.get(ind.source, f["numerator"])
                den, _h = block.get(ind.source, f["denominator"])
                ratio = num / den
                value = np.where(
                    den > 0, 100.0 * (ratio if kind == "ratio" else 1.0 - ratio), np.nan
                )
                out[key] = (present, value, num, den)
            elif kind == "mean":
                s, _h = block.get(ind.source, f["measure"] + "__sum")
                n, _h = block.get(ind.source, f["measure"] + "__n")
                out[key] = (present, np.where(n != 0, s / n, np.nan), s, n)
            elif kind == "count":
                v, has = block.get(ind.source, f["count"])
                v = np.where(has, v, np.nan)
                out[key] = (present, v, v, nan)
    # DB topics and components: the few members with applications, through live_topics with
    # the city figures of the period's year (income per capita, reference values, indices)
    rows = _topic_rows(defs, block)
    if len(rows):
        years = [(_EPOCH + datetime.timedelta(days=int(k >> 32))).year for k in block.keys[rows]]
        results = [
            scoring.live_topics(year_defs(y) if year_defs else defs, block.row_dict(i))
            for i, y in zip(rows, years, strict=True)
        ]
        for key in {k for r in results for k in r}:
            present = np.zeros(g, dtype=bool)
            value, num, den = nan.copy(), nan.copy(), nan.copy()
            for i, r in zip(rows, results, strict=True):
                if key in r:
                    present[i] = True
                    v, nu, de = r[key]
                    value[i] = np.nan if v is None else v
                    num[i] = np.nan if nu is None else nu
                    den[i] = np.nan if de is None else de
            out[key] = (present, value, num, den)
    # composite: group scores = weighted means of the bounded indicators with a value,
    # composite = [composite]-weighted mean of the groups with a score (scoring.composite_index)
    group_sum = {gname: np.zeros(g) for gname in defs.composite}
    group_w = {gname: np.zeros(g) for gname in defs.composite}
    for key, (present, value, _n, _d) in out.items():
        ind = defs.indicators[key]
        if ind.group not in group_sum or not ind.weight > 0 or not ind.has_bounds:
            continue
        ok = present & ~np.isnan(value)
        score = np.clip(100.0 * (ind.worst - value) / (ind.worst - ind.best), 0.0, 100.0)
        group_sum[ind.group] += np.where(ok, score * ind.weight, 0.0)
        group_w[ind.group] += np.where(ok, ind.weight, 0.0)
    comp_sum, comp_w = np.zeros(g), np.zeros(g)
    for gname, weight in defs.composite.items():
        if not weight > 0:
            continue
        has = group_w[gname] > 0
        gscore = np.where(has, group_sum[gname] / np.where(has, group_w[gname], 1.0), 0.0)
        comp_sum += np.where(has, gscore * weight, 0.0)
        comp_w += np.where(has, weight, 0.0)
    has = comp_w > 0
    if has.any():
        out[COMPOSITE] = (
            has,
            np.where(has, comp_sum / np.where(has, comp_w, 1.0), np.nan),
            nan,
            nan,
        )
    return out


# ------------------------------------------------------------------------------------ write


def _value_columns(blocks: list[_Block], evaluated: list[dict], members: Members):
    """Per block and indicator: (indicator, kind, dim, period starts, members, value, numerator,
    denominator) over the rows where the indicator appears (arrays; NaN = None)."""
    for block, out in zip(blocks, evaluated, strict=True):
        starts = block.keys >> 32
        ids = block.keys & 0xFFFFFFFF
        for key, (present, value, num, den) in out.items():
            idx = np.flatnonzero(present)
            if len(idx):
                yield (
                    key,
                    block.kind,
                    block.dim,
                    starts[idx],
                    ids[idx],
                    value[idx],
                    num[idx],
                    den[idx],
                )


def _floats(a: np.ndarray) -> list[str]:
    ok = np.isfinite(a)
    return [repr(x) if k else "\\N" for x, k in zip(a.tolist(), ok.tolist(), strict=True)]


STAGE_COLS = (
    "indicator, period_kind, period_start, dimension, dimension_id, value, numerator, denominator"
)
VALUE_KEY = ("indicator", "period_kind", "period_start", "dimension", "dimension_id")


WRITE_COUNTS: dict[str, int] = {}  # rows deleted / updated / inserted by the last write


def _write_values(periods: dict, columns, members: Members, computed_at, version) -> int:
    """Replace the values of the periods ``periods`` ({kind: [starts]}) by ``columns``, in the
    caller's transaction.

    PostgreSQL: the values (key, value, numerator, denominator: the narrow part) are COPYed into
    a temporary table, the scoping of each member (division path, department: a few thousand
    rows) into another; then three set-based statements — each a hash join — delete the values
    that disappeared, update those that changed and insert the new ones. Unchanged rows are not
    touched (not even locked), so their ``computed_at`` is the time the value last changed.
    Elsewhere: delete and ``bulk_create``."""
    table = IndicatorValue._meta.db_table
    scopes: dict[tuple[str, int], tuple[str, int | None]] = {}
    if connection.vendor != "postgresql":
        # one DELETE per period kind, then plain executemany (no model instances: ~4× faster
        # than bulk_create for the few hundred thousand values of a year)
        ops = connection.ops
        at = ops.adapt_datetimefield_value(computed_at)
        rows = []
        day_text: dict[int, str] = {}
        for key, kind, dim, starts, ids, value, num, den in columns:
            for p, m, v, n, d in zip(
                starts.tolist(),
                ids.tolist(),
                value.tolist(),
                num.tolist(),
                den.tolist(),
                strict=True,
            ):
                if (dim, m) not in scopes:
                    scopes[(dim, m)] = members.scope(dim, m)
                if p not in day_text:
                    day_text[p] = (_EPOCH + datetime.timedelta(days=p)).isoformat()
                path, dept = scopes[(dim, m)]
                rows.append(
                    (key, kind, day_text[p], dim, m, path, dept, _finite(v), _finite(n))
                    + (_finite(d), at, version)
                )
        cols = (
            "indicator, period_kind, period_start, dimension, dimension_id, division_path, "
            "department_id, value, numerator, denominator, computed_at, definitions_version"
        )
        with connection.cursor() as cur:
            for kind, starts in periods.items():
                starts = [s.isoformat() if hasattr(s, "isoformat") else s for s in starts]
                for i in range(0, len(starts), 500):
                    chunk = starts[i : i + 500]
                    cur.execute(
                        f"DELETE FROM {table} WHERE period_kind = %s AND period_start IN "
                        f"({', '.join(['%s'] * len(chunk))})",
                        [kind, *chunk],
                    )
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * 12)})", rows)
        return len(rows)

    n_rows = 0
    day_text: dict[int, str] = {}
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            "CREATE TEMP TABLE monitoring_stage (indicator varchar(60), period_kind varchar(8), "
            "period_start date, dimension varchar(12), dimension_id bigint, value float8, "
            "numerator float8, denominator float8) ON COMMIT DROP"
        )
        cur.execute(
            "CREATE TEMP TABLE monitoring_scope (dimension varchar(12), dimension_id bigint, "
            "division_path varchar(255), department_id bigint) ON COMMIT DROP"
        )
        cur.execute(
            "CREATE TEMP TABLE monitoring_period (period_kind varchar(8), period_start date) "
            "ON COMMIT DROP"
        )
        with cur.cursor.copy(f"COPY monitoring_stage ({STAGE_COLS}) FROM STDIN") as copy:
            for key, kind, dim, starts, ids, value, num, den in columns:
                for p in np.unique(starts).tolist():
                    if p not in day_text:
                        day_text[p] = (_EPOCH + datetime.timedelta(days=p)).isoformat()
                for m in np.unique(ids).tolist():
                    if (dim, m) not in scopes:
                        scopes[(dim, m)] = members.scope(dim, m)
                head = f"{key}\t{kind}\t"
                tail = f"\t{dim}\t"
                copy.write(
                    "".join(
                        f"{head}{day_text[p]}{tail}{m}\t{v}\t{n}\t{d}\n"
                        for p, m, v, n, d in zip(
                            starts.tolist(),
                            ids.tolist(),
                            _floats(value),
                            _floats(num),
                            _floats(den),
                            strict=True,
                        )
                    )
                )
                n_rows += len(ids)
        with cur.cursor.copy("COPY monitoring_scope FROM STDIN") as copy:
            for (dim, m), (path, dept) in scopes.items():
                copy.write_row((dim, m, path, dept))
        with cur.cursor.copy("COPY monitoring_period FROM STDIN") as copy:
            for kind, starts in periods.items():
                for p in starts:
                    copy.write_row((kind, p))
        cur.execute("ANALYZE monitoring_stage")
        cur.execute("ANALYZE monitoring_scope")
        cur.execute("ANALYZE monitoring_period")
        # One hash full join of the new values with the stored values of the recomputed
        # periods (found by the period index) keeps only the differences; the three
        # statements after it touch those rows alone.
        cur.execute("SET LOCAL enable_mergejoin = off")
        key = ", ".join(VALUE_KEY)
        match = " AND ".join(f"n.{c} = o.{c}" for c in VALUE_KEY)
        changed = " OR ".join(
            f"o.{c} IS DISTINCT FROM n.{c}"
            for c in ("value", "numerator", "denominator", "division_path", "department_id")
        )
        cur.execute(
            f"CREATE TEMP TABLE monitoring_diff ON COMMIT DROP AS "
            f"SELECT o.id, n.* FROM (SELECT v.id, v.{', v.'.join(VALUE_KEY)}, v.value, "
            f"v.numerator, v.denominator, v.division_path, v.department_id, "
            f"v.definitions_version FROM {table} v JOIN monitoring_period p "
            f"ON v.period_kind = p.period_kind AND v.period_start = p.period_start) o "
            f"FULL JOIN (SELECT s.*, sc.division_path, sc.department_id "
            f"FROM monitoring_stage s JOIN monitoring_scope sc "
            f"ON sc.dimension = s.dimension AND sc.dimension_id = s.dimension_id) n ON {match} "
            f"WHERE o.id IS NULL OR n.indicator IS NULL OR {changed} "
            f"OR o.definitions_version IS DISTINCT FROM %s",
            [version],
        )
        cur.execute(
            f"DELETE FROM {table} WHERE id IN "
            f"(SELECT id FROM monitoring_diff WHERE indicator IS NULL)"
        )
        WRITE_COUNTS["deleted"] = cur.rowcount
        cur.execute(
            f"UPDATE {table} v SET value = d.value, numerator = d.numerator, "
            f"denominator = d.denominator, division_path = d.division_path, "
            f"department_id = d.department_id, computed_at = %s, definitions_version = %s "
            f"FROM monitoring_diff d WHERE v.id = d.id AND d.indicator IS NOT NULL",
            [computed_at, version],
        )
        WRITE_COUNTS["updated"] = cur.rowcount
        cur.execute(
            f"INSERT INTO {table} ({key}, value, numerator, denominator, division_path, "
            f"department_id, computed_at, definitions_version) SELECT {key}, value, numerator, "
            f"denominator, division_path, department_id, %s, %s FROM monitoring_diff "
            f"WHERE id IS NULL",
            [computed_at, version],
        )
        WRITE_COUNTS["inserted"] = cur.rowcount
        for t in ("monitoring_stage", "monitoring_scope", "monitoring_period", "monitoring_diff"):
            cur.execute(f"DROP TABLE {t}")
    return n_rows


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
    defs = load_definitions(figures=True)  # city figures entered in the admin
    sources = registry()
    members = Members()
    computed_at = now or timezone.now()

    # The records are read before the write transaction opens: outside a transaction the
    # cases adapter runs its passes on parallel connections (see CasesSource._facts_pg).
    fresh: dict[str, list[FactRow]] = {}
    for name, src in sources.items():
        src.reset()
        if not src.available():
            continue
        t = time.perf_counter()
        fresh[name] = src.facts(start, end, defs)
        summary.seconds[f"sql {name}"] = time.perf_counter() - t
        summary.facts += len(fresh[name])
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # one writer at a time (the daily job, the command, the demo step): the facts and
            # values are written as differences against what is stored, so two overlapping
            # runs must not both insert the same rows
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        t = time.perf_counter()
        for name, rows in fresh.items():
            _store_facts(name, start, end, rows)
        summary.seconds["store facts"] = time.perf_counter() - t

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
            parts = [c for c in (stored.get(name),) if c is not None and len(c.days)]
            if fresh.get(name):
                parts.append(_Cols.from_rows(fresh[name]))
            if parts:
                tables[name] = _Table(_Cols.concat(parts), members)
        blocks: list[_Block] = []
        snapshot_cache: dict = {}
        for kind, starts in periods.items():
            snapshots: dict[str, dict] = {}
            for name, src in sources.items():
                if not src.snapshot_counts or not src.available():
                    continue
                by_start = snapshots[name] = {}
                for p in starts:
                    as_of = min(period_end(kind, p), data_end)
                    if (name, as_of) not in snapshot_cache:
                        snapshot_cache[(name, as_of)] = src.snapshot(as_of, defs)
                    by_start[p] = snapshot_cache[(name, as_of)]
            blocks.extend(_rollup(kind, starts, tables, snapshots, members).values())
        summary.seconds["roll-up"] = time.perf_counter() - t

        t = time.perf_counter()
        by_year: dict[int, object] = {}

        def year_defs(year: int):
            if year not in by_year:
                by_year[year] = load_definitions(figures=True, year=year)
            return by_year[year]

        evaluated = [_evaluate_block(defs, block, year_defs) for block in blocks]
        summary.seconds["evaluate"] = time.perf_counter() - t
        t = time.perf_counter()
        summary.values = _write_values(
            periods, _value_columns(blocks, evaluated, members), members, computed_at, defs.version
        )
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
