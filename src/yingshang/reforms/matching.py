"""Matching unit names written in a programme to the foundation's departments.

Exact names (or short names) resolve silently. Everything else is *proposed*: a known alias
(市市场监管局 → 市市场监督管理局), or the closest name after stripping the 市 prefix and the
局/委/办 suffixes (difflib). Proposals must be confirmed (import screen, or ``--accept-fuzzy`` on
the command line); names with no candidate are errors. Collective subjects (各县(市、区)人民政府,
市级各有关部门) are kept as text on the task, never turned into departments."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .parsing import norm

EXACT, ALIAS, FUZZY, UNKNOWN, COLLECTIVE = "exact", "alias", "fuzzy", "unknown", "collective"

# Common short forms → the full name used by the department register (city level).
ALIASES = {
    "市市场监管局": "市市场监督管理局",
    "市工商局": "市市场监督管理局",
    "市发改委": "市发展改革委",
    "市发展和改革委员会": "市发展改革委",
    "市经信局": "市经济和信息化局",
    "市经信委": "市经济和信息化局",
    "市经济和信息化委员会": "市经济和信息化局",
    "市人社局": "市人力资源和社会保障局",
    "市住建局": "市住房和城乡建设局",
    "市自然资源局": "市自然资源和规划局",
    "市规划和自然资源局": "市自然资源和规划局",
    "市政务服务监管局": "市政务服务监督管理局",
    "市政务局": "市政务服务监督管理局",
    "市政务服务管理局": "市政务服务监督管理局",
    "市纪委(监委)": "市纪委监委",
    "市纪委": "市纪委监委",
    "市监委": "市纪委监委",
    "市政府办": "市政府办公室",
    "市府办": "市政府办公室",
    "市卫健委": "市卫生健康委",
    "市卫生健康委员会": "市卫生健康委",
    "市教体局": "市教育和体育局",
    "市科技局": "市科学技术局",
    "市文广旅局": "市文化广播电视和旅游局",
    "市文旅局": "市文化广播电视和旅游局",
    "市医保局": "市医疗保障局",
    "市公积金中心": "市住房公积金管理中心",
    "市金融局": "市金融工作局",
    "市金融办": "市金融工作局",
    "人行绵阳中支": "人民银行绵阳市分行",
    "人行绵阳市中心支行": "人民银行绵阳市分行",
    "人民银行绵阳市中心支行": "人民银行绵阳市分行",
    "绵阳供电公司": "国网绵阳供电公司",
    "市供电公司": "国网绵阳供电公司",
    "市城管执法局": "市城市管理行政执法局",
    "市交通局": "市交通运输局",
    "市应急局": "市应急管理局",
    "市中院": "市中级人民法院",
    "国家税务总局绵阳市税务局": "市税务局",
    "市环保局": "市生态环境局",
    "市农业局": "市农业农村局",
}

_COLLECTIVE = re.compile(r"^(各|有关|相关|市级各|市级有关|市直各|其他)|各(有关|相关)?(部门|单位)$")
_PREFIX = re.compile(r"^(四川省)?(绵阳市|绵阳|市)")
_SUFFIX = re.compile(r"(委员会|管理局|办公室|管理中心|中心|局|委|办|公司)$")


def clean(name: str) -> str:
    n = norm(name)
    return re.sub(r"\s+", "", n)


def core(name: str) -> str:
    n = clean(name)
    n = re.sub(r"[()]", "", n)
    n = _PREFIX.sub("", n)
    return _SUFFIX.sub("", n)


@dataclass
class UnitMatch:
    name: str
    status: str
    department_id: int | None = None
    department_name: str = ""
    score: float = 0.0

    @property
    def needs_confirmation(self) -> bool:
        return self.status in (ALIAS, FUZZY)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "department_id": self.department_id,
            "department_name": self.department_name,
            "score": round(self.score, 2),
        }


def is_collective(name: str) -> bool:
    return bool(_COLLECTIVE.search(clean(name)))


def match_units(names, departments) -> dict[str, UnitMatch]:
    """``departments``: the candidates (the programme division's departments)."""
    depts = list(departments)
    by_name = {clean(d.name): d for d in depts}
    by_short = {clean(d.short_name): d for d in depts if d.short_name}
    cores = {}
    for d in depts:
        cores.setdefault(core(d.name), d)
    out: dict[str, UnitMatch] = {}
    for name in names:
        c = clean(name)
        d = by_name.get(c) or by_short.get(c)
        if d is not None:
            out[name] = UnitMatch(name, EXACT, d.pk, d.name, 1.0)
            continue
        if is_collective(name):
            out[name] = UnitMatch(name, COLLECTIVE)
            continue
        target = ALIASES.get(c) or ALIASES.get(re.sub(r"[()]", "", c))
        if target and clean(target) in by_name:
            d = by_name[clean(target)]
            out[name] = UnitMatch(name, ALIAS, d.pk, d.name, 0.95)
            continue
        key = core(name)
        if key in cores:
            d = cores[key]
            out[name] = UnitMatch(name, FUZZY, d.pk, d.name, 0.9)
            continue
        best, best_score = None, 0.0
        for k, d in cores.items():
            score = difflib.SequenceMatcher(None, key, k).ratio()
            if score > best_score:
                best, best_score = d, score
        if best is not None and best_score >= 0.6:
            out[name] = UnitMatch(name, FUZZY, best.pk, best.name, best_score)
        else:
            out[name] = UnitMatch(name, UNKNOWN, score=best_score)
    return out
