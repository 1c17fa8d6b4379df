"""The indicator-value admin list on a large table: no full count (a capped count over a
LIMITed subquery), no DISTINCT over the table for its filters, filters by period kind, period,
dimension and indicator, and a subtitle asking for a filter past the cap."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.monitoring.factories import IndicatorValueFactory
from yingshang.monitoring.admin import CappedCountPaginator

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/indicatorvalue/"


@pytest.fixture
def values(mianyang):
    rows = []
    for month in (9, 10):
        for dim in ("city", "department"):
            for n in range(6):
                rows.append(
                    IndicatorValueFactory(
                        indicator="gov.on_time_rate" if n % 2 else "gov.mean_trips",
                        period_start=datetime.date(2026, month, 1),
                        dimension=dim,
                        dimension_id=100 + n,
                    )
                )
    return rows  # 24 rows: 2 months × 2 dimensions × 6 members


def admin_client(client, staff):
    client.force_login(staff["admin"])
    return client


def test_list_counts_no_more_than_the_cap(values, staff, client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 10)
    c = admin_client(client, staff)
    with CaptureQueriesContext(connection) as ctx:
        page = c.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    sql = [q["sql"].upper() for q in ctx.captured_queries if "MONITORING_INDICATORVALUE" in q["sql"].upper()]  # fmt: skip
    counts = [q for q in sql if "COUNT(" in q]
    assert counts and all("LIMIT 11" in q for q in counts), counts  # capped, never the table
    assert not any("DISTINCT" in q for q in sql), sql  # no date hierarchy, no AllValues filter
    assert "超过 10 条" in html  # asks for a filter
    # ordered by the unique index, without the "-pk" tie-breaker
    listing = next(q for q in sql if "ORDER BY" in q and "COUNT(" not in q)
    assert '"ID" DESC' not in listing and "ORDER BY" in listing


def test_filters_by_period_and_dimension(values, staff, client):
    c = admin_client(client, staff)
    page = c.get(URL, {"period": "2026-10", "dimension__exact": "city"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "超过" not in html
    cl = page.context["cl"]
    got = list(cl.result_list)
    assert len(got) == 6
    assert {(v.period_start, v.dimension) for v in got} == {(datetime.date(2026, 10, 1), "city")}
    # a year, the indicator from the definitions, and a bad period that lists nothing
    assert len(c.get(URL, {"period": "2026"}).context["cl"].result_list) == 24
    only = c.get(URL, {"indicator": "gov.on_time_rate", "period": "2026-09"}).context["cl"]
    assert len(only.result_list) == 6
    assert {v.indicator for v in only.result_list} == {"gov.on_time_rate"}
    assert len(c.get(URL, {"period": "2026-13"}).context["cl"].result_list) == 0
    # the filter panel names the indicators in words
    assert "按时办结率" in html


def test_paginator_count_is_capped_but_pages_work(values):
    from yingshang.monitoring.models import IndicatorValue

    qs = IndicatorValue.objects.order_by("indicator", "period_kind", "period_start", "dimension",
                                         "dimension_id")  # fmt: skip
    p = CappedCountPaginator(qs, 5)
    p.cap = 12
    assert p.count == 13 and p.capped and p.num_pages == 3
    assert len(p.page(3).object_list) == 3
    p = CappedCountPaginator(qs, 5)
    p.cap = 100
    assert p.count == 24 and not p.capped
