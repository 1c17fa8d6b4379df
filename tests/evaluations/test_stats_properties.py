"""好差评 maths as properties (Hypothesis over random ratings: totals add up, rates stay within
0–100 and match their definition, voided ratings never count, the public page's ranking and
trend agree with the table) and the statistics asked for with bad parameters (API, page form,
level parsing)."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.appeals.factories import ClosedAppealFactory
from tests.core.factories import department
from tests.evaluations.factories import EvaluationFactory
from yingshang.evaluations import selectors, services
from yingshang.evaluations.forms import StatsFilterForm
from yingshang.evaluations.models import BAD_LEVELS, Evaluation, Level, RectStatus

DB = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RATING = st.tuples(
    st.sampled_from([1, 2, 3, 4, 5]),  # level
    st.integers(min_value=0, max_value=1),  # department
    st.integers(min_value=1, max_value=4),  # month of 2025
    st.booleans(),  # voided
)


@pytest.fixture
def world(mianyang):
    appeal = ClosedAppealFactory()
    return {
        "appeal": appeal,
        "departments": [department("510700", "power"), department("510700", "water")],
        "n": [0],
    }


def _make(world, ratings):
    Evaluation.objects.all().delete()
    for level, dept, month, voided in ratings:
        world["n"][0] += 1
        EvaluationFactory(
            subject=world["appeal"],
            object_id=f"x{world['n'][0]}",
            department=world["departments"][dept],
            level=level,
            voided=voided,
            created_at=datetime.datetime(2025, month, 10, 4, tzinfo=datetime.UTC),
        )


@pytest.mark.django_db
@DB
@given(st.lists(RATING, max_size=12))
def test_monthly_figures_add_up_and_rates_are_bounded(world, ratings):
    _make(world, ratings)
    rows = selectors.monthly_stats(2025)
    counted = [r for r in ratings if not r[3]]
    assert sum(r["total"] for r in rows) == len(counted)
    assert sum(r["bad"] for r in rows) == sum(1 for r in counted if r[0] in BAD_LEVELS)
    for row in rows:
        assert row["total"] == row["good"] + row["bad"] and row["total"] > 0
        assert 0 <= row["good_rate"] <= 100
        assert row["good_rate"] == round(row["good"] / row["total"] * 100, 1)
        assert row["rectified"] <= row["bad"]
        if row["bad"] == 0:
            assert row["rectify_rate"] is None
        else:
            assert 0 <= row["rectify_rate"] <= 100
    keys = [(r["month"], r["department_id"]) for r in rows]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert selectors.monthly_stats(2024) == []


@pytest.mark.django_db
@DB
@given(st.lists(RATING, min_size=1, max_size=12), st.integers(min_value=1, max_value=4))
def test_public_page_ranking_and_trend_agree_with_the_table(world, ratings, month_no):
    _make(world, ratings)
    month = f"2025-{month_no:02d}"
    data = selectors.public_stats(month)
    rows = selectors.monthly_stats(2025)
    in_month = [r for r in rows if r["month"] == month]
    assert sorted(r["department"] for r in data["ranking"]) == sorted(
        r["department"] for r in in_month
    )
    rates = [r["good_rate"] for r in data["ranking"]]
    assert rates == sorted(rates, reverse=True)
    assert all(t["month"] <= month for t in data["trend"])
    for t in data["trend"]:
        same = [r for r in rows if r["month"] == t["month"]]
        assert t["total"] == sum(r["total"] for r in same)
        assert t["good"] + t["bad"] == t["total"]
        assert t["good_rate"] is None or 0 <= t["good_rate"] <= 100
    if in_month:
        assert data["summary"]["total"] == sum(r["total"] for r in in_month)
    else:
        assert data["summary"] is None
    assert data["months"] == sorted({r["month"] for r in rows})


@pytest.mark.django_db
def test_rectified_counts_only_closed_rectifications_of_bad_ratings(world):
    _make(world, [(1, 0, 1, False), (2, 0, 1, False), (4, 0, 1, False)])
    bad = list(Evaluation.objects.filter(level__in=BAD_LEVELS).order_by("pk"))
    for evaluation in bad:
        services.open_rectification(evaluation, now=evaluation.created_at)
    rect = bad[0].rectification
    type(rect).objects.filter(pk=rect.pk).update(status=RectStatus.CLOSED)
    (row,) = selectors.monthly_stats(2025)
    assert (row["total"], row["good"], row["bad"], row["rectified"]) == (3, 1, 2, 1)
    assert (row["good_rate"], row["rectify_rate"]) == (33.3, 50.0)


@pytest.mark.django_db
def test_department_filter_and_month_lists(world):
    _make(world, [(5, 0, 1, False), (5, 1, 3, False), (1, 1, 4, True)])
    power, water = world["departments"]
    assert {r["department"] for r in selectors.monthly_stats(2025, power.pk)} == {power.name}
    assert selectors.months_with_data() == ["2025-03", "2025-01"]  # voided April left out
    assert selectors.months_with_data(limit=1) == ["2025-03"]
    assert selectors.latest_month() == "2025-03"
    table, months = selectors.stats_table(2025)
    assert months == ["2025-01", "2025-03"] and list(table) == sorted(table)


@pytest.mark.django_db
def test_no_ratings_means_no_latest_month(mianyang):
    assert selectors.latest_month() is None
    assert selectors.months_with_data() == []
    data = selectors.public_stats("2025-06")
    assert data["ranking"] == [] and data["trend"] == [] and data["summary"] is None


# --------------------------------------------------------------------------- bad parameters


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["abc", "1800", "99999", "2025.5", "-1"])
def test_stats_api_refuses_bad_years(client, mianyang, year):
    response = client.get("/api/evaluations/stats/", {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()


@pytest.mark.django_db
def test_stats_api_without_a_year_counts_all_years(client, world):
    _make(world, [(5, 0, 1, False)])
    EvaluationFactory(
        subject=world["appeal"],
        object_id="other-year",
        department=world["departments"][0],
        created_at=datetime.datetime(2024, 12, 10, tzinfo=datetime.UTC),
    )
    every = client.get("/api/evaluations/stats/").json()
    assert [r["month"] for r in every] == ["2024-12", "2025-01"]
    only = client.get("/api/evaluations/stats/", {"year": 2024}).json()
    assert [r["month"] for r in only] == ["2024-12"]


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"month": "2025-06"}, True),
        ({"month": "2025-13"}, False),
        ({"month": "2025-00"}, False),
        ({"month": "2025-6"}, False),
        ({"month": "六月"}, False),
        ({"year": "2025"}, True),
        ({"year": "1999"}, False),
        ({"year": "2101"}, False),
        ({"year": "二〇二五"}, False),
        ({}, True),
    ],
)
def test_stats_filter_form_checks_month_and_year(data, valid):
    assert StatsFilterForm(data).is_valid() is valid


def test_chosen_month_prefers_the_month_then_the_year_then_the_latest():
    def months_of(year):
        return {2025: ["2025-03", "2025-01"], 2024: []}[year]

    assert StatsFilterForm({"month": "2025-02"}).chosen_month("2025-03", months_of) == "2025-02"
    assert StatsFilterForm({"year": "2025"}).chosen_month("2026-01", months_of) == "2025-03"
    assert StatsFilterForm({"year": "2024"}).chosen_month("2026-01", months_of) == "2024-12"
    assert StatsFilterForm({}).chosen_month("2026-01", months_of) == "2026-01"
    assert len(StatsFilterForm({}).chosen_month(None, months_of)) == 7  # this month


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?month=2025-13", "?year=abc", "?month=x&year=1800"])
def test_the_stats_page_survives_bad_parameters(client, world, query):
    _make(world, [(5, 0, 1, False)])
    response = client.get("/evaluations/stats/" + query)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "2025-01" in response.content.decode()  # falls back to the month with data


@given(st.integers(min_value=-10, max_value=20))
def test_clean_level_accepts_exactly_the_five_levels(value):
    if value in Level.values:
        assert services.clean_level(value) == value
        assert services.clean_level(str(value)) == value
    else:
        with pytest.raises(services.ValidationError) as exc:
            services.clean_level(value, field="dimensions")
        assert "dimensions" in exc.value.message_dict


@pytest.mark.parametrize("value", [None, "", "满意", [4], "4.0", "4.5"])
def test_clean_level_refuses_what_is_not_a_level(value):
    with pytest.raises(services.ValidationError):
        services.clean_level(value)
