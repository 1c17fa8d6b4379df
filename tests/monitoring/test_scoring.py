"""Scoring maths (Doing Business 2020 method) and reproduction of published DB2020 scores.

Published figures used here — World Bank, Doing Business 2020 historical data set, DB Year 2020
rows "China", "China Shanghai", "China Beijing" (unrounded topic scores), read from the copy in
github.com/Alieladi/doingbusiness_dashboard, data/doingbuisness2020.csv. The rounded values
match what was reported when DB2020 was released (24 Oct 2019): China starting a business 94.1,
dealing with construction permits 77.3, getting electricity 95.4, registering property 81.0;
Beijing overall 78.2 (新京报, Nov 2019). The component values (procedures, days, cost) behind
these scores could not be verified in a published source, so no test claims to reproduce a
published topic score from its components.
"""

import math

import pytest

from yingshang.monitoring import scoring
from yingshang.monitoring.definitions import load_definitions

SHANGHAI = {
    "sb": 93.28278,
    "cp": 76.96494000000001,
    "ge": 95.35325999999999,
    "rp": 79.68127000000001,
}
BEIJING = {"sb": 95.08126999999999, "cp": 77.7654, "ge": 95.35325999999999, "rp": 82.59794000000002}
CHINA = {"sb": 94.0921, "cp": 77.32515000000002, "ge": 95.35325999999999, "rp": 80.99377000000001}
CHINA_REPORTED_1DP = {"sb": 94.1, "cp": 77.3, "ge": 95.4, "rp": 81.0}


@pytest.fixture
def defs():
    return load_definitions()


def test_component_score_formula_and_clipping():
    assert scoring.component_score(4, best=1, worst=18) == pytest.approx(100 * 14 / 17)
    assert scoring.component_score(1, best=1, worst=18) == 100.0
    assert scoring.component_score(0.5, best=1, worst=18) == 100.0  # better than frontier
    assert scoring.component_score(25, best=1, worst=18) == 0.0  # worse than worst
    with pytest.raises(ValueError):
        scoring.component_score(3, best=5, worst=5)
    with pytest.raises(ValueError):
        scoring.component_score(math.nan, best=1, worst=18)


def test_quality_indices_score_higher_as_better(defs):
    cp_q = defs.indicators["cp.quality_index"]
    assert (cp_q.best, cp_q.worst) == (15, 0)
    assert scoring.component_score(15, cp_q.best, cp_q.worst) == 100.0
    assert scoring.component_score(0, cp_q.best, cp_q.worst) == 0.0
    assert scoring.component_score(12, cp_q.best, cp_q.worst) == pytest.approx(80.0)
    ge_r = defs.indicators["ge.reliability_index"]
    assert scoring.component_score(7, ge_r.best, ge_r.worst) == pytest.approx(87.5)
    rp_q = defs.indicators["rp.quality_index"]
    assert scoring.component_score(24, rp_q.best, rp_q.worst) == pytest.approx(80.0)
    assert scoring.component_score(40, rp_q.best, rp_q.worst) == 100.0  # clipped


def test_bounds_are_the_db2020_table(defs):
    expected = {
        "sb.procedures": (1, 18), "sb.time": (0.5, 100), "sb.cost": (0, 200),
        "sb.min_capital": (0, 400), "cp.procedures": (5, 30), "cp.time": (26, 373),
        "cp.cost": (0, 20), "cp.quality_index": (15, 0), "ge.procedures": (3, 9),
        "ge.time": (18, 248), "ge.cost": (0, 8100), "ge.reliability_index": (8, 0),
        "rp.procedures": (1, 13), "rp.time": (1, 210), "rp.cost": (0, 15),
        "rp.quality_index": (30, 0),
    }  # fmt: skip
    for key, (best, worst) in expected.items():
        assert (defs.indicators[key].best, defs.indicators[key].worst) == (best, worst), key


def test_domain_worked_example_components(defs):
    """DOMAIN.md: Beijing SB, 4 procedures and 8 days score 82.35 and 92.46."""
    values = {
        "sb.procedures_men": 4, "sb.procedures_women": 4, "sb.time_men": 8,
        "sb.time_women": 8, "sb.cost_men": 0.7, "sb.cost_women": 0.7, "sb.min_capital": 0,
    }  # fmt: skip
    components, score = scoring.topic_scores(defs, "sb", values)
    assert round(components["sb.procedures"], 2) == 82.35
    assert round(components["sb.time"], 2) == 92.46
    assert components["sb.min_capital"] == 100.0
    # With the rounded 0.7 % cost the mean is 93.616…; DOMAIN.md quotes 93.61, which needs
    # the unrounded cost (a cost of 0.7 gives 99.65; 93.61 needs ≈ 0.73–0.8 %). The DB2020
    # data set gives Beijing SB 95.08 (see BEIJING), so the example is not DB2020's.
    assert score == pytest.approx((100 * 14 / 17 + 100 * 92 / 99.5 + 99.65 + 100) / 4)


def test_men_and_women_scores_are_averaged(defs):
    values = {
        "sb.procedures_men": 4, "sb.procedures_women": 6, "sb.time_men": 10,
        "sb.time_women": 10, "sb.cost_men": 0, "sb.cost_women": 0, "sb.min_capital": 0,
    }  # fmt: skip
    components, _ = scoring.topic_scores(defs, "sb", values)
    assert components["sb.procedures"] == pytest.approx((100 * 14 / 17 + 100 * 12 / 17) / 2)


def test_unrounded_inputs_are_used(defs):
    base = {"ge.procedures": 3, "ge.cost": 0, "ge.reliability_index": 8}
    _, a = scoring.topic_scores(defs, "ge", {**base, "ge.time": 32.4})
    _, b = scoring.topic_scores(defs, "ge", {**base, "ge.time": 32})
    assert a < b


def test_missing_component_is_no_data_not_zero(defs):
    assert scoring.topic_scores(defs, "cp", {"cp.procedures": 10, "cp.time": 100}) is None


@pytest.mark.parametrize("topic", ["sb", "cp", "ge", "rp"])
def test_china_db2020_topic_scores_from_shanghai_and_beijing(topic):
    """China's published DB2020 topic scores are the 0.55/0.45 population-weighted means of
    the published Shanghai and Beijing scores (World Bank DB2020 data set, see module doc)."""
    cities = {
        "China/Shanghai": (0.55, {topic: {"score": SHANGHAI[topic], "components": {}}}),
        "China/Beijing": (0.45, {topic: {"score": BEIJING[topic], "components": {}}}),
    }
    combined = scoring.combine_cities(cities)[topic]["score"]
    assert combined == pytest.approx(CHINA[topic], abs=5e-5)
    assert round(combined, 1) == CHINA_REPORTED_1DP[topic]


def test_weights_tolerance():
    assert scoring.weights_sum_to_one([0.55, 0.45])
    assert scoring.weights_sum_to_one([0.3333333, 0.3333333, 0.3333334])
    assert not scoring.weights_sum_to_one([0.5, 0.4])


def test_composite_index_skips_missing_data(defs):
    scores = {"gov.on_time_rate": 80.0, "gov.fully_online_rate": 60.0, "sb": 90.0}
    result = scoring.composite_index(defs, scores)
    assert result["groups"]["gov"] == pytest.approx(70.0)
    assert result["groups"]["db"] == pytest.approx(90.0)
    assert "appeals" not in result["groups"]
    # db 0.4 and gov 0.3 renormalised over the groups with data
    assert result["score"] == pytest.approx((90 * 0.4 + 70 * 0.3) / 0.7)
    assert scoring.composite_index(defs, {})["score"] is None


def test_indicator_score_uses_bounds_and_direction(defs):
    assert scoring.indicator_score(defs, "gov.mean_trips", 0) == 100.0
    assert scoring.indicator_score(defs, "gov.mean_trips", 1.5) == pytest.approx(50.0)
    assert scoring.indicator_score(defs, "evaluations.good_rate", 90) == pytest.approx(50.0)
    assert scoring.indicator_score(defs, "gov.on_time_rate", None) is None
