"""Benchmark (对标) CSV files: parsing with row-numbered errors, and scoring.

Rows: ``entity,indicator,value[,weight]``; an optional header row starting with ``entity``.
An entity ``PARENT/CITY`` is a city of PARENT and carries its population share in ``weight``;
the shares of one parent must sum to 1 (tolerance 1e-6).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import scoring
from .definitions import DB_TOPICS, Definitions


@dataclass(frozen=True)
class Row:
    line: int
    entity: str
    indicator: str
    value: float
    weight: float | None = None

    @property
    def parent(self) -> str | None:
        return self.entity.split("/", 1)[0] if "/" in self.entity else None


class BenchmarkFileError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def accepted_keys(defs: Definitions) -> list[str]:
    """Component input keys plus the published topic scores ``sb.score`` …"""
    keys = list(defs.db_input_keys())
    keys += [f"{t}.score" for t in DB_TOPICS if t in defs.indicators]
    return keys


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse(text: str, defs: Definitions) -> list[Row]:
    """Parse CSV text; raise BenchmarkFileError naming every bad row."""
    keys = set(accepted_keys(defs))
    errors: list[str] = []
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    first = True
    for line, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first and cells[0].lower() == "entity":
            first = False
            continue
        first = False
        if len(cells) not in (3, 4):
            errors.append(
                _(
                    "第 %(line)d 行：应为 entity,indicator,value[,weight] （3 或 4 列），实际 %(n)d 列"
                )
                % {"line": line, "n": len(cells)}
            )
            continue
        entity, indicator, raw_value = cells[:3]
        raw_weight = cells[3] if len(cells) == 4 else ""
        ok = True
        if not entity or entity.startswith("/") or entity.endswith("/") or entity.count("/") > 1:
            errors.append(
                _("第 %(line)d 行：对标对象 %(entity)r 无效（应为 名称 或 上级/城市）")
                % {"line": line, "entity": entity}
            )
            ok = False
        if indicator not in keys:
            errors.append(_("第 %(line)d 行：未知指标 %(key)r") % {"line": line, "key": indicator})
            ok = False
        value = _number(raw_value)
        if value is None:
            errors.append(
                _("第 %(line)d 行：数值 %(value)r 不是数字") % {"line": line, "value": raw_value}
            )
            ok = False
        elif value < 0:
            errors.append(
                _("第 %(line)d 行：数值 %(value)s 不能为负") % {"line": line, "value": raw_value}
            )
            ok = False
        weight = None
        if raw_weight:
            weight = _number(raw_weight)
            if weight is None or not 0 < weight <= 1:
                errors.append(
                    _("第 %(line)d 行：权重 %(weight)r 应为 0 到 1 之间的数字")
                    % {"line": line, "weight": raw_weight}
                )
                ok = False
            elif "/" not in entity:
                errors.append(
                    _("第 %(line)d 行：只有 上级/城市 形式的对标对象可以带权重") % {"line": line}
                )
                ok = False
        if (entity, indicator) in seen:
            errors.append(
                _("第 %(line)d 行：%(entity)s 的 %(key)s 与第 %(first)d 行重复")
                % {
                    "line": line,
                    "entity": entity,
                    "key": indicator,
                    "first": seen[entity, indicator],
                }
            )
            ok = False
        seen[entity, indicator] = line
        if ok:
            rows.append(Row(line, entity, indicator, value, weight))
    if not errors:
        errors.extend(_check_weights(rows))
    if not rows and not errors:
        errors.append(_("文件中没有数据行"))
    if errors:
        raise BenchmarkFileError(errors)
    return rows


def _check_weights(rows: list[Row]) -> list[str]:
    errors = []
    city_weight: dict[str, tuple[float, int]] = {}
    city_lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.parent is None:
            continue
        city_lines[row.entity].append(row.line)
        if row.weight is None:
            continue
        if row.entity in city_weight and not math.isclose(
            city_weight[row.entity][0], row.weight, abs_tol=1e-12
        ):
            errors.append(
                _("第 %(line)d 行：%(entity)s 的权重 %(w)s 与第 %(first)d 行的 %(w0)s 不一致")
                % {
                    "line": row.line,
                    "entity": row.entity,
                    "w": row.weight,
                    "first": city_weight[row.entity][1],
                    "w0": city_weight[row.entity][0],
                }
            )
        else:
            city_weight.setdefault(row.entity, (row.weight, row.line))
    parents: dict[str, list[str]] = defaultdict(list)
    for city in city_lines:
        parents[city.split("/", 1)[0]].append(city)
    for parent, cities in parents.items():
        missing = [c for c in cities if c not in city_weight]
        if missing:
            for city in missing:
                lines = ", ".join(str(n) for n in city_lines[city])
                errors.append(
                    _("第 %(lines)s 行：%(entity)s 没有人口权重（weight 列）")
                    % {"lines": lines, "entity": city}
                )
            continue
        total = math.fsum(city_weight[c][0] for c in cities)
        if not scoring.weights_sum_to_one([city_weight[c][0] for c in cities]):
            lines = ", ".join(str(n) for n in sorted(city_weight[c][1] for c in cities))
            errors.append(
                _("第 %(lines)s 行：%(parent)s 下各城市的权重之和为 %(total)s，应为 1")
                % {"lines": lines, "parent": parent, "total": f"{total:.9g}"}
            )
    return errors


def score(rows: list[Row], defs: Definitions) -> dict:
    """Scores of every entity and, for parents of PARENT/CITY entities, the weighted scores."""
    values: dict[str, dict[str, float]] = defaultdict(dict)
    weights: dict[str, float] = {}
    for row in rows:
        values[row.entity][row.indicator] = row.value
        if row.weight is not None:
            weights[row.entity] = row.weight
    entities = {}
    for entity in sorted(values):
        entities[entity] = {
            "weight": weights.get(entity),
            "values": dict(sorted(values[entity].items())),
            "topics": scoring.entity_scores(defs, values[entity]),
        }
    parents: dict[str, dict] = {}
    by_parent: dict[str, dict] = defaultdict(dict)
    for entity, data in entities.items():
        if "/" in entity:
            by_parent[entity.split("/", 1)[0]][entity] = (data["weight"], data["topics"])
    for parent, cities in sorted(by_parent.items()):
        parents[parent] = {
            "cities": {c: w for c, (w, _t) in cities.items()},
            "topics": scoring.combine_cities(cities),
        }
    return {"entities": entities, "parents": parents}
