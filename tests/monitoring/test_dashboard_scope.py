"""Whose dashboard whom: every kind of staff member against the city, their own county, another
county and a township — through the dashboard API and the page alike (404 outside the scope,
never the figures; a department-bound role sees no totals); the stored series are read-only through the API; the daily job's wrapper."""

import datetime

import pytest
from django.utils import timezone

from tests.core.factories import (
    AdminFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    department,
)
from yingshang.core.models import Division
from yingshang.monitoring.compute import COMPOSITE
from yingshang.monitoring.models import BenchmarkValue, IndicatorValue

from .factories import IndicatorValueFactory

OCT = datetime.date(2026, 10, 1)


@pytest.fixture
def divisions(mianyang):
    codes = {"city": "510700", "jiangyou": "510781", "fucheng": "510703"}
    out = {k: Division.objects.get(code=c) for k, c in codes.items()}
    out["township"] = Division.objects.filter(parent=out["fucheng"]).first()
    for key, value in (("city", 70.0), ("jiangyou", 81.0), ("fucheng", 64.0)):
        d = out[key]
        IndicatorValueFactory(
            indicator=COMPOSITE,
            period_kind="month",
            period_start=OCT,
            dimension="city" if key == "city" else "division",
            dimension_id=d.pk,
            division_path=d.path,
            value=value,
        )
    return out


PEOPLE = {
    "city supervisor": lambda: SupervisorFactory(),
    "city leader": lambda: LeaderFactory(),
    "city handler": lambda: HandlerFactory(),
    "administrator": lambda: AdminFactory(),
    "jiangyou supervisor": lambda: SupervisorFactory(
        department=department("510781", "gov_service")
    ),
    "jiangyou handler": lambda: HandlerFactory(department=department("510781", "market")),
}

# who → the divisions whose dashboard answers (others: 404)
ALLOWED = {
    "city supervisor": {"city", "jiangyou", "fucheng"},
    "city leader": {"city", "jiangyou", "fucheng"},
    "city handler": {"city", "jiangyou", "fucheng"},
    "administrator": {"city", "jiangyou", "fucheng"},
    "jiangyou supervisor": {"jiangyou"},
    "jiangyou handler": {"jiangyou"},
}
VALUES = {"city": 70.0, "jiangyou": 81.0, "fucheng": 64.0}


@pytest.mark.parametrize("who", PEOPLE)
def test_dashboard_divisions_role_by_role(divisions, client, who):
    client.force_login(PEOPLE[who]())
    for key in ("city", "jiangyou", "fucheng", "township"):
        division = divisions[key]
        query = {"division": division.pk, "period": "2026-10"}
        api = client.get("/api/monitoring/dashboard/", query)
        page = client.get("/staff/monitoring/", query)
        if key in ALLOWED[who]:
            assert api.status_code == 200 and page.status_code == 200, key
            cards = {c["key"]: c for c in api.json()["cards"]}
            # department-bound roles (承办人) read their department's series only: the city's
            # and the counties' totals are no data to them, not a leak
            expected = None if who.endswith("handler") else VALUES[key]
            assert cards[COMPOSITE]["value"] == expected
        else:
            assert (api.status_code, page.status_code) == (404, 404), key
            assert str(VALUES.get(key, "—")) not in api.content.decode()


@pytest.mark.parametrize(
    "who,home",
    [
        ("city supervisor", "city"),
        ("jiangyou supervisor", "jiangyou"),
        ("jiangyou handler", "jiangyou"),
    ],
)
def test_without_a_division_the_dashboard_opens_on_the_home_member(divisions, client, who, home):
    client.force_login(PEOPLE[who]())
    data = client.get("/api/monitoring/dashboard/", {"period": "2026-10"}).json()
    assert data["division"]["id"] == divisions[home].pk
    assert data["dimension"] == ("city" if home == "city" else "division")


def test_the_county_ranking_is_limited_to_what_the_person_sees(divisions, client):
    client.force_login(PEOPLE["city supervisor"]())
    counties = client.get("/api/monitoring/dashboard/", {"period": "2026-10"}).json()["counties"]
    shown = {c["name"]: c["value"] for c in counties if c["value"] is not None}
    assert shown == {"江油市": 81.0, "涪城区": 64.0}
    client.force_login(PEOPLE["jiangyou supervisor"]())
    counties = client.get("/api/monitoring/dashboard/", {"period": "2026-10"}).json()["counties"]
    assert {c["name"] for c in counties if c["value"] is not None} <= {"江油市"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_stored_series_and_benchmarks_are_read_only(divisions, client, method):
    value = IndicatorValue.objects.get(dimension="city", period_start=OCT)
    bench = BenchmarkValue.objects.create(
        entity="Solo", indicator="ge.score", value=90, period="2020"
    )
    client.force_login(AdminFactory())
    call = getattr(client, method)
    for url in (
        f"/api/monitoring/values/{value.pk}/",
        "/api/monitoring/values/",
        f"/api/monitoring/benchmark-values/{bench.pk}/",
        "/api/monitoring/benchmark-values/",
        "/api/monitoring/dashboard/",
    ):
        r = call(url, {"value": 1}, content_type="application/json")
        assert r.status_code == 405, url
    value.refresh_from_db()
    bench.refresh_from_db()
    assert (value.value, bench.value) == (70.0, 90.0)


def test_the_daily_job_recomputes_the_day_before(mianyang, monkeypatch):
    from yingshang.monitoring.jobs import daily_recompute

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 10, 14))
    summary = daily_recompute.call()
    assert summary.startswith("2026-10-13 – 2026-10-13: ")
    assert "daily facts" in summary and "values" in summary
