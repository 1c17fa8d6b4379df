"""Indicator definitions (指标定义): loading and validating the versioned TOML file.

The file is declarative on purpose: a formula is a small table such as
``{type = "ratio", numerator = "cases_completed_on_time", denominator = "cases_completed"}``
whose names must come from the whitelists below; nothing in the file is ever evaluated as code.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_FILE = Path(__file__).resolve().parent / "indicators.toml"

SOURCES = ("cases", "appeals", "evaluations", "reforms", "catalog", "benchmark")
DIRECTIONS = ("higher", "lower")
GROUPS = {
    "db": ("营商环境(世行方法)", "Doing Business topics"),
    "gov": ("政务服务", "Government services"),
    "appeals": ("企业诉求", "Enterprise appeals"),
    "evaluations": ("好差评", "Service evaluation"),
    "supervision": ("督查督办", "Reform-task supervision"),
}
DB_TOPICS = ("sb", "cp", "ge", "rp")

# Named counts (numerators/denominators) and measures each source can provide. A formula may
# only use these names: the live computation implements exactly this list.
COUNTS = {
    "cases": {
        "cases_total",
        "cases_completed",
        "cases_completed_on_time",
        "cases_completed_without_correction",
        "cases_fully_online",
        "cases_instant",
        "cases_at_most_one_visit",
        "cases_overdue",
    },
    "catalog": {
        "items_total",
        "items_online_capable",
        "items_cross_area",
        "materials_total",
        "materials_exempt",
        "committed_limit_days",
        "legal_limit_days",
    },
    "appeals": {
        "appeals_total",
        "appeals_assigned",
        "appeals_signed_in_time",
        "appeals_closed",
        "appeals_closed_on_time",
        "appeals_rated",
        "appeals_satisfied",
        "appeals_repeated",
    },
    "evaluations": {
        "evaluations_total",
        "evaluations_good",
        "evaluations_bad",
        "evaluations_bad_rectified",
    },
    "reforms": {"tasks_due", "tasks_completed_on_time", "tasks_lagging"},
    "benchmark": set(),
}
MEASURES = {
    "cases": {
        "handling_working_days",
        "on_site_visits",
        "interactions",
        "calendar_days",
        "fee_pct_income",
        "fee_pct_warehouse_value",
        "fee_pct_property_value",
        "min_capital_pct_income",
    },
    "catalog": set(),
    "appeals": {"handling_working_days"},
    "evaluations": set(),
    "reforms": set(),
    "benchmark": {"quality_index"},
}

INDICATOR_FIELDS = {
    "key": str,
    "name_zh": str,
    "name_en": str,
    "group": str,
    "source": str,
    "formula": dict,
    "unit": str,
    "direction": str,
    "best": (int, float),
    "worst": (int, float),
    "weight": (int, float),
    "source_note": str,
}
REQUIRED_FIELDS = ("key", "name_zh", "name_en", "group", "source", "formula", "unit", "direction")
TOP_LEVEL_FIELDS = {"version", "city", "mapping", "composite", "indicator"}
CITY_FIELDS = {"income_per_capita", "population"}
MAPPING_FIELDS = {"item_codes", "bundle_keys"}

# formula type → (required keys, optional keys)
FORMULA_TYPES = {
    "ratio": ({"numerator", "denominator"}, set()),
    "one_minus_ratio": ({"numerator", "denominator"}, set()),
    "mean": ({"measure"}, set()),
    "count": ({"count"}, set()),
    "db_component": ({"measure"}, {"gendered"}),
    "db_topic": ({"components"}, set()),
}


class DefinitionError(Exception):
    """The definition file is invalid; ``errors`` lists one message per problem."""

    def __init__(self, errors: list[str], path: Path | None = None):
        self.errors = errors
        self.path = path
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    name_en: str
    group: str
    source: str
    formula: dict
    unit: str
    direction: str
    best: float | None = None
    worst: float | None = None
    weight: float = 0.0
    source_note: str = ""

    @property
    def name(self) -> str:
        """The name in the active language (English for ``en``, Chinese otherwise)."""
        from django.utils import translation

        lang = translation.get_language() or ""
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh

    @property
    def kind(self) -> str:
        return self.formula["type"]

    @property
    def gendered(self) -> bool:
        return bool(self.formula.get("gendered", False))

    @property
    def has_bounds(self) -> bool:
        return self.best is not None and self.worst is not None


@dataclass(frozen=True)
class Definitions:
    version: str
    indicators: dict[str, Indicator]
    composite: dict[str, float]
    mapping: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    income_per_capita: float | None = None
    population: int | None = None
    path: Path | None = None

    def topic(self, topic: str) -> Indicator:
        return self.indicators[topic]

    def components(self, topic: str) -> list[Indicator]:
        return [self.indicators[k] for k in self.indicators[topic].formula["components"]]

    def db_input_keys(self) -> dict[str, tuple[str, str | None]]:
        """Keys accepted in benchmark CSV files → (component key, gender or None)."""
        keys: dict[str, tuple[str, str | None]] = {}
        for topic in DB_TOPICS:
            if topic not in self.indicators:
                continue
            for comp in self.components(topic):
                if comp.gendered:
                    keys[f"{comp.key}_men"] = (comp.key, "men")
                    keys[f"{comp.key}_women"] = (comp.key, "women")
                else:
                    keys[comp.key] = (comp.key, None)
        return keys


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_formula(ind: dict, name: str, known_keys: set[str]) -> list[str]:
    errors = []
    formula = ind.get("formula")
    source = ind.get("source")
    if not isinstance(formula, dict):
        return [f"指标 {name}: formula 必须是表 (table)"]
    ftype = formula.get("type")
    if ftype not in FORMULA_TYPES:
        return [f"指标 {name}: 公式类型 {ftype!r} 无效, 可用: {', '.join(sorted(FORMULA_TYPES))}"]
    required, optional = FORMULA_TYPES[ftype]
    for missing in sorted(required - formula.keys()):
        errors.append(f"指标 {name}: 公式 {ftype} 缺少 {missing}")
    for extra in sorted(formula.keys() - required - optional - {"type"}):
        errors.append(f"指标 {name}: 公式 {ftype} 不认识的字段 {extra!r}")
    counts = COUNTS.get(source, set())
    measures = MEASURES.get(source, set())
    for part in ("numerator", "denominator", "count"):
        if part in formula and formula[part] not in counts:
            errors.append(
                f"指标 {name}: 公式中的计数 {formula[part]!r} 不是数据源 {source} 提供的计数"
            )
    if "measure" in formula and formula["measure"] not in measures:
        errors.append(
            f"指标 {name}: 公式中的度量 {formula['measure']!r} 不是数据源 {source} 提供的度量"
        )
    if "gendered" in formula and not isinstance(formula["gendered"], bool):
        errors.append(f"指标 {name}: gendered 必须是 true 或 false")
    if ftype == "db_topic":
        comps = formula.get("components")
        if not isinstance(comps, list) or not comps:
            errors.append(f"指标 {name}: components 必须是非空列表")
        else:
            for comp in comps:
                if comp not in known_keys:
                    errors.append(f"指标 {name}: 分项 {comp!r} 未定义")
    return errors


def parse_definitions(text: str, path: Path | None = None) -> Definitions:
    """Parse and validate definition text; raise DefinitionError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([f"TOML 语法错误: {exc}"], path) from exc

    errors: list[str] = []
    for extra in sorted(data.keys() - TOP_LEVEL_FIELDS):
        errors.append(f"未知的顶层字段 {extra!r}")
    raw = data.get("indicator", [])
    if not isinstance(raw, list) or not raw:
        errors.append("没有定义任何指标 ([[indicator]])")
        raw = []
    known_keys = {i.get("key") for i in raw if isinstance(i, dict)}
    indicators: dict[str, Indicator] = {}
    for n, ind in enumerate(raw, start=1):
        if not isinstance(ind, dict):
            errors.append(f"第 {n} 个指标不是表")
            continue
        name = ind.get("key") or f"#{n}"
        for extra in sorted(ind.keys() - INDICATOR_FIELDS.keys()):
            errors.append(f"指标 {name}: 未知字段 {extra!r}")
        for req in REQUIRED_FIELDS:
            if req not in ind:
                errors.append(f"指标 {name}: 缺少字段 {req}")
        for fname, ftype in INDICATOR_FIELDS.items():
            if fname in ind and fname != "formula":
                value = ind[fname]
                ok = _num(value) if ftype == (int, float) else isinstance(value, ftype)
                if not ok:
                    errors.append(f"指标 {name}: 字段 {fname} 的值 {value!r} 类型不对")
        if name in indicators:
            errors.append(f"指标 {name}: key 重复")
        if ind.get("group") not in GROUPS:
            errors.append(f"指标 {name}: 分组 {ind.get('group')!r} 无效")
        if ind.get("source") not in SOURCES:
            errors.append(f"指标 {name}: 数据源 {ind.get('source')!r} 无效")
        if ind.get("direction") not in DIRECTIONS:
            errors.append(f"指标 {name}: direction 必须是 higher 或 lower")
        errors.extend(_check_formula(ind, name, known_keys))
        best, worst = ind.get("best"), ind.get("worst")
        weight = ind.get("weight", 0)
        ftype = (
            (ind.get("formula") or {}).get("type") if isinstance(ind.get("formula"), dict) else None
        )
        needs_bounds = ftype == "db_component" or (_num(weight) and weight > 0)
        if needs_bounds and (best is None or worst is None):
            errors.append(f"指标 {name}: 缺少边界 best/worst (前沿值/最差值)")
        if _num(best) and _num(worst):
            if best == worst:
                errors.append(f"指标 {name}: best 与 worst 不能相等")
            elif ind.get("direction") == "higher" and best < worst:
                errors.append(f"指标 {name}: direction = higher 时 best 必须大于 worst")
            elif ind.get("direction") == "lower" and best > worst:
                errors.append(f"指标 {name}: direction = lower 时 best 必须小于 worst")
        if _num(weight) and weight < 0:
            errors.append(f"指标 {name}: weight 不能为负")
        if isinstance(name, str) and name not in indicators:
            try:
                indicators[name] = Indicator(
                    key=name,
                    name_zh=ind.get("name_zh", ""),
                    name_en=ind.get("name_en", ""),
                    group=ind.get("group", ""),
                    source=ind.get("source", ""),
                    formula=dict(ind.get("formula") or {}),
                    unit=ind.get("unit", ""),
                    direction=ind.get("direction", ""),
                    best=float(best) if _num(best) else None,
                    worst=float(worst) if _num(worst) else None,
                    weight=float(weight) if _num(weight) else 0.0,
                    source_note=ind.get("source_note", ""),
                )
            except (TypeError, ValueError):  # pragma: no cover - reported above
                pass

    composite = data.get("composite", {})
    if not isinstance(composite, dict):
        errors.append("composite 必须是表")
        composite = {}
    for group, weight in composite.items():
        if group not in GROUPS:
            errors.append(f"composite: 未知分组 {group!r}")
        elif not _num(weight) or weight < 0:
            errors.append(f"composite: 分组 {group} 的权重 {weight!r} 无效")

    city = data.get("city", {})
    for extra in sorted(set(city) - CITY_FIELDS):
        errors.append(f"city: 未知字段 {extra!r}")
    for fname in CITY_FIELDS & set(city):
        if not _num(city[fname]) or city[fname] <= 0:
            errors.append(f"city: {fname} 必须是正数")

    mapping = data.get("mapping", {})
    for topic, conf in mapping.items():
        if topic not in DB_TOPICS:
            errors.append(f"mapping: 未知专题 {topic!r} (可用: {', '.join(DB_TOPICS)})")
            continue
        for extra in sorted(set(conf) - MAPPING_FIELDS):
            errors.append(f"mapping.{topic}: 未知字段 {extra!r}")
        for fname in MAPPING_FIELDS & set(conf):
            if not isinstance(conf[fname], list) or not all(
                isinstance(x, str) for x in conf[fname]
            ):
                errors.append(f"mapping.{topic}: {fname} 必须是字符串列表")

    if errors:
        raise DefinitionError(errors, path)
    return Definitions(
        version=str(data.get("version", "")),
        indicators=indicators,
        composite={k: float(v) for k, v in composite.items()},
        mapping={t: {f: list(c.get(f, [])) for f in MAPPING_FIELDS} for t, c in mapping.items()},
        income_per_capita=city.get("income_per_capita"),
        population=city.get("population"),
        path=path,
    )


def definitions_path() -> Path:
    configured = getattr(settings, "MONITORING_INDICATORS_FILE", None)
    return Path(configured) if configured else DEFAULT_FILE


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Definitions:
    p = Path(path)
    return parse_definitions(p.read_text(encoding="utf-8"), p)


def load_definitions(path: Path | None = None) -> Definitions:
    """The definitions in force (settings overrides applied); cached per file version."""
    p = Path(path) if path else definitions_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise DefinitionError([f"无法读取指标定义文件 {p}: {exc.strerror}"], p) from exc
    defs = _load(str(p), mtime)
    overrides = {}
    income = getattr(settings, "MONITORING_INCOME_PER_CAPITA", None)
    population = getattr(settings, "MONITORING_POPULATION", None)
    mapping = getattr(settings, "MONITORING_TOPIC_MAPPING", None)
    if income is not None:
        overrides["income_per_capita"] = float(income)
    if population is not None:
        overrides["population"] = int(population)
    if mapping is not None:
        merged = {t: dict(c) for t, c in defs.mapping.items()}
        for topic, conf in mapping.items():
            merged.setdefault(topic, {}).update({k: list(v) for k, v in conf.items()})
        overrides["mapping"] = merged
    if overrides:
        from dataclasses import replace

        defs = replace(defs, **overrides)
    return defs
