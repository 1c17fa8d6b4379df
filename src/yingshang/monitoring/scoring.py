"""Scoring (评分): the World Bank Doing Business 2020 method, as pure functions.

- component score = 100 · (worst − y) / (worst − best), clipped to [0, 100]; the same formula
  serves "lower is better" (procedures, time, cost) and "higher is better" (quality indices,
  where best > worst);
- topic score = plain mean of its component scores;
- starting a business: procedures, time and cost are each the mean of the men's and the
  women's scores;
- inputs are used unrounded;
- an entity measured in several cities scores the population-weighted mean of the city scores
  (China in DB2020: Shanghai 0.55, Beijing 0.45).

Live topics (``live_topics``): the component values of a member and period from the case facts
of the mapped bundles/items (procedures, time, fees) and the configured figures (reference
values for the cost, the city's assessed indices), then the topic score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from .definitions import DB_TOPICS, INDEX_MEASURE, REFERENCES, Definitions, Indicator

WEIGHT_TOLERANCE = 1e-6


def component_score(y: float, best: float, worst: float) -> float:
    """100·(worst − y)/(worst − best), clipped to [0, 100]."""
    if best == worst:
        raise ValueError("best and worst bounds must differ")
    if not math.isfinite(y):
        raise ValueError("value must be a finite number")
    score = 100.0 * (worst - y) / (worst - best)
    return min(100.0, max(0.0, score))


def mean(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("mean of no values")
    return math.fsum(values) / len(values)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    """Σ w·x / Σ w over (value, weight) pairs."""
    pairs = list(pairs)
    total = math.fsum(w for _, w in pairs)
    if not pairs or total <= 0:
        raise ValueError("weights must be positive")
    return math.fsum(x * w for x, w in pairs) / total


def weights_sum_to_one(weights: Iterable[float], tolerance: float = WEIGHT_TOLERANCE) -> bool:
    return abs(math.fsum(weights) - 1.0) <= tolerance


def topic_scores(
    defs: Definitions, topic: str, values: Mapping[str, float]
) -> tuple[dict[str, float], float] | None:
    """Component scores and the topic score of one DB topic.

    ``values`` holds the input keys of the benchmark CSV (``sb.time_men``, ``cp.time`` …).
    Returns None when any component value is missing (no data is never scored as 0).
    """
    components: dict[str, float] = {}
    for comp in defs.components(topic):
        if comp.gendered:
            keys = (f"{comp.key}_men", f"{comp.key}_women")
            if any(k not in values for k in keys):
                return None
            score = mean(component_score(values[k], comp.best, comp.worst) for k in keys)
        else:
            if comp.key not in values:
                return None
            score = component_score(values[comp.key], comp.best, comp.worst)
        components[comp.key] = score
    return components, mean(components.values())


def entity_scores(defs: Definitions, values: Mapping[str, float]) -> dict[str, dict]:
    """All DB topics of one entity: {topic: {"components": {...}, "score": x}}; topics with
    incomplete data are left out. A published topic score (``sb.score``) is used when the
    components are absent and reported beside the computed score when both are present."""
    out: dict[str, dict] = {}
    for topic in DB_TOPICS:
        if topic not in defs.indicators:
            continue
        result = topic_scores(defs, topic, values)
        published = values.get(f"{topic}.score")
        if result is not None:
            components, score = result
            out[topic] = {"components": components, "score": score, "published": published}
        elif published is not None:
            out[topic] = {"components": {}, "score": published, "published": published}
    return out


def combine_cities(city_results: Mapping[str, tuple[float, Mapping[str, dict]]]) -> dict:
    """Population-weighted mean of city scores: {city: (weight, entity_scores)} → scores of
    the parent. A topic (or component) is combined only when every city has it."""
    out: dict[str, dict] = {}
    cities = list(city_results.values())
    if not cities:
        return out
    for topic in DB_TOPICS:
        if not all(topic in scores for _, scores in cities):
            continue
        score = weighted_mean((scores[topic]["score"], w) for w, scores in cities)
        comp_keys = set.intersection(*(set(s[topic]["components"]) for _, s in cities))
        components = {
            key: weighted_mean((s[topic]["components"][key], w) for w, s in cities)
            for key in sorted(comp_keys)
        }
        out[topic] = {"components": components, "score": score, "published": None}
    return out


def indicator_score(defs: Definitions, key: str, value: float | None) -> float | None:
    """Score of any bounded indicator on the 0–100 frontier scale; None for no data."""
    if value is None:
        return None
    ind = defs.indicators[key]
    if not ind.has_bounds:
        return None
    return component_score(value, ind.best, ind.worst)


def composite_index(defs: Definitions, scores: Mapping[str, float | None]) -> dict:
    """Composite index (综合指数) from indicator scores (0–100, None = no data).

    Group score = weight-averaged score of the group's indicators that have data (indicator
    ``weight``); composite = group scores weighted by the [composite] table. Weights are
    renormalised over what has data, so a missing figure never counts as 0.
    """
    groups: dict[str, float] = {}
    for group in defs.composite:
        pairs = [
            (scores[k], ind.weight)
            for k, ind in defs.indicators.items()
            if ind.group == group and ind.weight > 0 and scores.get(k) is not None
        ]
        if pairs:
            groups[group] = weighted_mean(pairs)
    pairs = [(s, defs.composite[g]) for g, s in groups.items() if defs.composite[g] > 0]
    return {"groups": groups, "score": weighted_mean(pairs) if pairs else None}


def live_component(
    defs: Definitions, comp: Indicator, data: Mapping[str, float]
) -> tuple[float | None, float | None, float | None] | None:
    """(value, numerator, denominator) of one DB component from a member's summed case facts
    (``<topic>:interactions__sum`` …), or None when the member had no application of the
    topic in the period (then no value is stored at all).

    - procedures / time: Σ / n over the applications;
    - cost: 100 · Σ fees / n / the configured reference value (income per capita, warehouse
      value or property value); no data when the reference value is not configured;
    - paid-in minimum capital: 0 (subscribed-capital system);
    - assessed index: the city's configured value (``[city.indices]``), no data when unset.
    """
    topic = comp.key.split(".")[0]
    n = data.get(f"{topic}:interactions__n", 0.0)
    if not n:
        return None
    measure = comp.formula.get("measure")
    if measure in ("interactions", "calendar_days"):
        s = data.get(f"{topic}:{measure}__sum", 0.0)
        return s / n, s, n
    if measure in REFERENCES:
        s = data.get(f"{topic}:fee__sum", 0.0)
        ref = defs.reference(measure)
        return ((100.0 * s / n / ref) if ref else None), s, n
    if measure == "min_capital_pct_income":
        return 0.0, 0.0, n
    if measure == INDEX_MEASURE:
        return defs.indices.get(comp.key), None, n
    return None, None, n


def live_topics(defs: Definitions, sums: Mapping[str, Mapping[str, float]]) -> dict[str, tuple]:
    """{indicator: (value, numerator, denominator)} of every DB topic and component for one
    member and period (``sums``: {source: summed facts}). A topic appears only when the member
    had applications of it; its score is None (无数据) when any component has no value."""
    data = sums.get("cases") or {}
    out: dict[str, tuple] = {}
    for key, ind in defs.indicators.items():
        if ind.kind != "db_topic":
            continue
        comps = defs.components(key)
        values = []
        for comp in comps:
            result = live_component(defs, comp, data) if comp.kind == "db_component" else None
            if result is not None:
                out[comp.key] = result
            values.append(result[0] if result is not None else None)
        if not any(c.key in out for c in comps):
            continue
        if any(v is None for v in values):
            out[key] = (None, None, None)
            continue
        scores = [component_score(v, c.best, c.worst) for v, c in zip(values, comps, strict=True)]
        out[key] = (mean(scores), None, None)
    return out
