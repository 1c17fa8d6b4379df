"""Reads for the dashboards, the API and the reports — from stored values only, scoped.

Every read goes through ``IndicatorValue.objects.visible_to(user)``: a county supervisor sees
its county (and its departments and items), never the city total or another county; a
department-bound role sees its department.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.core.models import Department, Division, DivisionLevel
from yingshang.platform.templatetags.punct import mark

from . import labels, scoring
from .compute import COMPOSITE
from .definitions import DB_TOPICS, load_definitions
from .models import BenchmarkValue, IndicatorValue
from .periods import KINDS, Period

CARD_GROUPS = ("db", "gov", "appeals", "evaluations", "supervision")
NO_DATA = gettext_lazy("无数据")
# the topics the cards are grouped by (the [composite] groups), in words
GROUP_LABELS = {
    "composite": gettext_lazy("综合指数"),
    "db": gettext_lazy("营商环境评价（世界银行方法）"),
    "gov": gettext_lazy("政务服务"),
    "appeals": gettext_lazy("企业诉求"),
    "evaluations": gettext_lazy("好差评"),
    "supervision": gettext_lazy("改革任务督办"),
}
# short topic names that tell apart two cards of the same name ("按时办结率")
GROUP_SHORT = {
    "db": gettext_lazy("营商评价"),
    "gov": gettext_lazy("政务服务办件"),
    "appeals": gettext_lazy("企业诉求"),
    "evaluations": gettext_lazy("好差评"),
    "supervision": gettext_lazy("改革任务"),
}
# why a card of a topic has no value for the period
NO_DATA_REASONS = {
    "db": gettext_lazy("本期间没有该事项的办件记录，或未设置参考值。"),
    "gov": gettext_lazy("本期间没有可计算的办件记录（例如没有办结的办件）。"),
    "appeals": gettext_lazy("本期间没有可计算的企业诉求记录。"),
    "evaluations": gettext_lazy("本期间没有好差评记录。"),
    "supervision": gettext_lazy("本期间没有到期或在办的改革任务。"),
}


def visible_values(user):
    return IndicatorValue.objects.visible_to(user)


def home_member(user) -> tuple[str, int | None]:
    """The dimension member a user's dashboard opens on: the city, or the user's county."""
    if user.is_superuser or not user.division_id:
        city = Division.objects.filter(level=DivisionLevel.CITY).order_by("code").first()
        return "city", city.pk if city else None
    path = user.division.path.strip("/").split("/")
    if len(path) <= 2:
        return "city", Division.objects.get(code=path[-1]).pk
    return "division", Division.objects.get(code=path[2]).pk


def resolve_member(user, division_id: str | int | None) -> tuple[str, int, Division]:
    """(dimension, id, division) for a ``division`` filter; 404 when not visible."""
    if division_id in (None, ""):
        dim, pk = home_member(user)
        if pk is None:
            raise Http404
        return dim, pk, Division.objects.get(pk=pk)
    try:
        division = Division.objects.visible_to(user).get(pk=int(division_id))
    except (Division.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if division.level == DivisionLevel.CITY:
        dim = "city"
    elif division.level == DivisionLevel.COUNTY:
        dim = "division"
    else:
        raise Http404
    # A county user may not open the city total even though the city row is an ancestor.
    if not visible_values(user).filter(dimension=dim, dimension_id=division.pk).exists():
        if not user.is_superuser and not (
            user.division_id and division.path.startswith(user.division.path)
        ):
            raise Http404
    return dim, division.pk, division


def parse_period(kind: str | None, text: str | None) -> Period:
    """The period asked for (kind defaults to month); without a text, the latest one with
    stored values (or the current one). ValueError for a bad text."""
    kind = kind if kind in KINDS else "month"
    if text:
        return Period.parse(kind, text)
    latest = (
        IndicatorValue.objects.filter(period_kind=kind)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    return Period.of(kind, latest or timezone.localdate())


def fmt(value, unit: str = "") -> str:
    if value is None:
        return str(NO_DATA)
    if unit == "%":
        return f"{value:.1f}%"
    text = f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_unit(value, unit: str = "") -> str:
    """The value with its unit in words ("3.5 工作日", "72.4%", "12 分"); "无数据" without one."""
    from . import labels

    if value is None or unit in ("", "%"):
        return fmt(value, unit)
    return f"{fmt(value, unit)} {labels.unit(unit)}"


def coverage(defs, values: dict) -> dict:
    """What the composite index covers: the weighted indicators with a value of each
    composite topic, out of those defined (a missing one is left out, never counted as 0)."""
    topics = []
    for group, weight in defs.composite.items():
        if weight <= 0:
            continue
        keys = [k for k, ind in defs.indicators.items() if ind.group == group and ind.weight > 0]
        have = [k for k in keys if values.get(k) is not None]
        topics.append(
            {
                "group": group,
                "label": str(GROUP_LABELS.get(group, group)),
                "have": len(have),
                "total": len(keys),
            }
        )
    have = sum(t["have"] for t in topics)
    total = sum(t["total"] for t in topics)
    return {
        "topics": topics,
        "have": have,
        "total": total,
        "topics_with_data": sum(1 for t in topics if t["have"]),
        "topics_total": len(topics),
        "complete": have == total,
        "missing": [t["label"] for t in topics if not t["have"]],
    }


def _benchmark_values(defs) -> dict[str, list[dict]]:
    """Latest benchmark period: {indicator key: [{entity, value}]} for topics and components."""
    from .selectors import benchmark_results

    result = benchmark_results()
    out: dict[str, list[dict]] = {}
    if not result.get("period"):
        return out
    for group in ("parents", "entities"):
        for entity, data in result.get(group, {}).items():
            for topic, t in data["topics"].items():
                out.setdefault(topic, []).append({"entity": entity, "value": t["score"]})
    raw: dict[tuple[str, str], list[float]] = {}
    for b in BenchmarkValue.objects.filter(period=result["period"]):
        key = b.indicator.removesuffix("_men").removesuffix("_women")
        if key in defs.indicators:
            raw.setdefault((key, b.entity), []).append(b.value)
    for (key, entity), vals in raw.items():
        out.setdefault(key, []).append({"entity": entity, "value": sum(vals) / len(vals)})
    return out


def cards(user, period: Period, dim, member) -> list[dict]:
    """Indicator cards of one member and period: value, frontier score, gap to the frontier,
    benchmarks with the gap, the previous period's value."""
    defs = load_definitions(figures=True)
    rows = {
        r.indicator: r
        for r in visible_values(user).filter(
            period_kind=period.kind, period_start=period.start, dimension=dim, dimension_id=member
        )
    }
    prev = dict(
        visible_values(user)
        .filter(
            period_kind=period.kind,
            period_start=period.previous().start,
            dimension=dim,
            dimension_id=member,
        )
        .values_list("indicator", "value")
    )
    bench = _benchmark_values(defs)
    notes = _missing_notes(defs)
    out = []
    comp = rows.get(COMPOSITE)
    cover = coverage(defs, {k: r.value for k, r in rows.items()})
    comp_value = comp.value if comp else None
    out.append(
        {
            "key": COMPOSITE,
            "name": _("综合指数"),
            "label": _("综合指数"),
            "group": "composite",
            "group_label": str(GROUP_LABELS["composite"]),
            "unit": "score",
            "unit_label": labels.unit("score"),
            "value": comp_value,
            "display": fmt_unit(comp_value, "score"),
            "score": comp_value,
            "best": 100.0,
            "worst": 0.0,
            "gap_to_frontier": (100.0 - comp_value) if comp_value is not None else None,
            "previous": prev.get(COMPOSITE),
            "previous_display": fmt_unit(prev.get(COMPOSITE), "score"),
            "previous_score": prev.get(COMPOSITE),
            "numerator": None,
            "denominator": None,
            "benchmarks": [],
            "headline": True,
            "coverage": cover,
            "note": _composite_note(cover, comp_value),
        }
    )
    for key, ind in defs.indicators.items():
        if ind.group not in CARD_GROUPS or not ind.has_bounds:
            continue
        if ind.group == "db" and key not in DB_TOPICS and "." not in key:
            continue
        row = rows.get(key)
        value = row.value if row else None
        score = scoring.indicator_score(defs, key, value)
        gap = None
        if value is not None:
            gap = (ind.best - value) if ind.direction == "higher" else (value - ind.best)
            gap = max(gap, 0.0)  # at or beyond the frontier: no gap (the score is 100)
        note = None
        if value is None:
            note = notes.get(key) or str(NO_DATA_REASONS.get(ind.group, ""))
        out.append(
            {
                "key": key,
                "name": ind.name,
                "label": ind.name,
                "name_en": ind.name_en,
                "group": ind.group,
                "group_label": str(GROUP_LABELS.get(ind.group, ind.group)),
                "unit": ind.unit,
                "unit_label": labels.unit(ind.unit),
                "value": value,
                "display": fmt_unit(value, ind.unit),
                "score": score,
                "best": ind.best,
                "worst": ind.worst,
                "gap_to_frontier": gap,
                "previous": prev.get(key),
                "previous_display": fmt_unit(prev.get(key), ind.unit),
                "previous_score": scoring.indicator_score(defs, key, prev.get(key)),
                "numerator": row.numerator if row else None,
                "denominator": row.denominator if row else None,
                "headline": ind.weight > 0,
                "note": note,
                "benchmarks": [
                    {
                        "entity": b["entity"],
                        "value": b["value"],
                        "gap": None if value is None else value - b["value"],
                    }
                    for b in bench.get(key, [])
                ],
            }
        )
    _disambiguate(out)
    return out


def _composite_note(cover: dict, value) -> str:
    """The composite index is never shown without what it covers."""
    if value is None:
        return _("本期间没有可计算的指标，无法合成综合指数。")
    text = _("覆盖 %(t)d/%(tt)d 类、%(i)d/%(it)d 项加权指标") % {
        "t": cover["topics_with_data"],
        "tt": cover["topics_total"],
        "i": cover["have"],
        "it": cover["total"],
    }
    if cover["missing"]:
        text += _("；缺：%(m)s（按已有数据重新加权，不计为 0）") % {
            "m": "、".join(cover["missing"])
        }
    return text


def _disambiguate(cards_: list[dict]) -> None:
    """Two cards of the same name (按时办结率 of cases and of appeals) get their topic added:
    "按时办结率（政务服务办件）", "按时办结率（企业诉求）" (the marks of the language shown)."""
    from collections import Counter

    counts = Counter(c["name"] for c in cards_)
    for c in cards_:
        if counts[c["name"]] > 1 and c["group"] in GROUP_SHORT:
            c["label"] = f"{c['name']}{mark('lparen')}{GROUP_SHORT[c['group']]}{mark('rparen')}"


def grouped(cards_: list[dict]) -> list[dict]:
    """The cards by topic, in the order of CARD_GROUPS (the composite first):
    [{group, label, cards}]."""
    order = ["composite", *CARD_GROUPS]
    out = []
    for group in order:
        members = [c for c in cards_ if c["group"] == group]
        if members:
            out.append({"group": group, "label": str(GROUP_LABELS[group]), "cards": members})
    return out


def _missing_notes(defs) -> dict[str, str]:
    """Why a DB component (and its topic) has no live value: an unset reference value or
    assessed index. Topics get the notes of their components."""
    notes: dict[str, str] = {}
    for topic in DB_TOPICS:
        if topic not in defs.indicators:
            continue
        topic_notes = []
        for comp in defs.components(topic):
            note = defs.missing_note(comp.key)
            if note:
                notes[comp.key] = note
                topic_notes.append(note)
        if topic_notes:
            notes[topic] = "; ".join(topic_notes)
    return notes


def trend(user, until: Period, dim, member, indicator=COMPOSITE, n=12) -> list[dict]:
    """The indicator over the ``n`` periods ending with ``until``."""
    periods = until.last(n)
    got = dict(
        visible_values(user)
        .filter(
            indicator=indicator,
            period_kind=until.kind,
            dimension=dim,
            dimension_id=member,
            period_start__in=[p.start for p in periods],
        )
        .values_list("period_start", "value")
    )
    return [
        {"period": p.label, "start": p.start.isoformat(), "value": got.get(p.start)}
        for p in periods
    ]


def counties(user, period: Period, indicator=COMPOSITE) -> list[dict]:
    """The visible counties with the indicator's value (for the county chart)."""
    values = dict(
        visible_values(user)
        .filter(
            indicator=indicator,
            period_kind=period.kind,
            period_start=period.start,
            dimension="division",
        )
        .values_list("dimension_id", "value")
    )
    divisions = Division.objects.visible_to(user).filter(level=DivisionLevel.COUNTY)
    return [
        {"id": d.pk, "code": d.code, "name": d.name, "value": values.get(d.pk)}
        for d in divisions.order_by("code")
        if d.pk in values or not d.is_management_area
    ]


def county_map(defs, counties_: list[dict]) -> dict | None:
    """The county map layout of the city's definitions for the counties shown: tiles
    ``{"type": "tiles", "tiles": [{code, name, x, y, value}]}`` or ``{"type": "geojson",
    "codes": [...]}`` (the geometry itself is added by the page, not the API); None = no map
    (bar chart only)."""
    conf = defs.county_map
    if not conf or not counties_:
        return None
    if "geojson" in conf:
        return {"type": "geojson", "codes": list(conf["codes"])}
    tiles = [
        {**c, "x": conf["tiles"][c["code"]][0], "y": conf["tiles"][c["code"]][1]}
        for c in counties_
        if c["code"] in conf["tiles"]
    ]
    return {"type": "tiles", "tiles": tiles} if tiles else None


def county_geojson(defs) -> dict | None:
    """The configured county GeoJSON (read from the file named in ``[map] geojson``)."""
    import json

    conf = defs.county_map or {}
    if "geojson" not in conf:
        return None
    return json.loads(conf["geojson"].read_text(encoding="utf-8"))


def ranking(user, period: Period, indicator=COMPOSITE, dimension="department", within=None, n=20):
    """Members of ``dimension`` ranked by the indicator (best first; no data last)."""
    defs = load_definitions()
    qs = visible_values(user).filter(
        indicator=indicator,
        period_kind=period.kind,
        period_start=period.start,
        dimension=dimension,
    )
    if within is not None:
        qs = qs.filter(division_path__startswith=within.path)
    rows = list(qs.values("dimension_id", "value", "numerator", "denominator"))
    lower = indicator in defs.indicators and defs.indicators[indicator].direction == "lower"
    rows.sort(key=lambda r: (r["value"] is None, (r["value"] or 0) * (1 if lower else -1)))
    names = {}
    if dimension == "department":
        names = dict(
            Department.objects.filter(pk__in=[r["dimension_id"] for r in rows]).values_list(
                "pk", "name"
            )
        )
    elif dimension in ("division", "city"):
        names = dict(
            Division.objects.filter(pk__in=[r["dimension_id"] for r in rows]).values_list(
                "pk", "name"
            )
        )
    else:
        from .sources.catalog import item_names

        names = item_names([r["dimension_id"] for r in rows])
    return [
        {**r, "name": names.get(r["dimension_id"], str(r["dimension_id"])), "rank": i}
        for i, r in enumerate(rows[:n], start=1)
    ]


def dashboard(user, *, period: Period, division=None, indicator=None) -> dict:
    """Everything the dashboard shows for ``period`` (see ``parse_period`` for the query's)."""
    dim, member, div = resolve_member(user, division)
    defs = load_definitions()
    indicator = indicator if indicator in defs.indicators or indicator == COMPOSITE else COMPOSITE
    county_values = counties(user, period, indicator) if dim == "city" else []
    ind = defs.indicators.get(indicator)
    return {
        "kind": period.kind,
        "period": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "dimension": dim,
        "division": {"id": div.pk, "code": div.code, "name": div.name},
        "indicator": indicator,
        "indicator_name": defs.indicators[indicator].name
        if indicator in defs.indicators
        else _("综合指数"),
        "definitions_version": defs.version,
        "cards": (card_list := cards(user, period, dim, member)),
        "groups": grouped(card_list),
        "trend": trend(user, period, dim, member, indicator),
        "indicator_direction": ind.direction if ind else "higher",
        "counties": county_values,
        "county_map": county_map(defs, county_values),
        "ranking": ranking(
            user, period, indicator, "department", within=div if dim == "division" else None
        ),
    }
