"""Benchmark (对标) CSV files as properties: what is written is read back row for row; the order
of the lines changes no score; a parent's score is the population-weighted mean of its cities'
(computed here by hand from the DB2020 formula); one bad cell anywhere is named by its line and
nothing is returned."""

import csv
import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import benchmarks, scoring
from yingshang.monitoring.definitions import load_definitions

DEFS = load_definitions()
KEYS = sorted(benchmarks.accepted_keys(DEFS))
NAME = st.text(alphabet="北京上海成都绵阳ABCxyz", min_size=1, max_size=6)
VALUE = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)


def to_csv(rows, header=True):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if header:
        w.writerow(["entity", "indicator", "value", "weight"])
    for entity, key, value, weight in rows:
        w.writerow([entity, key, repr(value), "" if weight is None else repr(weight)])
    return out.getvalue()


@st.composite
def plain_rows(draw):
    """Rows of stand-alone entities (no weights), one value per (entity, indicator)."""
    pairs = draw(
        st.lists(st.tuples(NAME, st.sampled_from(KEYS)), min_size=1, max_size=25, unique=True)
    )
    return [(e, k, draw(VALUE), None) for e, k in pairs]


@given(plain_rows(), st.booleans())
def test_rows_are_read_back_as_written(rows, header):
    parsed = benchmarks.parse(to_csv(rows, header), DEFS)
    first = 2 if header else 1
    assert [(r.line, r.entity, r.indicator, r.value, r.weight) for r in parsed] == [
        (first + i, e, k, v, None) for i, (e, k, v, _w) in enumerate(rows)
    ]


@given(plain_rows(), st.randoms(use_true_random=False))
def test_line_order_changes_no_score(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = benchmarks.score(benchmarks.parse(to_csv(rows), DEFS), DEFS)
    b = benchmarks.score(benchmarks.parse(to_csv(shuffled), DEFS), DEFS)
    assert a == b


@given(plain_rows(), st.data())
def test_one_bad_value_is_named_by_its_line_and_nothing_is_returned(rows, data):
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    bad = data.draw(st.sampled_from(["abc", "-1", "nan", "1e999", ""]))
    text = to_csv(rows).splitlines()
    cells = text[i + 1].split(",")
    cells[2] = bad
    text[i + 1] = ",".join(cells)
    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse("\n".join(text) + "\n", DEFS)
    assert len(exc.value.errors) == 1
    assert exc.value.errors[0].startswith(f"第 {i + 2} 行：数值")


@given(plain_rows(), st.data())
def test_a_repeated_row_names_both_lines(rows, data):
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    text = to_csv(rows) + to_csv([rows[i]], header=False)
    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse(text, DEFS)
    entity, key = rows[i][0], rows[i][1]
    assert exc.value.errors == [f"第 {len(rows) + 2} 行：{entity} 的 {key} 与第 {i + 2} 行重复"]


GE = {"procedures": (3, 9), "time": (18, 248), "cost": (0, 8100), "reliability_index": (8, 0)}


def ge_by_hand(values: dict) -> float:
    """Getting electricity from the DB2020 bounds (DOMAIN.md), clipped, plain mean."""
    parts = []
    for comp, (best, worst) in GE.items():
        s = 100 * (worst - values[comp]) / (worst - best)
        parts.append(min(100.0, max(0.0, s)))
    return math.fsum(parts) / 4


GE_VALUES = st.fixed_dictionaries(
    {
        "procedures": st.floats(min_value=0, max_value=12),
        "time": st.floats(min_value=0, max_value=300),
        "cost": st.floats(min_value=0, max_value=9000),
        "reliability_index": st.floats(min_value=0, max_value=8),
    }
)


@given(st.lists(GE_VALUES, min_size=2, max_size=4), st.data())
def test_a_parent_scores_the_weighted_mean_of_its_cities(cities, data):
    parts = data.draw(st.lists(st.integers(1, 100), min_size=len(cities), max_size=len(cities)))
    weights = [p / sum(parts) for p in parts]
    rows = [
        (f"P/C{n}", f"ge.{comp}", value, w)
        for n, (values, w) in enumerate(zip(cities, weights, strict=True))
        for comp, value in values.items()
    ]
    result = benchmarks.score(benchmarks.parse(to_csv(rows), DEFS), DEFS)
    city_scores = [ge_by_hand(v) for v in cities]
    for n, s in enumerate(city_scores):
        assert result["entities"][f"P/C{n}"]["topics"]["ge"]["score"] == pytest.approx(s)
        assert result["entities"][f"P/C{n}"]["weight"] == pytest.approx(weights[n])
    expected = math.fsum(s * w for s, w in zip(city_scores, weights, strict=True))
    parent = result["parents"]["P"]
    assert parent["topics"]["ge"]["score"] == pytest.approx(expected)
    assert parent["cities"] == {f"P/C{n}": pytest.approx(w) for n, w in enumerate(weights)}
    assert min(city_scores) - 1e-9 <= parent["topics"]["ge"]["score"] <= max(city_scores) + 1e-9


def test_a_city_without_a_weight_is_named_with_all_its_lines():
    text = "P/A,ge.score,90,0.6\nP/B,ge.score,80\nP/B,cp.score,70\n"
    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse(text, DEFS)
    assert exc.value.errors == ["第 2, 3 行：P/B 没有人口权重（weight 列）"]


def test_a_city_with_two_different_weights_is_refused():
    text = "P/A,ge.score,90,0.6\nP/A,cp.score,70,0.5\nP/B,ge.score,80,0.4\n"
    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse(text, DEFS)
    assert exc.value.errors == ["第 2 行：P/A 的权重 0.5 与第 1 行的 0.6 不一致"]


def test_a_weight_on_a_plain_entity_is_refused_in_both_languages():
    from django.utils import translation

    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse("Solo,ge.score,90,0.5\n", DEFS)
    assert exc.value.errors == ["第 1 行：只有 上级/城市 形式的对标对象可以带权重"]
    with translation.override("en"), pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse("Solo,ge.score,90,0.5\n", DEFS)
    assert exc.value.errors == [
        "Line 1: only comparators of the form PARENT/CITY may have a weight"
    ]


def test_a_topic_is_combined_only_where_every_city_has_it():
    text = "P/A,ge.score,90,0.5\nP/A,cp.score,60,0.5\nP/B,ge.score,70,0.5\n"
    parent = benchmarks.score(benchmarks.parse(text, DEFS), DEFS)["parents"]["P"]
    assert set(parent["topics"]) == {"ge"}
    assert parent["topics"]["ge"]["score"] == pytest.approx(80.0)
    assert scoring.weights_sum_to_one(parent["cities"].values())
