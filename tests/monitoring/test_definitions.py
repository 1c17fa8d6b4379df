"""The indicator definition file: schema errors name the indicator and stop start-up."""

from pathlib import Path

import pytest
from django.core import checks

from yingshang.monitoring.definitions import (
    DEFAULT_FILE,
    DefinitionError,
    load_definitions,
    parse_definitions,
)

GOOD = """
version = "t1"
[composite]
gov = 1
[[indicator]]
key = "gov.on_time_rate"
name_zh = "按时办结率"
name_en = "On time"
group = "gov"
source = "cases"
formula = { type = "ratio", numerator = "cases_completed_on_time", denominator = "cases_completed" }
unit = "%"
direction = "higher"
best = 100
worst = 0
weight = 1
source_note = "x"
"""


def _errors(text):
    with pytest.raises(DefinitionError) as exc:
        parse_definitions(text)
    return exc.value.errors


def test_builtin_file_is_valid_and_complete():
    defs = load_definitions(DEFAULT_FILE)
    names = {i.name_zh for i in defs.indicators.values()}
    for name in [
        "开办企业", "办理建筑许可", "获得电力", "登记财产", "网上可办率", "全程网办率",
        "即办件占比", "承诺时限压缩率", "按时办结率", "平均办理时长", "一次办结率",
        "平均跑动次数", "最多跑一次达标率", "免提交材料占比", "通办率", "签收及时率",
        "满意率", "重复诉求率", "好评率", "差评整改率", "任务按期完成率", "滞后任务数",
    ]:  # fmt: skip
        assert name in names, name
    assert set(defs.db_input_keys()) == set(
        "sb.procedures_men sb.time_men sb.cost_men sb.procedures_women sb.time_women "
        "sb.cost_women sb.min_capital cp.procedures cp.time cp.cost cp.quality_index "
        "ge.procedures ge.time ge.cost ge.reliability_index rp.procedures rp.time rp.cost "
        "rp.quality_index".split()
    )
    assert defs.mapping["sb"]["bundle_keys"] == ["qiye-kaiban"]  # the catalog demo bundle key


def test_good_minimal_file():
    defs = parse_definitions(GOOD)
    assert defs.indicators["gov.on_time_rate"].best == 100


def test_unknown_field_names_the_indicator():
    errors = _errors(GOOD.replace('source_note = "x"', 'source_note = "x"\ncolour = "red"'))
    assert errors == ["指标 gov.on_time_rate：未知字段 'colour'"]


def test_bad_formula_type_names_the_indicator():
    errors = _errors(GOOD.replace('type = "ratio"', 'type = "eval"'))
    assert len(errors) == 1 and errors[0].startswith("指标 gov.on_time_rate：公式类型 'eval' 无效")


def test_python_expression_is_not_a_formula():
    text = GOOD.replace(
        'formula = { type = "ratio", numerator = "cases_completed_on_time", denominator = "cases_completed" }',
        'formula = "cases_completed_on_time / cases_completed"',
    )
    assert _errors(text) == ["指标 gov.on_time_rate: formula 必须是表 (table)"]


def test_unknown_count_in_formula():
    errors = _errors(
        GOOD.replace('numerator = "cases_completed_on_time"', 'numerator = "__import__"')
    )
    assert errors == [
        "指标 gov.on_time_rate：公式中的计数 '__import__' 不是数据源 cases 提供的计数"
    ]


def test_missing_bounds_names_the_indicator():
    errors = _errors(GOOD.replace("worst = 0\n", ""))
    assert errors == ["指标 gov.on_time_rate：缺少边界 best/worst （前沿值/最差值）"]


def test_db_component_always_needs_bounds():
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    broken = text.replace("best = 15\nworst = 0\n", "")
    errors = _errors(broken)
    assert errors == ["指标 cp.quality_index：缺少边界 best/worst （前沿值/最差值）"]


def test_direction_must_match_bounds():
    errors = _errors(GOOD.replace("best = 100\nworst = 0", "best = 0\nworst = 100"))
    assert errors == ["指标 gov.on_time_rate: direction = higher 时 best 必须大于 worst"]


def test_syntax_error():
    assert _errors("key = ")[0].startswith("TOML 语法错误")


def test_system_check_stops_start_up_naming_the_indicator(settings, tmp_path):
    bad = tmp_path / "city.toml"
    bad.write_text(GOOD.replace('type = "ratio"', 'type = "sql"'), encoding="utf-8")
    settings.MONITORING_INDICATORS_FILE = str(bad)
    errors = checks.run_checks(tags=["monitoring"])
    assert [e.id for e in errors] == ["monitoring.E001"]
    assert "gov.on_time_rate" in errors[0].msg
    assert errors[0].is_serious()


def test_city_file_and_settings_overrides(settings, tmp_path):
    own = tmp_path / "own.toml"
    own.write_text(GOOD, encoding="utf-8")
    settings.MONITORING_INDICATORS_FILE = str(own)
    settings.MONITORING_INCOME_PER_CAPITA = 40000
    settings.MONITORING_TOPIC_MAPPING = {"sb": {"item_codes": ["000101"], "bundle_keys": []}}
    defs = load_definitions()
    assert defs.path == Path(own)
    assert list(defs.indicators) == ["gov.on_time_rate"]
    assert defs.income_per_capita == 40000.0
    assert defs.mapping["sb"]["item_codes"] == ["000101"]
    assert checks.run_checks(tags=["monitoring"]) == []
