"""The case event-log adapter of process analysis (流程分析): the cases, their events and the
directly-follows steps, read from the cases app. ``monitoring.process`` turns them into XES, the
directly-follows map and the rework table."""

from __future__ import annotations

from django.db import connection

from . import day_bounds, model


def available() -> bool:
    return model("cases.Case") is not None and model("cases.CaseEvent") is not None


def cases(*, item=None, start=None, end=None, user=None):
    """The cases (not bundle parents) submitted in [start, end], scoped to ``user`` when given."""
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


def supplement_count():
    """An expression for ``cases()``: the number of 补正 requests of each case (0 when none), as
    a correlated subquery so that the case rows are not multiplied by a join on the events."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    CaseEvent = model("cases.CaseEvent")
    per_case = (
        CaseEvent.objects.filter(case=OuterRef("pk"), to_state="supplement_requested")
        .order_by()
        .values("case")
        .annotate(c=Count("*"))
        .values("c")
    )
    return Coalesce(Subquery(per_case, output_field=IntegerField()), Value(0))


def event_rows(*, item=None, start=None, end=None, user=None):
    """The events of those cases in log order: (case id, number, item, department, action, at,
    actor, role, status reached, channel)."""
    CaseEvent = model("cases.CaseEvent")
    return (
        CaseEvent.objects.filter(case__in=cases(item=item, start=start, end=end, user=user))
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


def _dfg_sql(where: str, pg: bool) -> str:
    """The directly-follows query: LAG over each case's events (median on PostgreSQL)."""
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


def step_rows(where: str, params: list, pg: bool) -> list[tuple]:
    """(previous action, action, count, median seconds) per pair on PostgreSQL; (previous
    action, action, seconds) per step elsewhere."""
    with connection.cursor() as cur:
        cur.execute(_dfg_sql(where, pg), params)
        return cur.fetchall()
