"""Drill-down (穿透): from an indicator value to the records behind it.

For every indicator the records of its denominator in the period and dimension member are
listed, the *flagged* ones first (the overdue cases, the appeals outside their limit, the lagging
tasks …), always through the owning app's ``visible_to(user)``: a record outside the caller's
scope is never listed. Links go to the owning app's detail page where one exists.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from yingshang.core.models import Department, Division

from . import dashboard as dash
from . import labels
from .compute import COMPOSITE
from .definitions import load_definitions
from .models import Dimension
from .periods import Period
from .sources import day_bounds
from .sources.drill import DRILLS


def context(user, indicator, dimension, member, period: Period) -> dict:
    defs = load_definitions()
    if indicator != COMPOSITE and indicator not in defs.indicators:
        raise KeyError(indicator)
    start, end = period.start, period.end
    if dimension not in ("city", "division", "department", "item"):
        raise KeyError(dimension)
    value = (
        dash.visible_values(user)
        .filter(
            indicator=indicator,
            period_kind=period.kind,
            period_start=period.start,
            dimension=dimension,
            dimension_id=member,
        )
        .first()
    )
    # The member itself must be visible (404 otherwise), whether or not it has a value.
    if not available(user, dimension, member, has_value=value is not None):
        raise Http404
    lo, hi = day_bounds(start, end)
    ind = defs.indicators.get(indicator)
    source = ind.source if ind else None
    drill = DRILLS.get(source)
    result = drill(user, indicator, dimension, member, lo, hi, start, end) if drill else None
    rows, extra = result if result else ([], None)
    return {
        "indicator": indicator,
        "name": ind.name if ind else _("综合指数"),
        "unit": ind.unit if ind else "score",
        "dimension_label": Dimension(dimension).label if dimension in Dimension.values else "",
        "member_name": _member_name(dimension, member),
        "period_kind_label": labels.period_kind(period.kind),
        "source": source,
        "dimension": dimension,
        "member": member,
        "kind": period.kind,
        "period": period.label,
        "value": value,
        "display": dash.fmt_unit(value.value if value else None, ind.unit if ind else "score"),
        "rows": rows,
        "flagged": sum(1 for r in rows if r["flag"]),
        "extra": extra,
        "available": result is not None,
    }


def has_records(indicator: str) -> bool:
    """Whether the indicator's source lists the records behind a value (an adapter in
    ``sources.drill``): the push delivery rates, for one, have none — their 明细 would be a
    page saying so."""
    ind = load_definitions().indicators.get(indicator)
    return ind is not None and ind.source in DRILLS


def available(user, dimension: str, member: int, *, has_value: bool = False) -> bool:
    """Whether ``user`` may drill into ``member`` of ``dimension``: the member is in the
    user's scope and (for a division) has values the user sees — the dashboard links 明细 only
    where this holds, the drill page answers 404 where it does not."""
    if dimension in ("city", "division"):
        if not Division.objects.visible_to(user).filter(pk=member).exists():
            return False
        return (
            has_value
            or user.is_superuser
            or dash.visible_values(user).filter(dimension=dimension, dimension_id=member).exists()
        )
    if dimension == "department":
        return Department.objects.visible_to(user).filter(pk=member).exists()
    return True


def _member_name(dimension: str, member: int) -> str:
    """The member in words (a division, department or item name)."""
    if dimension in ("city", "division"):
        return Division.objects.filter(pk=member).values_list("name", flat=True).first() or ""
    if dimension == "department":
        return Department.objects.filter(pk=member).values_list("name", flat=True).first() or ""
    from .sources.catalog import item_names

    return item_names([member]).get(member, "")
