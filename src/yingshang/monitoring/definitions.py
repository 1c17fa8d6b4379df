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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_FILE = Path(__file__).resolve().parent / "indicators.toml"

SOURCES = ("cases", "appeals", "evaluations", "reforms", "catalog", "notifications", "benchmark")
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
        "cases_submitted_wechat",
        "cases_submitted_pc",
        "cases_submitted_window",
        "cases_submitted_api",
        "cases_submitted_online",
        "supplements_answered",
        "supplements_answered_wechat",
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
        "appeals_confirmed",
        "appeals_resolved",
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
    "notifications": {"wechat_sent", "wechat_final", "sms_sent", "sms_final"},
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
    "notifications": set(),
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
TOP_LEVEL_FIELDS = {"version", "city", "mapping", "composite", "indicator", "map"}
# [city]: reference values (positive numbers) and the table of the city's assessed indices
CITY_FIELDS = {"income_per_capita", "population", "warehouse_value", "property_value"}
CITY_TABLES = {"indices"}
# Cost measures → the [city] reference value they are expressed in (DB2020 units)
REFERENCES = {
    "fee_pct_income": "income_per_capita",
    "fee_pct_warehouse_value": "warehouse_value",
    "fee_pct_property_value": "property_value",
}
# the reference values in words (the notes of a cost that cannot be converted)
REFERENCE_LABELS = {
    "income_per_capita": gettext_lazy("人均收入"),
    "warehouse_value": gettext_lazy("仓库价值"),
    "property_value": gettext_lazy("财产价值"),
}
# Settings that override [city] fields
CITY_SETTINGS = {
    "income_per_capita": "MONITORING_INCOME_PER_CAPITA",
    "population": "MONITORING_POPULATION",
    "warehouse_value": "MONITORING_WAREHOUSE_VALUE",
    "property_value": "MONITORING_PROPERTY_VALUE",
}
INDEX_MEASURE = "quality_index"
MAP_FIELDS = {"tiles", "geojson"}
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
    warehouse_value: float | None = None
    property_value: float | None = None
    # the city's own assessed indices (cp.quality_index …), used in the live topic scores
    indices: dict[str, float] = field(default_factory=dict)
    # the county map: {"tiles": {division code: (column, row)}} or {"geojson": Path}; None =
    # no map (the dashboards draw the counties as a bar chart only)
    county_map: dict | None = None

    def topic(self, topic: str) -> Indicator:
        return self.indicators[topic]

    def components(self, topic: str) -> list[Indicator]:
        return [self.indicators[k] for k in self.indicators[topic].formula["components"]]

    def index_keys(self) -> list[str]:
        """The assessed-index components (measure ``quality_index``) of the DB topics."""
        return [
            k
            for k, ind in self.indicators.items()
            if ind.formula.get("type") == "db_component"
            and ind.formula.get("measure") == INDEX_MEASURE
        ]

    def reference(self, measure: str) -> float | None:
        """The configured reference value a cost measure is expressed in (None: unset)."""
        name = REFERENCES.get(measure)
        return getattr(self, name) if name else None

    def missing_note(self, key: str) -> str | None:
        """Why a DB component cannot have a live value, when a configured figure is missing."""
        ind = self.indicators.get(key)
        if ind is None or ind.kind != "db_component":
            return None
        measure = ind.formula.get("measure")
        if measure in REFERENCES and self.reference(measure) is None:
            name = REFERENCES[measure]
            return _("未配置参考值“%(field)s”（设置 %(setting)s）：费用无法换算") % {
                "field": REFERENCE_LABELS[name],
                "setting": CITY_SETTINGS[name],
            }
        if measure == INDEX_MEASURE and key not in self.indices:
            return _("未配置本市的“%(name)s”评估值（设置 MONITORING_CITY_INDICES）") % {
                "name": ind.name
            }
        return None

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


def _fmt(x: float) -> str:
    return f"{x:g}"


def _check_formula(ind: dict, name: str, known_keys: set[str]) -> list[str]:
    errors = []
    formula = ind.get("formula")
    source = ind.get("source")
    if not isinstance(formula, dict):
        return [_("指标 %(key)s: formula 必须是表 (table)") % {"key": name}]
    ftype = formula.get("type")
    if ftype not in FORMULA_TYPES:
        return [
            _("指标 %(key)s：公式类型 %(type)s 无效，可用：%(types)s")
            % {"key": name, "type": repr(ftype), "types": ", ".join(sorted(FORMULA_TYPES))}
        ]
    required, optional = FORMULA_TYPES[ftype]
    for missing in sorted(required - formula.keys()):
        errors.append(
            _("指标 %(key)s：公式 %(type)s 缺少 %(field)s")
            % {"key": name, "type": ftype, "field": missing}
        )
    for extra in sorted(formula.keys() - required - optional - {"type"}):
        errors.append(
            _("指标 %(key)s：公式 %(type)s 不认识的字段 %(field)s")
            % {"key": name, "type": ftype, "field": repr(extra)}
        )
    counts = COUNTS.get(source, set())
    measures = MEASURES.get(source, set())
    for part in ("numerator", "denominator", "count"):
        if part in formula and formula[part] not in counts:
            errors.append(
                _("指标 %(key)s：公式中的计数 %(name)s 不是数据源 %(source)s 提供的计数")
                % {"key": name, "name": repr(formula[part]), "source": source}
            )
    if "measure" in formula and formula["measure"] not in measures:
        errors.append(
            _("指标 %(key)s：公式中的度量 %(name)s 不是数据源 %(source)s 提供的度量")
            % {"key": name, "name": repr(formula["measure"]), "source": source}
        )
    if "gendered" in formula and not isinstance(formula["gendered"], bool):
        errors.append(_("指标 %(key)s: gendered 必须是 true 或 false") % {"key": name})
    if ftype == "db_topic":
        comps = formula.get("components")
        if not isinstance(comps, list) or not comps:
            errors.append(_("指标 %(key)s: components 必须是非空列表") % {"key": name})
        else:
            for comp in comps:
                if comp not in known_keys:
                    errors.append(
                        _("指标 %(key)s：分项 %(component)s 未定义")
                        % {"key": name, "component": repr(comp)}
                    )
    return errors


def _flatten(table: dict, prefix: str = "") -> dict:
    """``{"cp": {"quality_index": 14}}`` (TOML dotted keys) → ``{"cp.quality_index": 14}``."""
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def check_reference(name: str, value, where: str) -> list[str]:
    """A [city] reference value (or the setting overriding it) must be a positive number."""
    if not _num(value) or value <= 0:
        return [
            _("%(where)s: %(field)s 必须是正数（实际 %(value)s）")
            % {"where": where, "field": name, "value": repr(value)}
        ]
    return []


def check_indices(
    indices, indicators: dict[str, Indicator], where: str
) -> tuple[dict[str, float], list[str]]:
    """Validate the city's assessed indices: each key an index component, each value within
    its DB2020 range (between worst and best)."""
    if not isinstance(indices, dict):
        return {}, [_("%(where)s 必须是表（指标 → 数值）") % {"where": where}]
    allowed = {
        k: ind
        for k, ind in indicators.items()
        if ind.formula.get("type") == "db_component" and ind.formula.get("measure") == INDEX_MEASURE
    }
    errors, out = [], {}
    for key, value in _flatten(indices).items():
        ind = allowed.get(key)
        if ind is None:
            errors.append(
                _("%(where)s: %(key)s 不是评估指数（可用：%(allowed)s）")
                % {"where": where, "key": repr(key), "allowed": ", ".join(sorted(allowed))}
            )
            continue
        if not _num(value):
            errors.append(
                _("%(where)s：指标 %(key)s 的值 %(value)s 不是数字")
                % {"where": where, "key": key, "value": repr(value)}
            )
            continue
        lo, hi = sorted((ind.best, ind.worst)) if ind.has_bounds else (None, None)
        if lo is not None and not lo <= value <= hi:
            errors.append(
                _("%(where)s：指标 %(key)s 的值 %(value)s 超出范围 %(lo)s–%(hi)s")
                % {"where": where, "key": key, "value": _fmt(value), "lo": _fmt(lo), "hi": _fmt(hi)}
            )
            continue
        out[key] = float(value)
    return out, errors


def _check_map(conf, base: Path | None) -> tuple[dict | None, list[str]]:
    """[map]: ``tiles = {"510703" = [col, row], …}`` (a schematic tile map) or ``geojson =
    "file"`` (a boundary file whose features carry the division code in ``properties.code`` or
    ``properties.adcode``; a relative path is relative to the definition file)."""
    if not isinstance(conf, dict):
        return None, [_("map 必须是表")]
    errors = []
    for extra in sorted(set(conf) - MAP_FIELDS):
        errors.append(_("map：未知字段 %(field)s") % {"field": repr(extra)})
    if "geojson" in conf:
        ref = conf["geojson"]
        if not isinstance(ref, str) or not ref:
            return None, [*errors, _("map: geojson 必须是文件路径")]
        path = Path(ref)
        if not path.is_absolute():
            path = (base or DEFAULT_FILE.parent) / path
        codes, problem = geojson_codes(path)
        if problem:
            return None, [
                *errors,
                _("map: geojson 文件 %(path)s: %(problem)s") % {"path": path, "problem": problem},
            ]
        return ({"geojson": path, "codes": codes} if not errors else None), errors
    tiles = conf.get("tiles")
    if not isinstance(tiles, dict) or not tiles:
        return None, [*errors, _("map：需要 tiles （区划代码 → [列，行]）或 geojson")]
    seen: dict[tuple, str] = {}
    out = {}
    for code, pos in tiles.items():
        if (
            not isinstance(pos, list)
            or len(pos) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 50 for x in pos)
        ):
            errors.append(
                _("map.tiles：区划 %(code)s 的位置 %(pos)s 无效（应为 [列，行], 0–49 的整数）")
                % {"code": code, "pos": repr(pos)}
            )
            continue
        if tuple(pos) in seen:
            errors.append(
                _("map.tiles：区划 %(code)s 与 %(other)s 位置相同")
                % {"code": code, "other": seen[tuple(pos)]}
            )
            continue
        seen[tuple(pos)] = code
        out[code] = (pos[0], pos[1])
    return ({"tiles": out} if not errors else None), errors


def geojson_codes(path: Path) -> tuple[list[str], str | None]:
    """The division codes of a GeoJSON FeatureCollection, or a problem description."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return [], exc.strerror or str(exc)
    except ValueError as exc:
        return [], _("不是有效的 JSON (%(error)s)") % {"error": exc}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [], _("不是 GeoJSON FeatureCollection")
    codes = []
    for feature in data.get("features") or []:
        props = (feature or {}).get("properties") or {}
        code = props.get("code", props.get("adcode"))
        if code is None:
            return [], _("要素缺少 properties.code （区划代码）")
        codes.append(str(code))
    if not codes:
        return [], _("没有要素")
    return codes, None


def parse_definitions(text: str, path: Path | None = None) -> Definitions:
    """Parse and validate definition text; raise DefinitionError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([_("TOML 语法错误：%(error)s") % {"error": exc}], path) from exc

    errors: list[str] = []
    for extra in sorted(data.keys() - TOP_LEVEL_FIELDS):
        errors.append(_("未知的顶层字段 %(field)s") % {"field": repr(extra)})
    raw = data.get("indicator", [])
    if not isinstance(raw, list) or not raw:
        errors.append(_("没有定义任何指标 ([[indicator]])"))
        raw = []
    known_keys = {i.get("key") for i in raw if isinstance(i, dict)}
    indicators: dict[str, Indicator] = {}
    for n, ind in enumerate(raw, start=1):
        if not isinstance(ind, dict):
            errors.append(_("第 %(n)s 个指标不是表") % {"n": n})
            continue
        name = ind.get("key") or f"#{n}"
        for extra in sorted(ind.keys() - INDICATOR_FIELDS.keys()):
            errors.append(
                _("指标 %(key)s：未知字段 %(field)s") % {"key": name, "field": repr(extra)}
            )
        for req in REQUIRED_FIELDS:
            if req not in ind:
                errors.append(_("指标 %(key)s：缺少字段 %(field)s") % {"key": name, "field": req})
        for fname, ftype in INDICATOR_FIELDS.items():
            if fname in ind and fname != "formula":
                value = ind[fname]
                ok = _num(value) if ftype == (int, float) else isinstance(value, ftype)
                if not ok:
                    errors.append(
                        _("指标 %(key)s：字段 %(field)s 的值 %(value)s 类型不对")
                        % {"key": name, "field": fname, "value": repr(value)}
                    )
        if name in indicators:
            errors.append(_("指标 %(key)s: key 重复") % {"key": name})
        if ind.get("group") not in GROUPS:
            errors.append(
                _("指标 %(key)s：分组 %(group)s 无效")
                % {"key": name, "group": repr(ind.get("group"))}
            )
        if ind.get("source") not in SOURCES:
            errors.append(
                _("指标 %(key)s：数据源 %(source)s 无效")
                % {"key": name, "source": repr(ind.get("source"))}
            )
        if ind.get("direction") not in DIRECTIONS:
            errors.append(_("指标 %(key)s: direction 必须是 higher 或 lower") % {"key": name})
        errors.extend(_check_formula(ind, name, known_keys))
        best, worst = ind.get("best"), ind.get("worst")
        weight = ind.get("weight", 0)
        ftype = (
            (ind.get("formula") or {}).get("type") if isinstance(ind.get("formula"), dict) else None
        )
        needs_bounds = ftype == "db_component" or (_num(weight) and weight > 0)
        if needs_bounds and (best is None or worst is None):
            errors.append(_("指标 %(key)s：缺少边界 best/worst （前沿值/最差值）") % {"key": name})
        if _num(best) and _num(worst):
            if best == worst:
                errors.append(_("指标 %(key)s: best 与 worst 不能相等") % {"key": name})
            elif ind.get("direction") == "higher" and best < worst:
                errors.append(
                    _("指标 %(key)s: direction = higher 时 best 必须大于 worst") % {"key": name}
                )
            elif ind.get("direction") == "lower" and best > worst:
                errors.append(
                    _("指标 %(key)s: direction = lower 时 best 必须小于 worst") % {"key": name}
                )
        if _num(weight) and weight < 0:
            errors.append(_("指标 %(key)s: weight 不能为负") % {"key": name})
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
        errors.append(_("composite 必须是表"))
        composite = {}
    for group, weight in composite.items():
        if group not in GROUPS:
            errors.append(_("composite：未知分组 %(group)s") % {"group": repr(group)})
        elif not _num(weight) or weight < 0:
            errors.append(
                _("composite：分组 %(group)s 的权重 %(weight)s 无效")
                % {"group": group, "weight": repr(weight)}
            )

    city = data.get("city", {})
    if not isinstance(city, dict):
        errors.append(_("city 必须是表"))
        city = {}
    for extra in sorted(set(city) - CITY_FIELDS - CITY_TABLES):
        errors.append(_("city：未知字段 %(field)s") % {"field": repr(extra)})
    for fname in sorted(CITY_FIELDS & set(city)):
        errors.extend(check_reference(fname, city[fname], "city"))
    indices, index_errors = check_indices(city.get("indices", {}), indicators, "city.indices")
    errors.extend(index_errors)

    mapping = data.get("mapping", {})
    for topic, conf in mapping.items():
        if topic not in DB_TOPICS:
            errors.append(
                _("mapping：未知专题 %(topic)s （可用：%(topics)s）")
                % {"topic": repr(topic), "topics": ", ".join(DB_TOPICS)}
            )
            continue
        for extra in sorted(set(conf) - MAPPING_FIELDS):
            errors.append(
                _("mapping.%(topic)s：未知字段 %(field)s") % {"topic": topic, "field": repr(extra)}
            )
        for fname in MAPPING_FIELDS & set(conf):
            if not isinstance(conf[fname], list) or not all(
                isinstance(x, str) for x in conf[fname]
            ):
                errors.append(
                    _("mapping.%(topic)s: %(field)s 必须是字符串列表")
                    % {"topic": topic, "field": fname}
                )

    county_map = None
    if "map" in data:
        county_map, map_errors = _check_map(data["map"], path.parent if path else None)
        errors.extend(map_errors)

    if errors:
        raise DefinitionError(errors, path)
    return Definitions(
        version=str(data.get("version", "")),
        indicators=indicators,
        composite={k: float(v) for k, v in composite.items()},
        mapping={t: {f: list(c.get(f, [])) for f in MAPPING_FIELDS} for t, c in mapping.items()},
        income_per_capita=city.get("income_per_capita"),
        population=city.get("population"),
        warehouse_value=city.get("warehouse_value"),
        property_value=city.get("property_value"),
        indices=indices,
        county_map=county_map,
        path=path,
    )


def definitions_path() -> Path:
    configured = getattr(settings, "MONITORING_INDICATORS_FILE", None)
    return Path(configured) if configured else DEFAULT_FILE


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Definitions:
    p = Path(path)
    return parse_definitions(p.read_text(encoding="utf-8"), p)


def load_definitions(
    path: Path | None = None, *, figures: bool = False, year: int | None = None
) -> Definitions:
    """The definitions in force; the file is cached per version.

    Order, later wins: the file's ``[city]`` values; the city figures entered in the admin
    (``CityFigure`` — read only with ``figures=True``, by the code that scores live data and
    explains missing values; never before the table exists): of each key the figure of
    ``year`` or the nearest earlier year, or the latest one without ``year``; the settings
    ``MONITORING_INCOME_PER_CAPITA``, ``MONITORING_POPULATION``, ``MONITORING_WAREHOUSE_VALUE``,
    ``MONITORING_PROPERTY_VALUE``, ``MONITORING_CITY_INDICES`` (``{"cp.quality_index": 14.5,
    …}``, merged over the indices) and ``MONITORING_TOPIC_MAPPING``. Settings are validated
    like the file (DefinitionError naming the setting)."""
    defs = load_file_definitions(path)
    if figures:
        from dataclasses import replace

        city = city_figures(year)
        indices = {k: v for k, v in city.items() if "." in k}
        plain = {k: (int(v) if k == "population" else v) for k, v in city.items() if "." not in k}
        if indices or plain:
            defs = replace(defs, **plain, indices={**defs.indices, **indices})
    return _with_settings(defs, Path(path) if path else definitions_path())


_figures_table_seen = False


def city_figures(year: int | None = None) -> dict[str, float]:
    """Of each city figure entered in the admin, the value of ``year`` or the nearest earlier
    year (a figure published later does not apply back), or without ``year`` the latest one
    ({} before migrate)."""
    global _figures_table_seen
    from django.db import connection

    from .models import CityFigure

    if not _figures_table_seen:
        # the table appears once, with the migration; until then there are no figures
        if CityFigure._meta.db_table not in connection.introspection.table_names():
            return {}
        _figures_table_seen = True
    qs = CityFigure.objects.order_by("key", "-year")
    if year is not None:
        qs = qs.filter(year__lte=year)
    out: dict[str, float] = {}
    for key, value in qs.values_list("key", "value"):
        out.setdefault(key, value)
    return out


def load_file_definitions(path: Path | None = None) -> Definitions:
    """The definition file alone (no city figures, no settings), cached per file version."""
    p = Path(path) if path else definitions_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise DefinitionError(
            [_("无法读取指标定义文件 %(path)s: %(error)s") % {"path": p, "error": exc.strerror}], p
        ) from exc
    return _load(str(p), mtime)


def _with_settings(defs: Definitions, p: Path) -> Definitions:
    overrides: dict = {}
    errors: list[str] = []
    for fname, setting in CITY_SETTINGS.items():
        value = getattr(settings, setting, None)
        if value is None:
            continue
        problems = check_reference(fname, value, setting)
        if problems:
            errors.extend(problems)
        else:
            overrides[fname] = int(value) if fname == "population" else float(value)
    indices = getattr(settings, "MONITORING_CITY_INDICES", None)
    if indices is not None:
        checked, problems = check_indices(indices, defs.indicators, "MONITORING_CITY_INDICES")
        errors.extend(problems)
        overrides["indices"] = {**defs.indices, **checked}
    mapping = getattr(settings, "MONITORING_TOPIC_MAPPING", None)
    if mapping is not None:
        merged = {t: dict(c) for t, c in defs.mapping.items()}
        for topic, conf in mapping.items():
            merged.setdefault(topic, {}).update({k: list(v) for k, v in conf.items()})
        overrides["mapping"] = merged
    if errors:
        raise DefinitionError(errors, p)
    if overrides:
        from dataclasses import replace

        defs = replace(defs, **overrides)
    return defs
