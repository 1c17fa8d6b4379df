"""Process analysis (流程分析) of the case event log.

- ``write_xes(out, ...)``: the log as XES (IEEE 1849-2016), streamed event by event from a
  server-side cursor (never the whole log in memory). One trace per case (concept:name = case
  number); events carry concept:name (the action), time:timestamp, org:resource (the actor's
  account), lifecycle:transition ("complete") and org:role / the status reached.
- ``directly_follows(...)``: the directly-follows map — pairs (step → next step) of each case
  with their count and median duration, from the SQL window function LAG over (case ORDER BY
  at, id) (SQLite ≥ 3.25 and PostgreSQL). PostgreSQL computes the median with
  percentile_cont; on SQLite the durations are fetched per pair and the median taken with numpy.
- ``rework(...)``: repeated 补正 and repeated visits (来回跑) per item and department.

No AGPL dependency (pm4py is not used).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from xml.sax.saxutils import quoteattr

import numpy as np
from django.db import connection
from django.db.models import Count, Q

from .sources import day_bounds, model

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


def _case_filter(item=None, start=None, end=None, user=None):
    Case = model("cases.Case")
    qs = Case.objects.visible_to(user) if user is not None else Case.objects.all()
    qs = qs.filter(item__isnull=False)
    if item:
        qs = qs.filter(item__basic_code=item)
    if start:
        qs = qs.filter(submitted_at__gte=day_bounds(start, start)[0])
    if end:
        qs = qs.filter(submitted_at__lt=day_bounds(end, end)[1])
    return qs


def write_xes(out, *, item=None, start=None, end=None, user=None, chunk=5000) -> int:
    """Write the XES log to the text stream ``out``; returns the number of events."""
    CaseEvent = model("cases.CaseEvent")
    events = (
        CaseEvent.objects.filter(case__in=_case_filter(item, start, end, user))
        .order_by("case_id", "at", "id")
        .values_list(
            "case_id",
            "case__number",
            "case__item__name",
            "case__department__name",
            "action",
            "at",
            "actor_name",
            "actor_role",
            "to_state",
            "channel",
        )
    )
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


def _dfg_sql(where: str, pg: bool) -> str:
    ev = model("cases.CaseEvent")._meta.db_table
    case = model("cases.Case")._meta.db_table
    dept = "core_department"
    div = "core_division"
    diff = (
        "EXTRACT(EPOCH FROM (at - prev_at))"
        if pg
        else "(julianday(at) - julianday(prev_at)) * 86400.0"
    )
    steps = f"""
        SELECT e.case_id, e.action, e.at,
               LAG(e.action) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS prev_action,
               LAG(e.at) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS prev_at
        FROM {ev} e JOIN {case} c ON c.id = e.case_id
        JOIN {dept} d ON d.id = c.department_id JOIN {div} v ON v.id = d.division_id
        WHERE {where}
    """
    if pg:
        return f"""
            SELECT prev_action, action, COUNT(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY {diff})
            FROM ({steps}) s WHERE prev_action IS NOT NULL
            GROUP BY prev_action, action ORDER BY COUNT(*) DESC
        """
    return f"""
        SELECT prev_action, action, {diff}
        FROM ({steps}) s WHERE prev_action IS NOT NULL
        ORDER BY prev_action, action
    """


def directly_follows(*, start=None, end=None, item_id=None, department_id=None, path=None):
    """[{from, to, count, median_hours}] sorted by count."""
    if model("cases.CaseEvent") is None:
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
    sql = _dfg_sql(" AND ".join(where), pg)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
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


def rework(user, *, start=None, end=None, limit=30):
    """Per item and department: cases, cases with repeated 补正 (≥ 2), cases with more visits
    than promised (来回跑), total 补正 requests."""
    Case = model("cases.Case")
    if Case is None:
        return []
    qs = _case_filter(None, start, end, user)
    rows = (
        qs.values("item_id", "item__name", "department__name")
        .annotate(
            cases=Count("id", distinct=True),
            supplements=Count("events", filter=Q(events__to_state="supplement_requested")),
            multiple_trips=Count("id", distinct=True, filter=Q(multiple_trips=True)),
        )
        .order_by("-supplements")[: limit * 3]
    )
    rows = list(rows)
    repeated = dict(
        qs.annotate(n=Count("events", filter=Q(events__to_state="supplement_requested")))
        .filter(n__gte=2)
        .values("item_id")
        .annotate(c=Count("id"))
        .values_list("item_id", "c")
        .order_by()
    )
    for r in rows:
        r["repeated_supplements"] = repeated.get(r["item_id"], 0)
        r["rework_rate"] = (
            100.0 * (r["repeated_supplements"] + r["multiple_trips"]) / r["cases"]
            if r["cases"]
            else None
        )
    rows.sort(key=lambda r: -(r["repeated_supplements"] + r["multiple_trips"]))
    return rows[:limit]


def context(request) -> dict:
    from django.utils import timezone

    user = request.user
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        start = today - datetime.timedelta(days=30)
    try:
        end = datetime.date.fromisoformat(request.GET.get("to") or "")
    except ValueError:
        end = today
    path = None
    department_id = None
    if not user.is_superuser:
        path = user.division.path if user.division_id else "-"
        from yingshang.core.models import DEPARTMENT_ROLES

        if user.role in DEPARTMENT_ROLES:
            department_id = user.department_id
    dfg = directly_follows(start=start, end=end, path=path, department_id=department_id)
    return {
        "start": start,
        "end": end,
        "dfg": dfg[:40],
        "dfg_json": {
            "nodes": sorted({r["from"] for r in dfg} | {r["to"] for r in dfg}),
            "links": [
                {"source": r["from"], "target": r["to"], "value": r["count"]}
                for r in dfg
                if r["from"] != r["to"]
            ],
        },
        "rework": rework(user, start=start, end=end),
    }
