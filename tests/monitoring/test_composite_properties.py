"""The composite index (综合指数) as properties and one example worked by hand: group scores are
weighted means of the indicator scores with data, the composite the [composite]-weighted mean of
the groups with data — so it is monotone in every score, lies between its groups, ignores the
scale of the weights, and no-data never counts as 0."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import scoring
from yingshang.monitoring.definitions import load_definitions

DEFS = load_definitions()
WEIGHTED = sorted(k for k, ind in DEFS.indicators.items() if ind.weight > 0)
SCORE = st.floats(min_value=0, max_value=100, allow_nan=False)
SCORES = st.dictionaries(st.sampled_from(WEIGHTED), SCORE, min_size=1)


def composite(scores, defs=DEFS):
    return scoring.composite_index(defs, scores)


def test_worked_example_with_every_group():
    """db: sb 90 alone → 90; gov: 80 and 60 → 70; appeals 50; evaluations 100; supervision 0.
    Composite = 0.4·90 + 0.3·70 + 0.1·50 + 0.1·100 + 0.1·0 = 72 (the weights sum to 1)."""
    scores = {
        "sb": 90.0,
        "gov.on_time_rate": 80.0,
        "gov.mean_trips": 60.0,
        "appeals.on_time_rate": 50.0,
        "evaluations.good_rate": 100.0,
        "supervision.lagging_tasks": 0.0,
    }
    result = composite(scores)
    assert result["groups"] == {
        "db": pytest.approx(90.0),
        "gov": pytest.approx(70.0),
        "appeals": pytest.approx(50.0),
        "evaluations": pytest.approx(100.0),
        "supervision": pytest.approx(0.0),
    }
    assert result["score"] == pytest.approx(72.0)


def test_a_zero_score_counts_but_no_data_does_not():
    with_zero = composite({"sb": 80.0, "supervision.lagging_tasks": 0.0})
    without = composite({"sb": 80.0, "supervision.lagging_tasks": None})
    assert with_zero["score"] == pytest.approx(80 * 0.4 / 0.5)
    assert without["score"] == pytest.approx(80.0)
    assert "supervision" not in without["groups"]


def test_indicators_without_weight_and_unknown_keys_are_ignored():
    unweighted = next(k for k, ind in DEFS.indicators.items() if ind.weight == 0)
    base = composite({"sb": 70.0})
    assert composite({"sb": 70.0, unweighted: 0.0}) == base
    assert composite({"sb": 70.0, "no.such_indicator": 0.0}) == base


def test_a_group_with_zero_composite_weight_is_shown_but_not_counted():
    defs = replace(DEFS, composite={**DEFS.composite, "gov": 0.0})
    result = composite({"sb": 90.0, "gov.on_time_rate": 10.0}, defs)
    assert result["groups"]["gov"] == pytest.approx(10.0)
    assert result["score"] == pytest.approx(90.0)
    only_gov = composite({"gov.on_time_rate": 10.0}, defs)
    assert only_gov["score"] is None and only_gov["groups"] == {"gov": pytest.approx(10.0)}


@given(SCORES, st.sampled_from(WEIGHTED), st.floats(min_value=0.001, max_value=100))
def test_raising_one_score_never_lowers_the_composite(scores, key, delta):
    before = scores.get(key, 0.0)
    raised = {**scores, key: min(100.0, before + delta)}
    if key not in scores:
        scores = {**scores, key: 0.0}
    assert composite(raised)["score"] >= composite(scores)["score"] - 1e-9
    group = DEFS.indicators[key].group
    assert composite(raised)["groups"][group] >= composite(scores)["groups"][group] - 1e-9


@given(SCORES)
def test_the_composite_lies_between_its_group_scores(scores):
    result = composite(scores)
    groups = list(result["groups"].values())
    assert min(groups) - 1e-9 <= result["score"] <= max(groups) + 1e-9
    for group, value in result["groups"].items():
        members = [s for k, s in scores.items() if DEFS.indicators[k].group == group]
        assert min(members) - 1e-9 <= value <= max(members) + 1e-9


@given(SCORES, st.floats(min_value=0.01, max_value=100))
def test_scaling_the_composite_weights_changes_nothing(scores, k):
    scaled = replace(DEFS, composite={g: w * k for g, w in DEFS.composite.items()})
    assert composite(scores, scaled)["score"] == pytest.approx(composite(scores)["score"])


@given(st.sets(st.sampled_from(WEIGHTED), min_size=1), SCORE)
def test_equal_scores_give_that_score(keys, s):
    result = composite(dict.fromkeys(keys, s))
    assert result["score"] == pytest.approx(s)
    assert all(v == pytest.approx(s) for v in result["groups"].values())


@given(SCORES)
def test_adding_a_group_at_the_composite_leaves_it_unchanged(scores):
    """Renormalisation over the groups with data: a new group scoring exactly the current
    composite changes nothing (it is a weighted mean, not a sum)."""
    present = {DEFS.indicators[k].group for k in scores}
    missing = [g for g in DEFS.composite if g not in present]
    if not missing:
        return
    current = composite(scores)["score"]
    key = next(k for k in WEIGHTED if DEFS.indicators[k].group == missing[0])
    assert composite({**scores, key: current})["score"] == pytest.approx(current)


@given(SCORES)
def test_the_order_of_the_scores_does_not_matter(scores):
    backwards = dict(reversed(list(scores.items())))
    assert composite(backwards)["score"] == pytest.approx(composite(scores)["score"])


# -------------------------------------------------------------- indicator scores feeding it


@pytest.mark.parametrize(
    "key,value,expected",
    [
        # higher is better, frontier 100 %: the score is the value itself within 0–100
        ("gov.on_time_rate", 87.5, 87.5),
        ("gov.on_time_rate", 120.0, 100.0),
        # lower is better, from the shipped bounds
        ("gov.mean_trips", 0.0, 100.0),
        ("gov.mean_trips", 3.0, 0.0),
        ("gov.mean_trips", 4.0, 0.0),  # clipped
    ],
)
def test_indicator_scores_from_the_shipped_bounds(key, value, expected):
    ind = DEFS.indicators[key]
    assert scoring.indicator_score(DEFS, key, value) == pytest.approx(expected)
    assert scoring.indicator_score(DEFS, key, ind.best) == pytest.approx(100.0)
    assert scoring.indicator_score(DEFS, key, ind.worst) == pytest.approx(0.0)


@given(st.sampled_from(WEIGHTED), st.floats(min_value=-1e4, max_value=1e4))
def test_every_weighted_indicator_scores_within_0_and_100(key, value):
    score = scoring.indicator_score(DEFS, key, value)
    assert score is not None and 0.0 <= score <= 100.0
