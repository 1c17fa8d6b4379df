"""Roll-ups of the hand-made dataset (see conftest.py) beyond the day: weeks, quarters, years,
counties and departments, the stored scoping columns, the composite index, and the helpers of
the computation and of the source adapters."""

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from yingshang.monitoring import compute, scoring, sources
from yingshang.monitoring.definitions import load_definitions
from yingshang.monitoring.models import Fact, IndicatorValue

from .conftest import D1, D2, days

START = D1 - days(5)
OCT = datetime.date(2026, 10, 1)


def row(indicator, kind, start, dim, member):
    return IndicatorValue.objects.filter(
        indicator=indicator, period_kind=kind, period_start=start, dimension=dim,
        dimension_id=member,
    ).first()  # fmt: skip


@pytest.fixture
def computed(dataset):
    compute.recompute(START, D2)
    return dataset


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,start",
    [("week", D1), ("month", OCT), ("quarter", OCT), ("year", datetime.date(2026, 1, 1))],
)
def test_longer_periods_hold_the_same_cases(computed, kind, start):
    """Every completion of the dataset falls in the week of D1: the week, month, quarter and
    year all hold A1, A2, B1 and the bundle's sub-case."""
    city = computed["city"].pk
    on_time = row("gov.on_time_rate", kind, start, "city", city)
    assert (on_time.value, on_time.numerator, on_time.denominator) == (
        pytest.approx(75.0), 3.0, 4.0,
    )  # fmt: skip
    mean = row("gov.mean_handling_days", kind, start, "city", city)
    assert (mean.numerator, mean.denominator) == (11.0, 4.0)  # 2 + 8 + 0 + 1 working days
    assert mean.value == pytest.approx(2.75)


@pytest.mark.django_db
def test_county_and_department_members(computed):
    d = computed
    jy = row("gov.on_time_rate", "month", OCT, "division", d["jiangyou"].pk)
    assert (jy.value, jy.denominator) == (100.0, 1.0)
    assert jy.division_path == d["jiangyou"].path and jy.department_id is None
    market = row("gov.on_time_rate", "month", OCT, "department", d["market"].pk)
    assert market.value == pytest.approx(200 / 3)  # A1 and the sub-case on time, A2 overdue
    assert market.department_id == d["market"].pk
    assert market.division_path == d["city"].path
    item_b = row("gov.on_time_rate", "month", OCT, "item", d["item_b"].pk)
    assert item_b.department_id == d["jy_market"].pk
    assert item_b.division_path == d["jiangyou"].path
    # the city value is the city's, with the city's path
    city = row("gov.on_time_rate", "month", OCT, "city", d["city"].pk)
    assert city.division_path == d["city"].path and city.department_id is None
    # a county without records has no row at all
    from yingshang.core.models import Division

    fucheng = Division.objects.get(code="510703")
    assert row("gov.on_time_rate", "month", OCT, "division", fucheng.pk) is None


@pytest.mark.django_db
def test_the_composite_is_the_composite_index_of_the_stored_scores(computed):
    city = computed["city"].pk
    defs = load_definitions(figures=True, year=2026)
    stored = dict(
        IndicatorValue.objects.filter(
            period_kind="month", period_start=OCT, dimension="city", dimension_id=city
        ).values_list("indicator", "value")
    )
    scores = {
        k: scoring.indicator_score(defs, k, v) for k, v in stored.items() if k in defs.indicators
    }
    expected = scoring.composite_index(defs, scores)["score"]
    assert stored[compute.COMPOSITE] == pytest.approx(expected)
    assert 0 <= expected <= 100


@pytest.mark.django_db
def test_values_carry_the_definitions_version_and_time(dataset):
    now = datetime.datetime(2026, 10, 14, 3, 0, tzinfo=datetime.UTC)
    compute.recompute(D2, D2, kinds=("day",), now=now)
    v = row("gov.on_time_rate", "day", D2, "city", dataset["city"].pk)
    assert v.definitions_version == load_definitions().version
    assert v.computed_at == now
    # only the day was asked for: no other period kind is computed
    assert set(IndicatorValue.objects.values_list("period_kind", flat=True)) == {"day"}


@pytest.mark.django_db
def test_facts_are_stored_per_day_and_member(computed):
    d = computed
    facts = Fact.objects.filter(source="cases", day=D2, department_id=d["jy_market"].pk)
    assert facts.count() == 1
    fact = facts.get()
    assert fact.item_id == d["item_b"].pk and fact.division_id == d["jiangyou"].pk
    assert fact.data["cases_completed"] == 1 and fact.data["cases_completed_on_time"] == 1
    assert fact.data.get("cases_instant") == 1


@pytest.mark.django_db
def test_recompute_refuses_a_reversed_range(mianyang):
    with pytest.raises(ValueError, match="end before start"):
        compute.recompute(D2, D1)


def test_summary_text():
    s = compute.Summary(D1, D2, facts=3, values=40, seconds={"sql cases": 0.5, "total": 1.25})
    assert (
        str(s) == "2026-10-12 – 2026-10-13: 3 daily facts, 40 values (sql cases 0.50s, total 1.25s)"
    )


def test_default_range_is_the_year_up_to_yesterday(settings):
    now = datetime.datetime(2026, 10, 14, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert compute.last_complete_day(now) == datetime.date(2026, 10, 13)
    start, end = compute.default_range(now)
    assert end == datetime.date(2026, 10, 13) and (end - start).days == 364
    # 17:00 UTC on the 13th is already the 14th in Shanghai
    utc = datetime.datetime(2026, 10, 13, 17, 0, tzinfo=datetime.UTC)
    assert compute.last_complete_day(utc) == datetime.date(2026, 10, 13)


def test_lookup_and_map_of_ids():
    table = compute._lookup({3: 30, 5: 50, 1: None})
    assert table.tolist() == [-1, -1, -1, 30, -1, 50, -1]
    ids = np.array([3, 5, -1, 99, 1, 0])
    assert compute._map(table, ids).tolist() == [30, 50, -1, -1, -1, -1]
    assert compute._lookup({}).tolist() == [-1, -1]


@pytest.mark.django_db
def test_members_place_divisions_departments_and_items(dataset):
    m = compute.Members()
    d = dataset
    assert m.city[d["jiangyou"].pk] == d["city"].pk
    assert m.county[d["jiangyou"].pk] == d["jiangyou"].pk
    assert d["city"].pk not in m.county  # the city is in no county
    assert m.scope("city", d["city"].pk) == (d["city"].path, None)
    assert m.scope("department", d["jy_market"].pk) == (d["jiangyou"].path, d["jy_market"].pk)
    assert m.scope("item", d["item_b"].pk) == (d["jiangyou"].path, d["jy_market"].pk)
    assert m.scope("item", 10**9) == ("", None)


# ------------------------------------------------------------------------- source helpers


def test_merge_adds_rows_of_the_same_key():
    sh = ZoneInfo("Asia/Shanghai")
    rows = [
        {"day": datetime.datetime(2026, 10, 12, 23, 30, tzinfo=sh), "division_id": 1,
         "department_id": 2, "item_id": 3, "n": 1, "s": datetime.timedelta(hours=12)},
        {"day": "2026-10-12T08:00:00", "division_id": 1, "department_id": 2, "item_id": 3,
         "n": 2, "s": None},
        {"day": datetime.date(2026, 10, 13), "division_id": 1, "department_id": 2,
         "item_id": None, "n": 5, "s": 1.5},
    ]  # fmt: skip
    out = sources.merge(rows)
    assert set(out) == {
        (datetime.date(2026, 10, 12), 1, 2, 3),
        (datetime.date(2026, 10, 13), 1, 2, None),
    }
    first = out[(datetime.date(2026, 10, 12), 1, 2, 3)]
    assert dict(first.data) == {"n": 3.0, "s": 0.5}  # a duration counts in days
    # merging into an existing dict keeps adding; without an item column the item is None
    sources.merge([{"day": datetime.date(2026, 10, 13), "division_id": 1, "department_id": 2,
                    "n": 1}], item=None, into=out)  # fmt: skip
    assert out[(datetime.date(2026, 10, 13), 1, 2, None)].data["n"] == 6.0


def test_as_day_in_the_local_zone():
    utc = datetime.datetime(2026, 10, 12, 16, 30, tzinfo=datetime.UTC)  # 00:30 on the 13th
    assert sources.as_day(utc) == datetime.date(2026, 10, 13)
    assert sources.as_day(datetime.datetime(2026, 10, 12, 23, 59)) == datetime.date(2026, 10, 12)
    assert sources.as_day("2026-10-12 23:59:59+08") == datetime.date(2026, 10, 12)


def test_day_bounds_are_local_midnights():
    lo, hi = sources.day_bounds(D1, D2)
    assert lo.isoformat() == "2026-10-12T00:00:00+08:00"
    assert hi.isoformat() == "2026-10-14T00:00:00+08:00"


@pytest.mark.django_db
def test_fixed_offset_and_the_local_day_sql(settings):
    assert sources.fixed_offset(D1, D2) == datetime.timedelta(hours=8)
    expr, params = sources.pg_local_day("c.at", D1, D2)
    assert params == ["28800 seconds"] and "::date" in expr
    settings.TIME_ZONE = "Europe/Berlin"  # summer time ends on 2026-10-25
    assert sources.fixed_offset(datetime.date(2026, 10, 20), datetime.date(2026, 10, 30)) is None
    assert sources.fixed_offset(D1, D2) == datetime.timedelta(hours=2)
    expr, params = sources.pg_local_day(
        "c.at", datetime.date(2026, 10, 20), datetime.date(2026, 10, 30)
    )
    assert expr == "(c.at AT TIME ZONE %s)::date" and params == ["Europe/Berlin"]


def test_model_of_a_missing_app_is_none():
    assert sources.model("nosuchapp.Thing") is None
    assert sources.model("not-a-label") is None
    assert sources.model("cases.Case").__name__ == "Case"
