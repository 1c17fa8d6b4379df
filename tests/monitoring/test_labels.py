"""The words monitoring shows for codes: every step a case can take has a name on the process
map, every unit of the shipped indicators and every period kind has its words, all with an
English translation; an unknown code is shown as itself."""

import pytest
from django.utils import translation

from yingshang.monitoring import labels
from yingshang.monitoring.definitions import load_definitions
from yingshang.monitoring.periods import KINDS


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _case_actions() -> set[str]:
    from yingshang.cases.workflow import MACHINE

    return {edge.action for edge in MACHINE.edges} | {"submit"}


def test_every_case_action_has_a_name_on_the_process_map():
    missing = sorted(a for a in _case_actions() if labels.action(a) == a)
    assert missing == []


def test_every_unit_of_the_shipped_indicators_has_words():
    units = {ind.unit for ind in load_definitions().indicators.values()}
    assert sorted(u for u in units if u and u not in labels.UNITS) == []


@pytest.mark.parametrize(
    "table,codes",
    [
        ("ACTIONS", None),
        ("UNITS", None),
        ("PERIOD_KINDS", KINDS),
    ],
)
def test_every_label_has_english(table, codes):
    mapping = getattr(labels, table)
    assert codes is None or set(codes) == set(mapping)
    with translation.override("en"):
        english = {code: str(label) for code, label in mapping.items()}
    untranslated = sorted(code for code, text in english.items() if _cjk(text))
    assert untranslated == []
    with translation.override("zh-hans"):
        chinese = {code: str(label) for code, label in mapping.items()}
    assert chinese != english or table == "UNITS"


@pytest.mark.parametrize(
    "func,code,zh,en",
    [
        (labels.action, "request_supplement", "要求补正", None),
        (labels.action, "submit_approval", "报请审批", None),
        (labels.action, "return_for_review", "退回重审", "Return for review"),
        (labels.unit, "working days", "工作日", None),
        (labels.unit, "number", "个环节", "procedures"),
        (labels.period_kind, "quarter", "季度", None),
    ],
)
def test_known_codes_in_both_languages(func, code, zh, en):
    with translation.override("zh-hans"):
        assert func(code) == zh
    with translation.override("en"):
        shown = func(code)
    assert not _cjk(shown)
    if en:
        assert shown == en


@pytest.mark.parametrize("func", [labels.action, labels.unit, labels.period_kind])
def test_an_unknown_code_is_shown_as_itself(func):
    assert func("brand_new_code") == "brand_new_code"


def test_no_unit_is_shown_as_nothing():
    assert labels.unit("") == ""
