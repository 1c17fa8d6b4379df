"""Process analysis (流程分析) of the case event log.

- ``write_xes(out, ...)``: the log as XES (IEEE 1849-2016), streamed event by event from a
  server-side cursor (never the whole log in memory). One trace per case (concept:name = case
  number); events carry concept:name (the action), time:timestamp, org:resource (the actor's
  account), lifecycle:transition ("complete") and org:role / the status reached.
- ``directly_follows(...)``: the directly-follows map — pairs (step → next step) of each case
  with their count and median duration, from the SQL window function LAG over (case ORDER BY
  at, id) (SQLite ≥ 3.25 and PostgreSQL). PostgreSQL computes the median with
  percentile_cont; on SQLite the durations are fetched per pair and the median taken with numpy.
- ``rework(...)``: cases with 补正 or repeated visits (来回跑) per item and department, each
  case counted once (rework rate ≤ 100 %).

No AGPL dependency (pm4py is not used).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from xml.sax.saxutils import quoteattr

import numpy as np
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from . import labels
from .sources import case_log, day_bounds

XES_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!-- yingshang case event log, XES (IEEE 1849-2016) -->
<log xes.version="1849.2016" xes.features="nested-attributes">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="org:resource" value="__INVALID__"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="ActivityTransition" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="yingshang cases"/>
"""


def _ts(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def write_xes(out, *, item=None, start=None, end=None, user=None, chunk=5000) -> int:
    """Write the XES log to the text stream ``out``; returns the number of events."""
    events = case_log.event_rows(item=item, start=start, end=end, user=user)
    out.write(XES_HEADER)
    current = None
    n = 0
    for (
        case_id,
        number,
        item_name,
        dept,
        action,
        at,
        actor,
        role,
        to_status,
        channel,
    ) in events.iterator(chunk_size=chunk):
        if case_id != current:
            if current is not None:
                out.write("  </trace>\n")
            current = case_id
            out.write(
                f'  <trace>\n    <string key="concept:name" value={quoteattr(number)}/>\n'
                f'    <string key="item" value={quoteattr(item_name or "")}/>\n'
                f'    <string key="department" value={quoteattr(dept or "")}/>\n'
            )
        out.write(
            "    <event>"
            f'<string key="concept:name" value={quoteattr(action)}/>'
            f'<date key="time:timestamp" value="{_ts(at)}"/>'
            f'<string key="org:resource" value={quoteattr(actor or "system")}/>'
            f'<string key="org:role" value={quoteattr(role or "")}/>'
            '<string key="lifecycle:transition" value="complete"/>'
            f'<string key="status" value={quoteattr(to_status)}/>'
            f'<string key="channel" value={quoteattr(channel or "")}/>'
            "</event>\n"
        )
        n += 1
    if current is not None:
        out.write("  </trace>\n")
    out.write("</log>\n")
    return n


def directly_follows(*, start=None, end=None, item_id=None, department_id=None, path=None):
    """[{from, to, count, median_hours}] sorted by count."""
    if not case_log.available():
        return []
    where, params = ["c.item_id IS NOT NULL"], []
    if start:
        where.append("c.submitted_at >= %s")
        params.append(day_bounds(start, start)[0])
    if end:
        where.append("c.submitted_at < %s")
        params.append(day_bounds(end, end)[1])
    if item_id:
        where.append("c.item_id = %s")
        params.append(item_id)
    if department_id:
        where.append("c.department_id = %s")
        params.append(department_id)
    if path:
        where.append("v.path LIKE %s")
        params.append(path + "%")
    pg = connection.vendor == "postgresql"
    rows = case_log.step_rows(" AND ".join(where), params, pg)
    if pg:
        out = [
            {"from": a, "to": b, "count": n, "median_hours": (m or 0) / 3600.0}
            for a, b, n, m in rows
        ]
    else:
        groups = defaultdict(list)
        for a, b, d in rows:
            groups[(a, b)].append(d or 0.0)
        out = [
            {"from": a, "to": b, "count": len(v), "median_hours": float(np.median(v)) / 3600.0}
            for (a, b), v in groups.items()
        ]
    out.sort(key=lambda r: -r["count"])
    return out


def _count(condition: Q):
    """The number of cases of the group meeting ``condition`` (a SUM of CASE rather than
    COUNT … FILTER: SQLite refuses a FILTER over the correlated COUNT subquery)."""
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def rework(user, *, start=None, end=None, limit=30):
    """Per item and department, counted per case (a case with three 补正 is one case with
    rework): cases, 补正 requests (events), cases with at least one 补正, cases with two or more,
    cases with more visits than promised (来回跑), cases with rework (at least one 补正 *or*
    来回跑, each case once) and the rework rate = cases with rework / cases, in per cent
    (0–100). Most cases with rework first."""
    if not case_log.available():
        return []
    n = case_log.supplement_count()
    qs = case_log.cases(start=start, end=end, user=user).annotate(n_supplements=n)
    rows = list(
        qs.values("item_id", "item__name", "department_id", "department__name")
        .annotate(
            cases=Count("id"),
            supplements=Sum("n_supplements"),
            supplement_cases=_count(Q(n_supplements__gte=1)),
            repeated_supplements=_count(Q(n_supplements__gte=2)),
            trip_cases=_count(Q(multiple_trips=True)),
            rework_cases=_count(Q(n_supplements__gte=1) | Q(multiple_trips=True)),
        )
        .order_by("-rework_cases", "-cases", "item__name", "department__name")[:limit]
    )
    for r in rows:
        r["supplements"] = r["supplements"] or 0
        r["multiple_trips"] = r.pop("trip_cases")
        r["rework_rate"] = 100.0 * r["rework_cases"] / r["cases"] if r["cases"] else None
    return rows


def context(user, start: datetime.date, end: datetime.date) -> dict:
    """The process page for submissions in [start, end], scoped to ``user``."""
    path = None
    department_id = None
    if not user.is_superuser:
        path = user.division.path if user.division_id else "-"
        from yingshang.core.policies import is_department_bound

        if is_department_bound(user):
            department_id = user.department_id
    dfg = directly_follows(start=start, end=end, path=path, department_id=department_id)
    for r in dfg:
        r["from_label"] = labels.action(r["from"])
        r["to_label"] = labels.action(r["to"])
    return {
        "start": start,
        "end": end,
        "dfg": dfg[:40],
        "dfg_json": {
            "nodes": sorted({r["from_label"] for r in dfg} | {r["to_label"] for r in dfg}),
            "links": [
                {"source": r["from_label"], "target": r["to_label"], "value": r["count"]}
                for r in dfg
                if r["from"] != r["to"]
            ],
        },
        "rework": rework(user, start=start, end=end),
    }
