"""Catalog (事项目录) → snapshot facts: the published items and their terms in force at the end
of a day (the latest ``ServiceItemVersion`` with ``valid_from`` before the day ends), per item.

One query loads every version with its material counts (a GROUP BY over materials); the
per-day choice of the version in force is done on that small table.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict

from django.db.models import Count, Q

from . import FactRow, Source, day_bounds, model

ONLINE_CAPABLE_DEPTH = 4  # 网上受理 and deeper
CROSS_AREA = ("city", "province", "national")


class CatalogSource(Source):
    name = "catalog"
    snapshot_counts = frozenset(
        {
            "items_total",
            "items_online_capable",
            "items_cross_area",
            "materials_total",
            "materials_exempt",
            "committed_limit_days",
            "legal_limit_days",
        }
    )

    def __init__(self):
        self._versions = None

    def available(self) -> bool:
        return model("catalog.ServiceItemVersion") is not None

    def reset(self) -> None:
        self._versions = None

    def _load(self):
        Version = model("catalog.ServiceItemVersion")
        by_item = defaultdict(list)
        rows = (
            Version.objects.filter(item__is_active=True)
            .annotate(
                n_materials=Count("materials"),
                n_exempt=Count("materials", filter=Q(materials__licence_type__isnull=False)),
            )
            .values(
                "item_id",
                "item__division_id",
                "item__department_id",
                "valid_from",
                "online_depth",
                "service_scope",
                "legal_limit_days",
                "committed_limit_days",
                "n_materials",
                "n_exempt",
            )
            .order_by("item_id", "valid_from", "version")
        )
        for row in rows:
            by_item[row["item_id"]].append(row)
        self._versions = {
            item: ([r["valid_from"] for r in versions], versions)
            for item, versions in by_item.items()
        }

    def snapshot(self, as_of: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        if self._versions is None:
            self._load()
        _lo, cutoff = day_bounds(as_of, as_of)
        out = []
        for item_id, (starts, versions) in self._versions.items():
            i = bisect.bisect_left(starts, cutoff) - 1
            if i < 0:
                continue
            v = versions[i]
            data = {
                "items_total": 1.0,
                "items_online_capable": float(v["online_depth"] >= ONLINE_CAPABLE_DEPTH),
                "items_cross_area": float(v["service_scope"] in CROSS_AREA),
                "materials_total": float(v["n_materials"]),
                "materials_exempt": float(v["n_exempt"]),
            }
            if v["legal_limit_days"]:
                data["committed_limit_days"] = float(v["committed_limit_days"])
                data["legal_limit_days"] = float(v["legal_limit_days"])
            out.append(
                FactRow(as_of, v["item__division_id"], v["item__department_id"], item_id, data)
            )
        return out


def item_places() -> dict[int, tuple[int, int]]:
    """Every item's (division id, department id), for rolling item facts up; {} without the
    catalogue app."""
    ServiceItem = model("catalog.ServiceItem")
    if ServiceItem is None:
        return {}
    return {
        pk: (div, dept)
        for pk, div, dept in ServiceItem.objects.values_list("id", "division_id", "department_id")
    }


def item_names(pks) -> dict[int, str]:
    ServiceItem = model("catalog.ServiceItem")
    if ServiceItem is None:
        return {}
    return dict(ServiceItem.objects.filter(pk__in=list(pks)).values_list("pk", "name"))
