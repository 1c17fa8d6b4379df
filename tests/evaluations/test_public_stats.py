"""The public 好差评 page (issue 12, item 6): it opens on the latest month with ratings (not an
empty year), ranks the departments of that month, shows the year's trend (chart data on the
page), keeps the full table behind a toggle; a month or a year can be asked for."""

import datetime
import json
import re

import pytest

from yingshang.evaluations import selectors

from .factories import BadEvaluationFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


def _at(y, m, d=10):
    return datetime.datetime(y, m, d, 10, tzinfo=datetime.UTC)


def _chart(body):
    raw = re.search(r'<script id="ev-chart-data" type="application/json">(.*?)</script>', body)
    return json.loads(raw.group(1))


def test_opens_on_the_latest_month_with_data(client, mianyang):
    EvaluationFactory(created_at=_at(2025, 5))
    EvaluationFactory(created_at=_at(2025, 6))
    late = BadEvaluationFactory(created_at=_at(2025, 6, 20))
    assert selectors.latest_month() == "2025-06"
    r = client.get("/evaluations/stats/")
    body = r.content.decode()
    assert r.status_code == 200
    assert '<option value="2025-06" selected>' in body  # not this (empty) year
    assert "2025-06 的评价" in body
    chart = _chart(body)
    assert [t["month"] for t in chart["trend"]] == ["2025-05", "2025-06"]
    assert chart["trend"][1]["total"] == 2 and chart["trend"][1]["bad"] == 1
    assert chart["trend"][1]["rate"] == 50.0
    assert [r["name"] for r in chart["ranking"]] == [late.department.name]
    # the table is behind a toggle, with every month of the year
    details = body[body.index('<details data-testid="table-toggle">') :]
    assert '<table id="stats">' in details and "2025-05" in details
    assert "echarts.min.js" in body and "evaluations/stats.js" in body


def test_ranking_orders_departments_by_good_rate(client, mianyang):
    from yingshang.core.models import Department

    good = EvaluationFactory(created_at=_at(2025, 6))
    bad = BadEvaluationFactory(created_at=_at(2025, 6))
    other = Department.objects.exclude(pk=good.department_id).first()
    bad.department = other
    bad.save()
    data = selectors.public_stats("2025-06")
    assert [r["department"] for r in data["ranking"]] == [good.department.name, other.name]
    assert data["summary"]["total"] == 2 and data["summary"]["good_rate"] == 50.0


def test_a_month_or_a_year_can_be_asked_for(client, mianyang):
    EvaluationFactory(created_at=_at(2024, 3))
    EvaluationFactory(created_at=_at(2025, 6))
    body = client.get("/evaluations/stats/", {"month": "2024-03"}).content.decode()
    assert '<option value="2024-03" selected>' in body and 'data-testid="ranking"' in body
    body = client.get("/evaluations/stats/", {"year": "2024"}).content.decode()
    assert '<option value="2024-03" selected>' in body
    # an empty month says so (no empty charts)
    body = client.get("/evaluations/stats/", {"month": "2023-01"}).content.decode()
    assert 'data-testid="no-data"' in body and 'id="chart-ranking"' not in body
    r = client.get("/evaluations/stats/", {"month": "2025-13"})
    assert r.status_code == 200 and "月份格式应为 YYYY-MM" in r.content.decode()


def test_no_ratings_at_all(client, mianyang):
    assert selectors.latest_month() is None
    body = client.get("/evaluations/stats/").content.decode()
    assert 'data-testid="no-data"' in body
