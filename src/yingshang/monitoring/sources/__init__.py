"""Source adapters (数据源适配器): one module per upstream app.

Each adapter turns an app's records into *facts*: additive sums per day and per
(division, department, item), computed as one aggregate ``GROUP BY`` query per pass through the
ORM (``TruncDate`` in Asia/Shanghai; the same SQL on SQLite and PostgreSQL). The computation
(``monitoring.compute``) rolls facts up to weeks, months, quarters and years, to counties and
the city, and turns them into indicator values. A change of an upstream model touches only its
adapter.

Fact keys are the counts named in ``definitions.COUNTS`` and, for measures, ``<measure>__sum``
and ``<measure>__n`` (Doing Business components: ``<topic>:<measure>__sum`` / ``__n``).

Two kinds of figures:
- ``facts(start, end)``: events dated in [start, end] (cases completed, appeals submitted …);
- ``snapshot(as_of)``: states at the end of a day (catalog items in force, lagging tasks). These
  are evaluated once per period at min(period end, the last computed day).

An adapter whose app or model is missing reports ``available() == False``; its indicators are
then "no data" (无数据), never 0.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings


@dataclass
class FactRow:
    day: datetime.date
    division_id: int | None
    department_id: int | None
    item_id: int | None
    data: dict[str, float] = field(default_factory=dict)

    @property
    def key(self):
        return (self.day, self.division_id, self.department_id, self.item_id)


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE or "Asia/Shanghai")


def day_bounds(start: datetime.date, end: datetime.date):
    """[start 00:00, end+1 00:00) in Asia/Shanghai, as aware datetimes."""
    zone = tz()
    lo = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return lo, hi


def fixed_offset(start: datetime.date, end: datetime.date) -> datetime.timedelta | None:
    """The zone's UTC offset if it is the same all through [start − 1, end + 1] (no DST change
    in the range, e.g. Asia/Shanghai), else None. Then a local day is the UTC date of
    ``instant + offset``: cheaper in SQL than converting every row with the zone's rules."""
    zone = tz()
    offsets = set()
    day = start - datetime.timedelta(days=1)
    while day <= end + datetime.timedelta(days=1):
        for hour in (0, 12):
            offsets.add(datetime.datetime.combine(day, datetime.time(hour), zone).utcoffset())
        day += datetime.timedelta(days=1)
    return offsets.pop() if len(offsets) == 1 else None


def pg_local_day(column: str, start: datetime.date, end: datetime.date) -> tuple[str, list]:
    """PostgreSQL expression (and its parameters) for the local day of the timestamptz
    ``column``, valid for instants of days in [start, end]. A zone without an offset change in
    the range: ``((column AT TIME ZONE 'UTC') + offset)::date``; otherwise the general per-row
    conversion ``(column AT TIME ZONE zone)::date``."""
    from django.db import connection

    offset = fixed_offset(start, end)
    if offset is not None:
        # Django keeps the session in UTC (USE_TZ); then ``::date`` needs no zone look-up.
        utc = column if connection.timezone_name == "UTC" else f"({column} AT TIME ZONE 'UTC')"
        return f"({utc} + %s::interval)::date", [f"{int(offset.total_seconds())} seconds"]
    return f"({column} AT TIME ZONE %s)::date", [tz().key]


def model(label: str):
    """The model ``app.Model`` or None when the app/model does not exist (yet)."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def as_day(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.astimezone(tz()).date() if value.tzinfo else value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _number(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400.0
    return float(value)


def merge(
    rows: Iterable[dict],
    *,
    day: str = "day",
    division: str = "division_id",
    department: str = "department_id",
    item: str | None = "item_id",
    into: dict | None = None,
) -> dict:
    """Merge ``.values(...).annotate(...)`` rows into {key: FactRow}, adding the sums."""
    out = into if into is not None else {}
    for row in rows:
        row = dict(row)
        d = as_day(row.pop(day))
        div = row.pop(division, None)
        dept = row.pop(department, None)
        itm = row.pop(item, None) if item else None
        key = (d, div, dept, itm)
        fact = out.get(key)
        if fact is None:
            fact = out[key] = FactRow(d, div, dept, itm, defaultdict(float))
        for name, value in row.items():
            fact.data[name] += _number(value)
    return out


class Source:
    """Base of the adapters. ``name`` is the ``source`` of indicator definitions."""

    name = ""
    snapshot_counts: frozenset[str] = frozenset()

    def available(self) -> bool:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget data cached for one computation run."""

    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        return []

    def snapshot(self, as_of: datetime.date, defs) -> list[FactRow]:
        return []


def registry() -> dict[str, Source]:
    from . import appeals, cases, catalog, evaluations, notifications, reforms

    return {
        s.name: s
        for s in (
            cases.CasesSource(),
            catalog.CatalogSource(),
            appeals.AppealsSource(),
            evaluations.EvaluationsSource(),
            reforms.ReformsSource(),
            notifications.NotificationsSource(),
        )
    }
