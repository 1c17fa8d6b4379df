"""The monitoring REST API: the stored values with their filters and scope, the dashboard's
query validation (field errors in Chinese, English with Accept-Language: en), the benchmark
endpoints, and who may call them."""

import datetime

import pytest

from yingshang.core.models import Division, User
from yingshang.monitoring.compute import COMPOSITE
from yingshang.monitoring.models import BenchmarkValue

from .factories import IndicatorValueFactory

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)


def results(response):
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


@pytest.fixture
def values(mianyang):
    city = Division.objects.get(code="510700")
    jy = Division.objects.get(code="510781")

    def make(indicator, kind, start, division, value, dimension=None):
        return IndicatorValueFactory(
            indicator=indicator,
            period_kind=kind,
            period_start=start,
            dimension=dimension or ("city" if division == city else "division"),
            dimension_id=division.pk,
            division_path=division.path,
            value=value,
        )

    return {
        "oct": make("gov.on_time_rate", "month", OCT, city, 75.0),
        "sep": make("gov.on_time_rate", "month", datetime.date(2026, 9, 1), city, 60.0),
        "aug": make("gov.on_time_rate", "month", datetime.date(2026, 8, 1), city, 50.0),
        "q4": make("gov.on_time_rate", "quarter", OCT, city, 70.0),
        "none": make("gov.mean_trips", "month", OCT, city, None),
        "jy": make(COMPOSITE, "month", OCT, jy, 81.0),
        "city": city,
        "jy_div": jy,
    }


def test_values_filters(values, staff, login):
    client = login(staff["admin"])
    rows = results(client.get("/api/monitoring/values/", {"indicator": "gov.on_time_rate",
                                                          "period_kind": "month"}))  # fmt: skip
    assert [r["period_start"] for r in rows] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    rows = results(
        client.get(
            "/api/monitoring/values/",
            {"period_start__gte": "2026-09-01", "period_start__lte": "2026-09-30"},
        )
    )
    assert [r["id"] for r in rows] == [values["sep"].pk]
    rows = results(client.get("/api/monitoring/values/", {"period_kind": "quarter"}))
    assert [r["value"] for r in rows] == [70.0]
    rows = results(client.get("/api/monitoring/values/", {"dimension": "division"}))
    assert [(r["indicator"], r["dimension_id"]) for r in rows] == [(COMPOSITE, values["jy_div"].pk)]


def test_values_show_no_data_as_null_and_display(values, staff, login):
    client = login(staff["admin"])
    rows = results(client.get("/api/monitoring/values/", {"indicator": "gov.mean_trips"}))
    assert rows[0]["value"] is None and rows[0]["display"] == "无数据"
    rows = results(
        client.get(
            "/api/monitoring/values/", {"indicator": "gov.mean_trips"}, HTTP_ACCEPT_LANGUAGE="en"
        )  # fmt: skip
    )
    assert rows[0]["display"] == "No data"
    detail = client.get(f"/api/monitoring/values/{values['oct'].pk}/").json()
    assert detail["value"] == 75.0 and detail["display"] == "75"
    assert set(detail) >= {"numerator", "denominator", "computed_at", "definitions_version"}


def test_values_are_read_only(values, staff, login):
    client = login(staff["admin"])
    assert client.post("/api/monitoring/values/", {"indicator": "x"}).status_code == 405
    url = f"/api/monitoring/values/{values['oct'].pk}/"
    assert client.delete(url).status_code == 405
    assert client.patch(url, {"value": 1}, content_type="application/json").status_code == 405


def test_values_out_of_scope_are_404(values, staff, login):
    client = login(staff["fucheng_jiandu"])
    assert client.get(f"/api/monitoring/values/{values['oct'].pk}/").status_code == 404
    assert client.get(f"/api/monitoring/values/{values['jy'].pk}/").status_code == 404
    assert results(client.get("/api/monitoring/values/")) == []


@pytest.mark.parametrize(
    "query,field,zh,en",
    [
        ({"period_kind": "decade"}, "period_kind", "decade 不在可用的选项中", "decade is not one"),
        ({"period_start__gte": "2026-13-01"}, "period_start__gte", "有效的日期", "valid date"),
        ({"dimension": "planet"}, "dimension", "planet 不在可用的选项中", "planet is not one"),
        ({"dimension_id": "x"}, "dimension_id", "数字", "number"),
    ],
)
def test_values_bad_filters_are_field_errors(values, staff, login, query, field, zh, en):
    client = login(staff["admin"])
    r = client.get("/api/monitoring/values/", query)
    assert r.status_code == 400
    assert zh in r.json()["errors"][field][0]
    r = client.get("/api/monitoring/values/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert en in r.json()["errors"][field][0]


@pytest.mark.parametrize(
    "query,field,zh,en",
    [
        ({"kind": "quarter", "period": "2026-Q7"}, "period", "期间“2026-Q7”无效。",
         "Invalid period “2026-Q7”."),
        ({"period": "2026-13"}, "period", "期间“2026-13”无效。", "Invalid period “2026-13”."),
        ({"kind": "decade"}, "kind", "decade 不在可用的选项中", "decade is not one"),
        ({"division": "abc"}, "division", "整数", "whole number"),
        ({"division": "0"}, "division", "大于或等于1", "greater than or equal to 1"),
        ({"period": "x" * 21}, "period", "不超过 20 字符", "at most 20 characters"),
    ],
)  # fmt: skip
def test_dashboard_bad_query_is_a_field_error(values, staff, login, query, field, zh, en):
    client = login(staff["jianduyuan"])
    r = client.get("/api/monitoring/dashboard/", query)
    assert r.status_code == 400
    assert zh in r.json()["errors"][field][0]
    r = client.get("/api/monitoring/dashboard/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert en in r.json()["errors"][field][0]


def test_dashboard_defaults_to_the_latest_month_with_values(values, staff, login):
    client = login(staff["jianduyuan"])
    data = client.get("/api/monitoring/dashboard/").json()
    assert (data["kind"], data["period"]) == ("month", "2026-10")
    cards = {c["key"]: c for c in data["cards"]}
    assert cards["gov.on_time_rate"]["value"] == 75.0
    assert cards["gov.on_time_rate"]["previous"] == 60.0
    data = client.get("/api/monitoring/dashboard/", {"kind": "quarter"}).json()
    assert data["period"] == "2026-Q4"
    assert {c["key"]: c for c in data["cards"]}["gov.on_time_rate"]["value"] == 70.0


def test_dashboard_trend_of_a_chosen_indicator(values, staff, login):
    client = login(staff["admin"])
    data = client.get(
        "/api/monitoring/dashboard/",
        {"period": "2026-10", "indicator": "gov.on_time_rate"},
    ).json()
    assert data["indicator"] == "gov.on_time_rate"
    assert [p["value"] for p in data["trend"][-3:]] == [50.0, 60.0, 75.0]
    # the county list shows the indicator asked for (none stored for the counties)
    assert all(c["value"] is None for c in data["counties"])


def test_dashboard_of_a_county_for_the_city_and_its_own_supervisor(values, staff, login):
    jy = values["jy_div"]
    data = login(staff["admin"]).get("/api/monitoring/dashboard/", {"division": jy.pk}).json()
    assert data["dimension"] == "division" and data["division"]["name"] == "江油市"
    cards = {c["key"]: c for c in data["cards"]}
    assert cards[COMPOSITE]["value"] == 81.0
    assert cards["gov.on_time_rate"]["value"] is None  # the city's value is not the county's


@pytest.mark.parametrize("url", ["/api/monitoring/values/", "/api/monitoring/dashboard/",
                                 "/api/monitoring/benchmark-scores/"])  # fmt: skip
def test_only_staff_may_call_the_api(mianyang, client, url):
    assert client.get(url).status_code in (401, 403)
    citizen = User.objects.create_user("citizen-api", password="x")
    client.force_login(citizen)
    r = client.get(url)
    assert r.status_code == 403 and r.json()["title"] == "没有权限"


@pytest.fixture
def benchmarks(db):
    rows = [
        ("China/Shanghai", "sb.score", 93.28278, 0.55, "2020"),
        ("China/Beijing", "sb.score", 95.08127, 0.45, "2020"),
        ("Solo", "ge.procedures", 3, None, "2020"),
        ("Solo", "ge.time", 32, None, "2020"),
        ("Solo", "ge.cost", 0, None, "2020"),
        ("Solo", "ge.reliability_index", 7, None, "2020"),
        ("Solo", "ge.procedures", 5, None, "2019"),
    ]
    for entity, indicator, value, weight, period in rows:
        BenchmarkValue.objects.create(
            entity=entity, indicator=indicator, value=value, weight=weight, period=period,
            source="test",
        )  # fmt: skip


def test_benchmark_values_filter_by_period_and_entity(benchmarks, staff, login):
    client = login(staff["chengban"])  # any staff member may read published comparators
    assert len(results(client.get("/api/monitoring/benchmark-values/", {"period": "2020"}))) == 6
    rows = results(
        client.get("/api/monitoring/benchmark-values/", {"period": "2019", "entity": "Solo"})
    )
    assert [(r["indicator"], r["value"]) for r in rows] == [("ge.procedures", 5.0)]


def test_benchmark_scores_latest_period_by_default(benchmarks, staff, login):
    client = login(staff["chengban"])
    items = {i["entity"]: i for i in client.get("/api/monitoring/benchmark-scores/").json()}
    assert set(items) == {"China/Shanghai", "China/Beijing", "Solo", "China"}
    china = items["China"]
    assert china["kind"] == "parent" and china["weight"] is None and china["period"] == "2020"
    sb = next(t for t in china["topics"] if t["topic"] == "sb")
    assert sb["score"] == pytest.approx(0.55 * 93.28278 + 0.45 * 95.08127)
    solo = next(t for t in items["Solo"]["topics"] if t["topic"] == "ge")
    expected = [100.0, 100 * (248 - 32) / 230, 100.0, 100 * 7 / 8]
    assert solo["score"] == pytest.approx(sum(expected) / 4)
    assert solo["components"]["ge.reliability_index"] == pytest.approx(87.5)
    # an older period: only what was stored for it (one component → no Solo topic)
    old = client.get("/api/monitoring/benchmark-scores/", {"period": "2019"}).json()
    assert [(i["entity"], i["topics"]) for i in old] == [("Solo", [])]
    assert client.get("/api/monitoring/benchmark-scores/", {"period": "1999"}).json() == []
