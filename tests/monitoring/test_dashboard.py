"""The dashboard reads (monitoring.dashboard) from stored values made with the factories: the
cards' scores and gaps, the trend, the county list and map, the ranking, the member a user
opens on and what is out of scope."""

import datetime
import json

import pytest
from django.http import Http404

from yingshang.core.models import Division
from yingshang.monitoring import dashboard as dash
from yingshang.monitoring.compute import COMPOSITE
from yingshang.monitoring.definitions import load_definitions
from yingshang.monitoring.models import BenchmarkValue
from yingshang.monitoring.periods import Period

from .factories import IndicatorValueFactory

pytestmark = pytest.mark.django_db

OCT = Period.parse("month", "2026-10")
SEP = OCT.previous()


def div(code):
    return Division.objects.get(code=code)


def city_value(indicator, value, period=OCT, **kw):
    city = div("510700")
    return IndicatorValueFactory(
        indicator=indicator,
        period_kind=period.kind,
        period_start=period.start,
        dimension="city",
        dimension_id=city.pk,
        division_path=city.path,
        value=value,
        **kw,
    )


def county_value(code, indicator, value, period=OCT):
    county = div(code)
    return IndicatorValueFactory(
        indicator=indicator,
        period_kind=period.kind,
        period_start=period.start,
        dimension="division",
        dimension_id=county.pk,
        division_path=county.path,
        value=value,
    )


def dept_value(dept, indicator, value, period=OCT):
    return IndicatorValueFactory(
        indicator=indicator,
        period_kind=period.kind,
        period_start=period.start,
        dimension="department",
        dimension_id=dept.pk,
        division_path=dept.division.path,
        department=dept,
        value=value,
    )


@pytest.fixture
def admin(staff):
    return staff["admin"]


@pytest.mark.parametrize(
    "value,unit,shown",
    [
        (None, "%", "无数据"),
        (80.0, "%", "80.0%"),
        (66.666, "%", "66.7%"),
        (2.0, "visits", "2"),
        (2.50, "", "2.5"),
        (1234.5, "", "1,234.5"),
        (12345678.9, "", "12,345,679"),
        (0.0, "", "0"),
    ],
)
def test_fmt(value, unit, shown):
    assert dash.fmt(value, unit) == shown


def test_cards_score_gap_previous_and_fraction(mianyang, admin):
    city = div("510700")
    city_value("gov.on_time_rate", 80.0, numerator=8.0, denominator=10.0)
    city_value("gov.on_time_rate", 60.0, period=SEP)
    city_value("gov.mean_trips", 1.5)  # lower is better: best 0, worst 3
    city_value(COMPOSITE, 72.5)
    cards = {c["key"]: c for c in dash.cards(admin, OCT, "city", city.pk)}
    on_time = cards["gov.on_time_rate"]
    assert on_time["value"] == 80.0 and on_time["display"] == "80.0%"
    assert on_time["score"] == pytest.approx(80.0)
    assert on_time["gap_to_frontier"] == pytest.approx(20.0)
    assert on_time["previous"] == 60.0
    assert (on_time["numerator"], on_time["denominator"]) == (8.0, 10.0)
    trips = cards["gov.mean_trips"]
    assert trips["score"] == pytest.approx(50.0)
    assert trips["gap_to_frontier"] == pytest.approx(1.5)  # value − best for "lower"
    composite = cards[COMPOSITE]
    assert composite["headline"] and composite["gap_to_frontier"] == pytest.approx(27.5)
    # the composite card comes first; only bounded indicators get a card
    assert next(iter(cards)) == COMPOSITE
    defs = load_definitions()
    assert all(defs.indicators[k].has_bounds for k in cards if k != COMPOSITE)
    # an indicator without a stored value is no data with nothing derived from it
    appeals = cards["appeals.on_time_rate"]
    assert appeals["value"] is appeals["score"] is appeals["gap_to_frontier"] is None
    assert appeals["display"] == "无数据" and appeals["previous"] is None
    assert on_time["note"] is None  # a value needs no explanation
    # units in words, the composite with its coverage, two 按时办结率 told apart
    assert trips["display"] == "1.5 次" and trips["unit_label"] == "次"
    assert cards["gov.mean_handling_days"]["unit_label"] == "工作日"
    assert cards["sb.cost"]["unit_label"] == "占人均收入的百分比"
    assert cards["ge.reliability_index"]["unit_label"] == "指数（0–8）"
    assert composite["display"] == "72.5 分"
    cover = composite["coverage"]
    assert (cover["have"], cover["topics_with_data"], cover["topics_total"]) == (2, 1, 5)
    assert not cover["complete"] and "企业诉求" in cover["missing"]
    assert composite["note"].startswith("覆盖 1/5 类、2/")
    assert on_time["label"] == "按时办结率（政务服务办件）"
    assert appeals["label"] == "按时办结率（企业诉求）"
    assert cards["gov.mean_trips"]["label"] == "平均跑动次数"  # a unique name stays as it is
    labels = [c["label"] for c in cards.values()]
    assert len(labels) == len(set(labels))
    groups = [g["group"] for g in dash.grouped(list(cards.values()))]
    assert groups == ["composite", "db", "gov", "appeals", "evaluations", "supervision"]


def test_cards_explain_missing_reference_values(mianyang, admin, settings):
    settings.MONITORING_INCOME_PER_CAPITA = None
    cards = {c["key"]: c for c in dash.cards(admin, OCT, "city", div("510700").pk)}
    # in words (the reference value's name; the setting an administrator types)
    assert "“人均收入”" in cards["sb.cost"]["note"]
    assert "MONITORING_INCOME_PER_CAPITA" in cards["sb.cost"]["note"]
    assert "income_per_capita" not in cards["sb.cost"]["note"]
    assert "“人均收入”" in cards["sb"]["note"]  # the topic carries its components' notes
    note = cards["cp.quality_index"]["note"]
    assert cards["cp.quality_index"]["name"] in note and "MONITORING_CITY_INDICES" in note
    # a card without a value says why in words: no records of its topic in the period
    assert cards["gov.on_time_rate"]["value"] is None
    assert cards["gov.on_time_rate"]["note"] == "本期间没有可计算的办件记录（例如没有办结的办件）。"
    assert "好差评" in cards["evaluations.good_rate"]["note"]


def test_cards_benchmarks_average_men_and_women(mianyang, admin):
    """A gendered benchmark component is compared as the mean of the men's and women's
    values; the gap is own value − benchmark."""
    for indicator, value in [("sb.time_men", 8.0), ("sb.time_women", 10.0), ("sb.score", 93.0)]:
        BenchmarkValue.objects.create(
            entity="Beijing", indicator=indicator, value=value, period="2020"
        )
    city_value("sb.time", 5.0)
    cards = {c["key"]: c for c in dash.cards(admin, OCT, "city", div("510700").pk)}
    assert cards["sb.time"]["benchmarks"] == [
        {"entity": "Beijing", "value": pytest.approx(9.0), "gap": pytest.approx(-4.0)}
    ]
    # the published topic score stands for the topic; without an own value there is no gap
    assert cards["sb"]["benchmarks"] == [{"entity": "Beijing", "value": 93.0, "gap": None}]


def test_trend_has_every_period_with_gaps_as_none(mianyang, admin):
    city = div("510700")
    city_value(COMPOSITE, 70.0)
    city_value(COMPOSITE, 65.0, period=Period.parse("month", "2026-08"))
    city_value(COMPOSITE, 10.0, period=Period.parse("month", "2025-10"))  # 13 months back
    county_value("510781", COMPOSITE, 99.0)  # another member: not in the city's trend
    got = dash.trend(admin, OCT, "city", city.pk, n=12)
    assert len(got) == 12
    assert got[0]["period"] == "2025-11" and got[-1]["period"] == "2026-10"
    assert [p["value"] for p in got[-3:]] == [65.0, None, 70.0]
    assert all(p["value"] is None for p in got[:-3])
    assert got[-1]["start"] == "2026-10-01"


def test_counties_list_values_and_skip_empty_management_areas(mianyang, admin):
    county_value("510781", COMPOSITE, 81.0)
    county_value("510703", COMPOSITE, 77.0)
    county_value("510703", "gov.on_time_rate", 12.0)  # another indicator
    rows = dash.counties(admin, OCT)
    by_code = {r["code"]: r for r in rows}
    assert by_code["510781"]["value"] == 81.0 and by_code["510781"]["name"] == "江油市"
    assert by_code["510703"]["value"] == 77.0
    assert by_code["510704"]["value"] is None  # a county without a value is listed as no data
    assert [r["code"] for r in rows] == sorted(by_code)
    management = Division.objects.filter(is_management_area=True, level=div("510781").level)
    assert management.exists()
    assert not set(management.values_list("code", flat=True)) & set(by_code)
    # a management area with a value is shown
    area = management.first()
    county_value(area.code, COMPOSITE, 50.0)
    assert area.code in {r["code"] for r in dash.counties(admin, OCT)}


def test_counties_of_a_county_supervisor_are_his_own(mianyang, staff):
    county_value("510781", COMPOSITE, 81.0)
    county_value("510703", COMPOSITE, 77.0)
    rows = dash.counties(staff["fucheng_jiandu"], OCT)
    assert [(r["code"], r["value"]) for r in rows] == [("510703", 77.0)]


def test_ranking_best_first_with_direction_and_no_data_last(mianyang, admin):
    from tests.core.factories import department

    market, tax = department("510700", "market"), department("510700", "tax")
    jy_market = department("510781", "market")
    dept_value(market, "gov.on_time_rate", 70.0)
    dept_value(tax, "gov.on_time_rate", 90.0)
    dept_value(jy_market, "gov.on_time_rate", None)
    got = dash.ranking(admin, OCT, "gov.on_time_rate")
    assert [(r["rank"], r["dimension_id"]) for r in got] == [
        (1, tax.pk),
        (2, market.pk),
        (3, jy_market.pk),
    ]
    assert got[0]["name"] == tax.name
    # lower is better: the fewest trips first
    dept_value(market, "gov.mean_trips", 0.5)
    dept_value(tax, "gov.mean_trips", 2.0)
    got = dash.ranking(admin, OCT, "gov.mean_trips")
    assert [r["dimension_id"] for r in got] == [market.pk, tax.pk]
    # within a county; and the top n only
    within = dash.ranking(admin, OCT, "gov.on_time_rate", within=div("510781"))
    assert [r["dimension_id"] for r in within] == [jy_market.pk]
    assert len(dash.ranking(admin, OCT, "gov.on_time_rate", n=1)) == 1


def test_ranking_names_divisions_and_items(mianyang, admin):
    county_value("510781", COMPOSITE, 81.0)
    county_value("510703", COMPOSITE, 85.0)
    got = dash.ranking(admin, OCT, COMPOSITE, dimension="division")
    assert [r["name"] for r in got] == ["涪城区", "江油市"]
    IndicatorValueFactory(
        indicator=COMPOSITE, period_kind="month", period_start=OCT.start, dimension="item",
        dimension_id=987654, division_path=div("510700").path, value=1.0,
    )  # fmt: skip
    items = dash.ranking(admin, OCT, COMPOSITE, dimension="item")
    assert items[0]["name"] == "987654"  # an item no longer in the catalogue: its id


def test_home_member(mianyang, staff):
    city, fucheng = div("510700"), div("510703")
    assert dash.home_member(staff["admin"]) == ("city", city.pk)
    assert dash.home_member(staff["jianduyuan"]) == ("city", city.pk)
    assert dash.home_member(staff["fucheng_jiandu"]) == ("division", fucheng.pk)
    assert dash.home_member(staff["jiangyou_chengban"]) == ("division", div("510781").pk)


@pytest.mark.parametrize("asked", ["abc", "0", "99999999"])
def test_resolve_member_unknown_division_is_404(mianyang, admin, asked):
    with pytest.raises(Http404):
        dash.resolve_member(admin, asked)


def test_resolve_member_scoping(mianyang, staff):
    city, fucheng, jiangyou = div("510700"), div("510703"), div("510781")
    assert dash.resolve_member(staff["admin"], str(jiangyou.pk))[:2] == ("division", jiangyou.pk)
    assert dash.resolve_member(staff["admin"], None)[:2] == ("city", city.pk)
    sup = staff["fucheng_jiandu"]
    assert dash.resolve_member(sup, "")[:2] == ("division", fucheng.pk)
    assert dash.resolve_member(sup, fucheng.pk)[2] == fucheng
    for other in (city, jiangyou):
        with pytest.raises(Http404):
            dash.resolve_member(sup, other.pk)
    # a province is neither the city nor a county
    province = Division.objects.get(code="510000")
    with pytest.raises(Http404):
        dash.resolve_member(staff["admin"], province.pk)


def test_parse_period_defaults_to_the_latest_stored(mianyang):
    assert dash.parse_period("month", "2026-09") == SEP
    assert dash.parse_period("nonsense", "2026-09") == SEP  # unknown kind → month
    city_value(COMPOSITE, 1.0, period=Period.parse("quarter", "2026-Q2"))
    city_value(COMPOSITE, 1.0, period=Period.parse("quarter", "2025-Q4"))
    assert dash.parse_period("quarter", None).label == "2026-Q2"
    # no stored week: the current week
    from django.utils import timezone

    assert dash.parse_period("week", "") == Period.of("week", timezone.localdate())
    with pytest.raises(ValueError):
        dash.parse_period("quarter", "2026-Q9")


def test_county_map_tiles_and_geojson(tmp_path):
    defs = load_definitions()
    counties = [
        {"id": 1, "code": "510781", "name": "江油市", "value": 80.0},
        {"id": 2, "code": "999999", "name": "not on the map", "value": 1.0},
    ]
    tiles = dash.county_map(defs, counties)
    assert tiles == {
        "type": "tiles",
        "tiles": [{"id": 1, "code": "510781", "name": "江油市", "value": 80.0, "x": 1, "y": 1}],
    }
    assert dash.county_map(defs, []) is None
    assert dash.county_map(defs, counties[1:]) is None  # no county on the map
    from dataclasses import replace

    assert dash.county_map(replace(defs, county_map=None), counties) is None
    geo = tmp_path / "c.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    gdefs = replace(defs, county_map={"geojson": geo, "codes": ["510781"]})
    assert dash.county_map(gdefs, counties) == {"type": "geojson", "codes": ["510781"]}
    assert dash.county_geojson(gdefs) == {"type": "FeatureCollection", "features": []}
    assert dash.county_geojson(defs) is None


def test_dashboard_of_a_county_and_an_unknown_indicator(mianyang, staff):
    from tests.core.factories import department

    fucheng = div("510703")
    county_value("510703", COMPOSITE, 66.0)
    dept_value(department("510703", "market"), COMPOSITE, 70.0)
    dept_value(department("510700", "market"), COMPOSITE, 90.0)
    data = dash.dashboard(staff["admin"], period=OCT, division=fucheng.pk, indicator="no.such")
    assert data["indicator"] == COMPOSITE and data["indicator_name"] == "综合指数"
    assert data["dimension"] == "division" and data["division"]["code"] == "510703"
    assert data["counties"] == [] and data["county_map"] is None
    # the ranking stays inside the county
    assert [r["value"] for r in data["ranking"]] == [70.0]
    assert (data["period_start"], data["period_end"]) == ("2026-10-01", "2026-10-31")
    assert data["trend"][-1]["value"] == 66.0
    data = dash.dashboard(staff["admin"], period=OCT, indicator="gov.mean_trips")
    assert data["indicator_direction"] == "lower" and data["indicator_name"] == "平均跑动次数"


def test_the_period_window_of_a_week(mianyang, admin):
    week = Period.of("week", datetime.date(2026, 10, 14))
    city_value(COMPOSITE, 50.0, period=week)
    city_value(COMPOSITE, 40.0, period=week.previous())
    data = dash.dashboard(admin, period=week)
    assert data["period"] == "2026-W42"
    cards = {c["key"]: c for c in data["cards"]}
    assert (cards[COMPOSITE]["value"], cards[COMPOSITE]["previous"]) == (50.0, 40.0)
