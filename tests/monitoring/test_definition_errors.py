"""More of the definition file's checks — every problem named, all reported at once — and the
order in which the city figures, the file and the settings are combined."""

import json

import pytest
from django.utils import translation

from yingshang.monitoring import definitions
from yingshang.monitoring.definitions import DefinitionError, load_definitions, parse_definitions

from .factories import CityFigureFactory
from .test_definitions import GOOD

FORMULA = (
    'formula = { type = "ratio", numerator = "cases_completed_on_time", '
    'denominator = "cases_completed" }'
)


def errors_of(text, path=None):
    with pytest.raises(DefinitionError) as exc:
        parse_definitions(text, path)
    return exc.value.errors


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ('version = "t1"', 'version = "t1"\ncolour = 1', ["未知的顶层字段 'colour'"]),
        ('group = "gov"', 'group = "misc"', ["指标 gov.on_time_rate：分组 'misc' 无效"]),
        ('source = "cases"', 'source = "sql"',
         ["指标 gov.on_time_rate：数据源 'sql' 无效",
          "指标 gov.on_time_rate：公式中的计数 'cases_completed_on_time' 不是数据源 sql 提供的计数",
          "指标 gov.on_time_rate：公式中的计数 'cases_completed' 不是数据源 sql 提供的计数",
          ]),
        ('direction = "higher"', 'direction = "up"',
         ["指标 gov.on_time_rate: direction 必须是 higher 或 lower"]),
        ("best = 100\nworst = 0", "best = 5\nworst = 5",
         ["指标 gov.on_time_rate: best 与 worst 不能相等"]),
        ("weight = 1", "weight = -1", ["指标 gov.on_time_rate: weight 不能为负"]),
        ('unit = "%"', "unit = 5", ["指标 gov.on_time_rate：字段 unit 的值 5 类型不对"]),
        ("best = 100", 'best = "max"',
         ["指标 gov.on_time_rate：字段 best 的值 'max' 类型不对"]),
        ('name_en = "On time"\n', "", ["指标 gov.on_time_rate：缺少字段 name_en"]),
        (', denominator = "cases_completed"', "",
         ["指标 gov.on_time_rate：公式 ratio 缺少 denominator"]),
        ('denominator = "cases_completed"', 'denominator = "cases_completed", limit = 3',
         ["指标 gov.on_time_rate：公式 ratio 不认识的字段 'limit'"]),
        ("[composite]\ngov = 1", "[composite]\ngov = -1",
         ["composite：分组 gov 的权重 -1 无效"]),
        ("[composite]\ngov = 1", "[composite]\nmisc = 1", ["composite：未知分组 'misc'"]),
        ("[composite]\ngov = 1", 'composite = "gov"', ["composite 必须是表"]),
        ('version = "t1"', 'version = "t1"\ncity = 3', ["city 必须是表"]),
        ('version = "t1"', 'version = "t1"\n[mapping.xx]\nitem_codes = []',
         ["mapping：未知专题 'xx' （可用：sb, cp, ge, rp）"]),
        ('version = "t1"', 'version = "t1"\n[mapping.sb]\nitems = []',
         ["mapping.sb：未知字段 'items'"]),
        ('version = "t1"', 'version = "t1"\n[mapping.sb]\nitem_codes = [1, 2]',
         ["mapping.sb: item_codes 必须是字符串列表"]),
        ('version = "t1"', 'version = "t1"\nmap = 3', ["map 必须是表"]),
        ('version = "t1"', 'version = "t1"\n[map]\nshape = 1',
         ["map：未知字段 'shape'", "map：需要 tiles （区划代码 → [列，行]）或 geojson"]),
        ('version = "t1"', 'version = "t1"\n[map]\ngeojson = ""', ["map: geojson 必须是文件路径"]),
        ('version = "t1"', 'version = "t1"\n[map]\ntiles = { "510781" = [1, 50] }',
         ["map.tiles：区划 510781 的位置 [1, 50] 无效（应为 [列，行], 0–49 的整数）"]),
        ('version = "t1"', 'version = "t1"\n[map]\ntiles = { "510781" = [true, 1] }',
         ["map.tiles：区划 510781 的位置 [True, 1] 无效（应为 [列，行], 0–49 的整数）"]),
    ],
)  # fmt: skip
def test_each_problem_is_named(old, new, expected):
    assert old in GOOD
    assert errors_of(GOOD.replace(old, new, 1)) == expected


def test_no_indicator_and_not_a_table():
    assert errors_of('version = "x"\n') == ["没有定义任何指标 ([[indicator]])"]
    assert errors_of("indicator = [1]\n") == ["第 1 个指标不是表"]


def test_duplicate_key_is_refused():
    text = GOOD + GOOD[GOOD.index("[[indicator]]") :]
    assert errors_of(text) == ["指标 gov.on_time_rate: key 重复"]


def test_db_topic_components_must_exist():
    topic = """
[[indicator]]
key = "sb"
name_zh = "开办企业"
name_en = "Starting a business"
group = "db"
source = "cases"
formula = { type = "db_topic", components = COMPONENTS }
unit = "score"
direction = "higher"
best = 100
worst = 0
"""
    assert errors_of(GOOD + topic.replace("COMPONENTS", '["sb.nope"]')) == [
        "指标 sb：分项 'sb.nope' 未定义"
    ]
    assert errors_of(GOOD + topic.replace("COMPONENTS", "[]")) == [
        "指标 sb: components 必须是非空列表"
    ]


def test_gendered_must_be_a_boolean():
    text = definitions.DEFAULT_FILE.read_text(encoding="utf-8").replace(
        'measure = "interactions", gendered = true', 'measure = "interactions", gendered = "yes"'
    )
    assert errors_of(text) == ["指标 sb.procedures: gendered 必须是 true 或 false"]


def test_several_problems_are_reported_together_in_english():
    text = GOOD.replace('group = "gov"', 'group = "misc"').replace("weight = 1", "weight = -2")
    with translation.override("en"):
        errors = errors_of(text)
    assert len(errors) == 2
    assert all("gov.on_time_rate" in e for e in errors)
    assert not any(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors)


@pytest.mark.parametrize(
    "content,problem",
    [
        ("{not json", "不是有效的 JSON"),
        (json.dumps({"type": "Feature"}), "不是 GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "没有要素"),
        (json.dumps({"type": "FeatureCollection",
                     "features": [{"properties": {"adcode": 510781}}]}), None),
    ],
)  # fmt: skip
def test_geojson_file_checks(tmp_path, content, problem):
    path = tmp_path / "c.geojson"
    path.write_text(content, encoding="utf-8")
    codes, got = definitions.geojson_codes(path)
    if problem is None:
        assert (codes, got) == (["510781"], None)  # adcode accepted, as text
    else:
        assert codes == [] and problem in got


def test_missing_geojson_file_is_named(tmp_path):
    text = GOOD.replace('version = "t1"', 'version = "t1"\n[map]\ngeojson = "none.geojson"')
    (error,) = errors_of(text, tmp_path / "own.toml")
    assert error.startswith(f"map: geojson 文件 {tmp_path / 'none.geojson'}: ")


def test_missing_definition_file(tmp_path, settings):
    settings.MONITORING_INDICATORS_FILE = str(tmp_path / "gone.toml")
    with pytest.raises(DefinitionError) as exc:
        load_definitions()
    assert exc.value.errors[0].startswith(f"无法读取指标定义文件 {tmp_path / 'gone.toml'}")


def test_a_changed_file_is_read_again(tmp_path, settings):
    import os

    own = tmp_path / "own.toml"
    own.write_text(GOOD, encoding="utf-8")
    settings.MONITORING_INDICATORS_FILE = str(own)
    assert load_definitions().version == "t1"
    own.write_text(GOOD.replace('version = "t1"', 'version = "t2"'), encoding="utf-8")
    stat = own.stat()
    os.utime(own, (stat.st_atime, stat.st_mtime + 5))
    assert load_definitions().version == "t2"


def test_city_figures_of_a_year_and_settings_order(db, settings):
    settings.MONITORING_INCOME_PER_CAPITA = None
    CityFigureFactory(key="income_per_capita", year=2024, value=40000)
    CityFigureFactory(key="income_per_capita", year=2026, value=46000)
    CityFigureFactory(key="population", year=2025, value=4_870_000)
    CityFigureFactory(key="cp.quality_index", year=2025, value=14.0)
    assert load_definitions(figures=True, year=2025).income_per_capita == 40000
    assert load_definitions(figures=True, year=2026).income_per_capita == 46000
    assert load_definitions(figures=True, year=2023).income_per_capita is None
    defs = load_definitions(figures=True)
    assert defs.population == 4_870_000 and isinstance(defs.population, int)
    assert defs.indices == {"cp.quality_index": 14.0}
    assert load_definitions().income_per_capita is None  # figures only when asked for
    # the settings win over the admin's figures
    settings.MONITORING_INCOME_PER_CAPITA = 50000
    settings.MONITORING_CITY_INDICES = {"ge.reliability_index": 6}
    defs = load_definitions(figures=True, year=2026)
    assert defs.income_per_capita == 50000.0
    assert defs.indices == {"cp.quality_index": 14.0, "ge.reliability_index": 6.0}


def test_settings_topic_mapping_merges_per_topic(settings):
    settings.MONITORING_TOPIC_MAPPING = {"ge": {"item_codes": ["X1"]}, "cp": {"bundle_keys": []}}
    defs = load_definitions()
    assert defs.mapping["ge"] == {"item_codes": ["X1"], "bundle_keys": ["huode-dianli"]}
    assert defs.mapping["cp"]["bundle_keys"] == []
    assert defs.mapping["sb"]["bundle_keys"] == ["qiye-kaiban"]  # untouched


def test_db_input_keys_and_index_keys():
    defs = load_definitions()
    keys = defs.db_input_keys()
    assert keys["sb.time_women"] == ("sb.time", "women")
    assert keys["cp.time"] == ("cp.time", None)
    assert "sb.time" not in keys  # a gendered component is entered per gender
    assert defs.index_keys() == ["cp.quality_index", "ge.reliability_index", "rp.quality_index"]
    assert defs.reference("fee_pct_property_value") is None and defs.reference("x") is None
    assert defs.missing_note("gov.on_time_rate") is None and defs.missing_note("nope") is None
