"""Matching programme unit names to departments (reforms/matching.py) without a database: the
order of the rules (exact, collective, alias, core name, closest name), what needs a
reviewer's confirmation, and properties of the name cleaning."""

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingshang.reforms import matching as m


@dataclass
class Dept:
    pk: int
    name: str
    short_name: str = ""


DEPTS = [
    Dept(1, "市市场监督管理局", "市场监管局"),
    Dept(2, "市发展改革委"),
    Dept(3, "市政务服务监督管理局", "政务局"),
    Dept(4, "市住房和城乡建设局"),
    Dept(5, "市自然资源和规划局"),
    Dept(6, "国网绵阳供电公司"),
    Dept(7, "市税务局"),
]


def _one(name, depts=DEPTS):
    return m.match_units([name], depts)[name]


@pytest.mark.parametrize(
    "name, status, pk",
    [
        ("市市场监督管理局", m.EXACT, 1),
        ("  市市场监督 管理局 ", m.EXACT, 1),  # blanks inside do not count
        ("市场监管局", m.EXACT, 1),  # the short name
        ("政务局", m.EXACT, 3),  # a short name wins over the alias table
        ("市发改委", m.ALIAS, 2),
        ("市住建局", m.ALIAS, 4),
        ("绵阳供电公司", m.ALIAS, 6),
        ("国家税务总局绵阳市税务局", m.ALIAS, 7),
        ("绵阳市税务局", m.FUZZY, 7),  # same core name (绵阳市 … 局 stripped)
        ("四川省绵阳市税务", m.FUZZY, 7),
        ("市自然资源规划局", m.FUZZY, 5),  # closest name
        ("各县（市、区）人民政府", m.COLLECTIVE, None),
        ("市级各有关部门", m.COLLECTIVE, None),
        ("有关单位", m.COLLECTIVE, None),
        ("市火星探测局", m.UNKNOWN, None),
    ],
)
def test_rules_in_order(name, status, pk):
    match = _one(name)
    assert (match.status, match.department_id) == (status, pk)
    assert match.name == name


def test_an_alias_to_a_department_the_division_lacks_is_not_a_match():
    """市医保局 is a known alias, but this division has no 市医疗保障局."""
    assert _one("市医保局").status == m.UNKNOWN


def test_scores_and_confirmation():
    exact, alias, fuzzy = (_one(n) for n in ("市税务局", "市发改委", "绵阳市税务局"))
    assert (exact.score, alias.score, fuzzy.score) == (1.0, 0.95, 0.9)
    assert not exact.needs_confirmation
    assert alias.needs_confirmation and fuzzy.needs_confirmation
    assert not _one("各有关部门").needs_confirmation
    closest = _one("市自然资源规划局")
    assert 0.6 <= closest.score < 1.0


def test_as_json_rounds_the_score():
    closest = _one("市自然资源规划局")
    data = closest.as_json()
    assert data == {
        "name": "市自然资源规划局",
        "status": m.FUZZY,
        "department_id": 5,
        "department_name": "市自然资源和规划局",
        "score": round(closest.score, 2),
    }


def test_no_candidates_means_unknown_with_no_score():
    match = _one("市发改委", depts=[])
    assert (match.status, match.score, match.department_id) == (m.UNKNOWN, 0.0, None)


def test_every_name_gets_exactly_one_answer_and_duplicates_collapse():
    names = ["市税务局", "市发改委", "市税务局", "有关单位"]
    result = m.match_units(names, DEPTS)
    assert list(result) == ["市税务局", "市发改委", "有关单位"]


def test_full_width_brackets_in_an_alias():
    assert _one("市纪委(监委)", [Dept(9, "市纪委监委")]).status == m.ALIAS


@pytest.mark.parametrize(
    "name, core",
    [
        ("市市场监督管理局", "市场监督"),
        ("绵阳市发展改革委员会", "发展改革"),
        ("四川省绵阳市政府办公室", "政府"),
        ("市住房公积金管理中心", "住房公积金"),
        ("国网绵阳供电公司", "国网绵阳供电"),
        ("市纪委(监委)", "纪委监"),
    ],
)
def test_core_names(name, core):
    assert m.core(name) == core


names = st.text(alphabet=st.sampled_from([*"市县区局委办中心公司发展改革税务 (", "\u3000"]))


@given(names)
def test_cleaning_is_idempotent_and_blank_free(name):
    cleaned = m.clean(name)
    assert m.clean(cleaned) == cleaned
    assert not any(ch.isspace() for ch in cleaned)


@given(st.sampled_from(DEPTS))
def test_a_department_always_matches_its_own_names(dept):
    assert _one(dept.name).department_id == dept.pk
    if dept.short_name:
        assert _one(dept.short_name).department_id == dept.pk


@pytest.mark.parametrize(
    "name, collective",
    [
        ("各县（市、区）人民政府", True),
        ("市级各有关部门", True),
        ("市直各部门", True),
        ("有关单位", True),
        ("其他成员单位", True),
        ("市政府各部门", True),
        ("市发改委", False),
        ("市各县区管委会协调办", False),
        ("相关局", True),
    ],
)
def test_collective_subjects(name, collective):
    """Named as a group, never matched to one department."""
    assert m.is_collective(name) is collective
    if collective:
        assert _one(name) == m.UnitMatch(name, m.COLLECTIVE)
