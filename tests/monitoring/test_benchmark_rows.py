"""Benchmark CSV parsing (monitoring.benchmarks) beyond the command tests: entity names, weight
ranges, empty files, and the scores of parsed rows; the benchmarks page's tables."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from yingshang.monitoring import benchmarks
from yingshang.monitoring.definitions import load_definitions

DEFS = load_definitions()


def errors(text):
    with pytest.raises(benchmarks.BenchmarkFileError) as exc:
        benchmarks.parse(text, DEFS)
    return exc.value.errors


@pytest.mark.parametrize(
    "text,expected",
    [
        ("/X,cp.time,3\n", "第 1 行：对标对象 '/X' 无效（应为 名称 或 上级/城市）"),
        ("X/,cp.time,3\n", "第 1 行：对标对象 'X/' 无效（应为 名称 或 上级/城市）"),
        ("A/B/C,cp.time,3\n", "第 1 行：对标对象 'A/B/C' 无效（应为 名称 或 上级/城市）"),
        (",cp.time,3\n", "第 1 行：对标对象 '' 无效（应为 名称 或 上级/城市）"),
        ("C/S,cp.time,3,0\n", "第 1 行：权重 '0' 应为 0 到 1 之间的数字"),
        ("C/S,cp.time,3,1.5\n", "第 1 行：权重 '1.5' 应为 0 到 1 之间的数字"),
        ("C/S,cp.time,3,half\n", "第 1 行：权重 'half' 应为 0 到 1 之间的数字"),
        ("X,cp.time,inf\n", "第 1 行：数值 'inf' 不是数字"),
        ("X,cp.time,3,0.5,extra\n", "第 1 行：应为 entity,indicator,value[,weight] （3 或 4 列），实际 5 列"),
        ("entity,indicator,value\n", "文件中没有数据行"),
        ("# only a comment\n\n", "文件中没有数据行"),
        ("X,sb.procedures,3\n", "第 1 行：未知指标 'sb.procedures'"),  # gendered: _men/_women
    ],
)  # fmt: skip
def test_bad_rows(text, expected):
    assert errors(text) == [expected]


def test_a_header_is_only_skipped_on_the_first_data_line():
    text = "X,cp.time,3\nentity,indicator,value\n"
    assert errors(text) == ["第 2 行：未知指标 'indicator'", "第 2 行：数值 'value' 不是数字"]


def test_row_numbers_count_blank_and_comment_lines():
    text = "entity,indicator,value\n\n# note\nX,cp.time,abc\n"
    assert errors(text) == ["第 4 行：数值 'abc' 不是数字"]


def test_errors_in_english():
    with translation.override("en"):
        (message,) = errors("X,cp.time,-1\n")
    assert message == "Line 1: value -1 must not be negative"


def test_published_topic_scores_and_weights_are_read():
    rows = benchmarks.parse("C/S,sb.score,93.5,0.55\nC/B,sb.score,95,0.45\n", DEFS)
    assert [(r.line, r.entity, r.value, r.weight, r.parent) for r in rows] == [
        (1, "C/S", 93.5, 0.55, "C"),
        (2, "C/B", 95.0, 0.45, "C"),
    ]
    result = benchmarks.score(rows, DEFS)
    assert result["parents"]["C"]["cities"] == {"C/B": 0.45, "C/S": 0.55}
    assert result["parents"]["C"]["topics"]["sb"]["score"] == pytest.approx(0.55 * 93.5 + 0.45 * 95)
    assert result["entities"]["C/S"]["topics"]["sb"]["published"] == 93.5


def test_a_city_weight_may_repeat_on_each_of_its_rows():
    text = "C/S,cp.time,100,0.5\nC/S,cp.cost,2,0.5\nC/B,cp.time,120,0.5\n"
    rows = benchmarks.parse(text, DEFS)
    assert {r.weight for r in rows} == {0.5}
    assert benchmarks.score(rows, DEFS)["entities"]["C/S"]["values"] == {
        "cp.cost": 2.0,
        "cp.time": 100.0,
    }


@given(st.lists(st.integers(min_value=1, max_value=1000), min_size=2, max_size=6))
def test_weights_summing_to_one_are_accepted_and_others_refused(parts):
    total = sum(parts)
    weights = [p / total for p in parts]
    text = "".join(f"P/C{i},ge.score,90,{w!r}\n" for i, w in enumerate(weights))
    assert len(benchmarks.parse(text, DEFS)) == len(parts)
    off = "".join(f"P/C{i},ge.score,90,{w * 0.9!r}\n" for i, w in enumerate(weights))
    (message,) = errors(off)
    assert "应为 1" in message and message.startswith("第 1, 2")


@pytest.mark.django_db
def test_benchmarks_page_tables(staff, login, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "b.csv"
    path.write_text(
        "Solo,ge.procedures,3\nSolo,ge.time,32\nSolo,ge.cost,0\nSolo,ge.reliability_index,7\n"
        "Old,ge.score,80\n",
        encoding="utf-8",
    )
    call_command("monitoring", "load-benchmarks", str(path), "--period", "2020", stdout=None)
    call_command("monitoring", "load-benchmarks", str(path), "--period", "2019", stdout=None)
    page = login(staff["jianduyuan"]).get("/staff/monitoring/benchmarks/")
    ctx = page.context
    assert ctx["period"] == "2020" and ctx["periods"] == ["2020", "2019"]
    solo = next(e for e in ctx["entities"] if e["name"] == "Solo")
    ge = solo["topics"][0]
    assert ge["key"] == "ge" and ge["name"] == "获得电力"
    assert [c["key"] for c in ge["components"]] == [
        "ge.procedures", "ge.time", "ge.cost", "ge.reliability_index",
    ]  # fmt: skip
    assert ge["components"][3]["score"] == pytest.approx(87.5)
    page = login(staff["jianduyuan"]).get("/staff/monitoring/benchmarks/", {"period": "2019"})
    assert page.context["period"] == "2019"
