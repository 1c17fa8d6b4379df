"""Scoring (Doing Business frontier method) as properties: bounds, monotonicity, direction,
weighted means, the composite index, and the live topic values of one member."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from yingshang.monitoring import scoring
from yingshang.monitoring.definitions import load_definitions

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
SCORE = st.floats(min_value=0, max_value=100, allow_nan=False)
WEIGHT = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@pytest.fixture(scope="module")
def defs():
    return load_definitions()


def bounds():
    return st.tuples(FINITE, FINITE).filter(lambda bw: abs(bw[0] - bw[1]) > 1e-3)


@given(FINITE, bounds())
def test_component_score_is_within_0_and_100(y, bw):
    best, worst = bw
    assert 0.0 <= scoring.component_score(y, best, worst) <= 100.0


@given(bounds())
def test_frontier_scores_100_and_worst_scores_0(bw):
    best, worst = bw
    assert scoring.component_score(best, best, worst) == pytest.approx(100.0)
    assert scoring.component_score(worst, best, worst) == pytest.approx(0.0, abs=1e-9)
    mid = (best + worst) / 2
    assert scoring.component_score(mid, best, worst) == pytest.approx(50.0)


@given(FINITE, FINITE, bounds())
def test_moving_towards_the_frontier_never_lowers_the_score(a, b, bw):
    """Monotone in the direction of ``best``: for lower-is-better (best < worst) a smaller
    value scores at least as much; for higher-is-better the larger one does."""
    best, worst = bw
    closer, farther = (min(a, b), max(a, b)) if best < worst else (max(a, b), min(a, b))
    assert scoring.component_score(closer, best, worst) >= scoring.component_score(
        farther, best, worst
    )


@given(FINITE, bounds())
def test_swapping_the_bounds_mirrors_the_score_inside_the_range(y, bw):
    best, worst = bw
    lo, hi = sorted(bw)
    assume(lo <= y <= hi)
    s = scoring.component_score(y, best, worst)
    assert s + scoring.component_score(y, worst, best) == pytest.approx(100.0, abs=1e-6)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        scoring.component_score(bad, best=1, worst=18)


@given(st.lists(st.tuples(SCORE, WEIGHT), min_size=1, max_size=10))
def test_weighted_mean_lies_between_min_and_max(pairs):
    m = scoring.weighted_mean(pairs)
    xs = [x for x, _ in pairs]
    assert min(xs) - 1e-9 <= m <= max(xs) + 1e-9


@given(st.lists(st.tuples(SCORE, WEIGHT), min_size=1, max_size=10), WEIGHT)
def test_weighted_mean_ignores_the_scale_of_the_weights(pairs, k):
    scaled = [(x, w * k) for x, w in pairs]
    assert scoring.weighted_mean(scaled) == pytest.approx(scoring.weighted_mean(pairs))


def test_weighted_mean_and_mean_refuse_empty_or_zero_weights():
    with pytest.raises(ValueError):
        scoring.weighted_mean([])
    with pytest.raises(ValueError):
        scoring.weighted_mean([(50.0, 0.0), (70.0, 0.0)])
    with pytest.raises(ValueError):
        scoring.mean([])
    assert scoring.weighted_mean([(50.0, 1.0), (80.0, 3.0)]) == pytest.approx(72.5)


@given(st.dictionaries(st.sampled_from(["sb", "cp", "ge", "rp"]), SCORE, min_size=1))
def test_composite_index_is_within_its_groups(scores):
    defs = load_definitions()
    result = scoring.composite_index(defs, scores)
    assert set(result["groups"]) == {"db"}
    # one group only: the composite equals the db group, the plain mean of the topic scores
    # (the four topics carry equal weight in the shipped file)
    weights = {k: defs.indicators[k].weight for k in scores}
    expected = sum(scores[k] * weights[k] for k in scores) / sum(weights.values())
    assert result["score"] == pytest.approx(expected)
    assert 0 <= result["score"] <= 100


def test_composite_index_worked_example(defs):
    """db = mean(sb 80, cp 60) = 70 (equal weights); appeals = on-time 90 alone; the composite
    renormalises the [composite] weights over the two groups with data."""
    scores = {"sb": 80.0, "cp": 60.0, "appeals.on_time_rate": 90.0, "ge": None}
    result = scoring.composite_index(defs, scores)
    w = defs.composite
    assert result["groups"] == {"db": pytest.approx(70.0), "appeals": pytest.approx(90.0)}
    assert result["score"] == pytest.approx(
        (70 * w["db"] + 90 * w["appeals"]) / (w["db"] + w["appeals"])
    )


def test_indicator_score_none_without_bounds(defs):
    from dataclasses import replace

    ind = replace(defs.indicators["gov.on_time_rate"], best=None, worst=None)
    d = replace(defs, indicators={**defs.indicators, "gov.on_time_rate": ind})
    assert scoring.indicator_score(d, "gov.on_time_rate", 12.0) is None
    assert scoring.indicator_score(defs, "gov.on_time_rate", 12.0) == pytest.approx(12.0)


def test_entity_scores_use_the_published_score_when_components_are_missing(defs):
    values = {"ge.score": 95.35, "rp.procedures": 3, "rp.time": 9, "rp.cost": 4.6,
              "rp.quality_index": 23.5}  # fmt: skip
    out = scoring.entity_scores(defs, values)
    assert out["ge"] == {"components": {}, "score": 95.35, "published": 95.35}
    rp = out["rp"]
    assert rp["published"] is None
    expected = [
        100 * (13 - 3) / 12,
        100 * (210 - 9) / 209,
        100 * (15 - 4.6) / 15,
        100 * 23.5 / 30,
    ]
    assert rp["score"] == pytest.approx(sum(expected) / 4)
    assert "sb" not in out and "cp" not in out  # no data is left out, never 0


def test_combine_cities_keeps_only_what_every_city_has():
    a = {"sb": {"score": 90.0, "components": {"sb.time": 80.0, "sb.cost": 100.0}}}
    b = {
        "sb": {"score": 70.0, "components": {"sb.time": 60.0}},
        "cp": {"score": 50.0, "components": {}},
    }
    out = scoring.combine_cities({"X/A": (0.25, a), "X/B": (0.75, b)})
    assert set(out) == {"sb"}
    assert out["sb"]["score"] == pytest.approx(0.25 * 90 + 0.75 * 70)
    assert out["sb"]["components"] == {"sb.time": pytest.approx(65.0)}
    assert scoring.combine_cities({}) == {}


@given(SCORE, SCORE, st.floats(min_value=0.01, max_value=0.99))
def test_combined_score_lies_between_the_cities(s1, s2, w):
    out = scoring.combine_cities(
        {
            "P/A": (w, {"ge": {"score": s1, "components": {}}}),
            "P/B": (1 - w, {"ge": {"score": s2, "components": {}}}),
        }  # fmt: skip
    )
    assert min(s1, s2) - 1e-9 <= out["ge"]["score"] <= max(s1, s2) + 1e-9


# ------------------------------------------------------------------ live topic values


def _sb_data(n, interactions, days, fees):
    return {
        "sb:interactions__n": n,
        "sb:interactions__sum": interactions,
        "sb:calendar_days__sum": days,
        "sb:fee__sum": fees,
    }


def test_live_component_means_and_cost_against_income(defs):
    from dataclasses import replace

    d = replace(defs, income_per_capita=50000.0)
    data = _sb_data(4, 14, 10, 2000)
    comps = {c.key: c for c in d.components("sb")}
    assert scoring.live_component(d, comps["sb.procedures"], data) == (3.5, 14, 4)
    assert scoring.live_component(d, comps["sb.time"], data) == (2.5, 10, 4)
    # 2000 yuan over 4 applications = 500 per application = 1 % of 50 000
    value, num, den = scoring.live_component(d, comps["sb.cost"], data)
    assert (value, num, den) == (pytest.approx(1.0), 2000, 4)
    assert scoring.live_component(d, comps["sb.min_capital"], data) == (0.0, 0.0, 4)
    # no application of the topic in the period: no value at all
    assert scoring.live_component(d, comps["sb.time"], {}) is None


def test_live_cost_without_reference_is_no_data(defs):
    from dataclasses import replace

    d = replace(defs, income_per_capita=None)
    comp = next(c for c in d.components("sb") if c.key == "sb.cost")
    assert scoring.live_component(d, comp, _sb_data(2, 2, 2, 100)) == (None, 100, 2)
    out = scoring.live_topics(d, {"cases": _sb_data(2, 2, 2, 100)})
    assert out["sb"] == (None, None, None)  # a topic with a missing component is 无数据


@given(
    st.integers(min_value=1, max_value=50),
    st.floats(min_value=1, max_value=30),
    st.floats(min_value=0.5, max_value=120),
    st.floats(min_value=0, max_value=1e5),
)
def test_live_sb_score_is_the_mean_of_its_component_scores(n, procs, days, fee):
    from dataclasses import replace

    d = replace(load_definitions(), income_per_capita=40000.0)
    out = scoring.live_topics(d, {"cases": _sb_data(n, procs * n, days * n, fee * n)})
    comps = {c.key: c for c in d.components("sb")}
    expected = [
        scoring.component_score(procs, comps["sb.procedures"].best, comps["sb.procedures"].worst),
        scoring.component_score(days, comps["sb.time"].best, comps["sb.time"].worst),
        scoring.component_score(100 * fee / 40000, comps["sb.cost"].best, comps["sb.cost"].worst),
        100.0,  # paid-in minimum capital is 0
    ]
    score, num, den = out["sb"]
    assert (num, den) == (None, None)
    assert score == pytest.approx(sum(expected) / 4)
    assert 0 <= score <= 100
    assert "cp" not in out  # no construction-permit application: the topic is absent
