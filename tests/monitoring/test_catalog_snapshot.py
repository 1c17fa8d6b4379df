"""The catalogue's state figures: the version in force at the end of a day (a new version
counts from its first day), inactive items left out, and the month values it gives — each
month scored with the terms in force at its end."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.catalog.factories import MaterialFactory, ServiceItemFactory, ServiceItemVersionFactory
from yingshang.monitoring import compute
from yingshang.monitoring.models import IndicatorValue
from yingshang.monitoring.sources.catalog import CatalogSource, item_names, item_places
from yingshang.registry.models import LicenceType

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture
def item(mianyang):
    """v1 from 1 January: 网上咨询 (depth 2), local, no compression, 2 materials, none exempt;
    v2 from 15 October 18:00: fully online, city-wide, 5 of 20 days, 3 materials, 2 exempt."""
    it = ServiceItemFactory(name="变更登记")
    v1 = ServiceItemVersionFactory(item=it, version=1, online_depth=2, service_scope="local",
                                   legal_limit_days=20, committed_limit_days=20)  # fmt: skip
    MaterialFactory(version=v1)
    MaterialFactory(version=v1)
    v2 = ServiceItemVersionFactory(
        item=it, version=2, online_depth=5, service_scope="city", legal_limit_days=20,
        committed_limit_days=5, valid_from=datetime.datetime(2026, 10, 15, 18, 0, tzinfo=SH),
    )  # fmt: skip
    lt = LicenceType.objects.create(code="T99", name="营业执照", holder_kind="enterprise")
    MaterialFactory(version=v2)
    MaterialFactory(version=v2, licence_type=lt)
    MaterialFactory(version=v2, licence_type=lt)
    it.current_version = v2
    it.save()
    return it


def snapshot_of(day, item_id):
    rows = [r for r in CatalogSource().snapshot(day, None) if r.item_id == item_id]
    return rows[0].data if rows else None


def test_the_version_in_force_at_the_end_of_the_day(item):
    assert snapshot_of(D(2026, 10, 14), item.pk) == {
        "items_total": 1.0, "items_online_capable": 0.0, "items_cross_area": 0.0,
        "materials_total": 2.0, "materials_exempt": 0.0,
        "committed_limit_days": 20.0, "legal_limit_days": 20.0,
    }  # fmt: skip
    # in force from 18:00 on the 15th: the day's figure is v2's
    assert snapshot_of(D(2026, 10, 15), item.pk) == {
        "items_total": 1.0, "items_online_capable": 1.0, "items_cross_area": 1.0,
        "materials_total": 3.0, "materials_exempt": 2.0,
        "committed_limit_days": 5.0, "legal_limit_days": 20.0,
    }  # fmt: skip
    assert snapshot_of(D(2025, 12, 31), item.pk) is None  # before the first version


def test_inactive_items_and_items_without_a_legal_limit(item):
    item.is_active = False
    item.save(update_fields=["is_active"])
    assert snapshot_of(D(2026, 10, 20), item.pk) is None
    other = ServiceItemFactory(name="即时备案")
    ServiceItemVersionFactory(item=other, kind="immediate", legal_limit_days=0,
                              committed_limit_days=0)  # fmt: skip
    data = snapshot_of(D(2026, 10, 20), other.pk)
    assert data["items_total"] == 1.0 and "legal_limit_days" not in data


def test_reset_reloads_the_versions(item):
    source = CatalogSource()
    assert source.snapshot(D(2026, 10, 20), None)
    ServiceItemVersionFactory(item=item, version=3, online_depth=1,
                              valid_from=datetime.datetime(2026, 10, 19, tzinfo=SH))  # fmt: skip
    cached = next(r for r in source.snapshot(D(2026, 10, 20), None) if r.item_id == item.pk)
    assert cached.data["items_online_capable"] == 1.0  # loaded once per computation run
    source.reset()
    fresh = next(r for r in source.snapshot(D(2026, 10, 20), None) if r.item_id == item.pk)
    assert fresh.data["items_online_capable"] == 0.0


def test_month_values_use_the_terms_at_each_month_end(item):
    compute.recompute(D(2026, 9, 1), D(2026, 10, 20), kinds=("month",))

    def value(indicator, month):
        return IndicatorValue.objects.get(
            indicator=indicator, period_kind="month", period_start=month, dimension="item",
            dimension_id=item.pk,
        ).value  # fmt: skip

    sep, oct_ = D(2026, 9, 1), D(2026, 10, 1)
    assert value("gov.online_available_rate", sep) == 0.0
    assert value("gov.online_available_rate", oct_) == 100.0
    assert value("gov.cross_area_rate", sep) == 0.0
    assert value("gov.limit_compression_rate", sep) == 0.0  # committed = legal
    assert value("gov.limit_compression_rate", oct_) == pytest.approx(75.0)  # 1 − 5/20
    assert value("gov.materials_exempt_share", sep) == 0.0
    assert value("gov.materials_exempt_share", oct_) == pytest.approx(200 / 3)
    # no day or week values for an item's terms (they would repeat every day)
    assert not IndicatorValue.objects.filter(dimension="item", period_kind="day").exists()


def test_item_places_and_names(item):
    assert item_places()[item.pk] == (item.division_id, item.department_id)
    assert item_names([item.pk, 10**9]) == {item.pk: "变更登记"}
