"""Construction permits, getting electricity and registering property scored from live data:
the cases of the mapped bundles/items (procedures, time, fees), the configured reference values
(cost in DB2020 units) and the city's assessed indices; their validation; the county map
configuration."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import checks
from django.utils import translation

from yingshang.monitoring import compute, scoring
from yingshang.monitoring.definitions import (
    DEFAULT_FILE,
    DefinitionError,
    load_definitions,
    parse_definitions,
)
from yingshang.monitoring.sources.cases import CasesSource

from .conftest import SH

D = datetime.date(2026, 10, 20)
BASE = DEFAULT_FILE.read_text(encoding="utf-8")
CITY = {
    "MONITORING_INCOME_PER_CAPITA": 50_000,
    "MONITORING_WAREHOUSE_VALUE": 2_500_000,
    "MONITORING_PROPERTY_VALUE": 1_000_000,
    "MONITORING_CITY_INDICES": {
        "cp.quality_index": 12,
        "ge.reliability_index": 6,
        "rp.quality_index": 20,
    },
}


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


def _errors(text):
    with pytest.raises(DefinitionError) as exc:
        parse_definitions(text)
    return exc.value.errors


# ------------------------------------------------------------------------------ definitions


def test_city_reference_values_and_indices_are_read():
    text = BASE.replace("# warehouse_value = 0", "warehouse_value = 2500000").replace(
        '# "cp.quality_index" = 0', '"cp.quality_index" = 14.5'
    )
    defs = parse_definitions(text)
    assert defs.warehouse_value == 2_500_000
    assert defs.property_value is None
    assert defs.indices == {"cp.quality_index": 14.5}
    assert defs.missing_note("cp.cost") is None
    assert "“财产价值”" in defs.missing_note("rp.cost")
    reliability = defs.indicators["ge.reliability_index"].name
    assert f"“{reliability}”" in defs.missing_note("ge.reliability_index")
    # TOML dotted keys (unquoted) mean the same
    dotted = BASE.replace('# "rp.quality_index" = 0', "rp.quality_index = 21")
    assert parse_definitions(dotted).indices == {"rp.quality_index": 21.0}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '"cp.quality_index" = 16',
            "city.indices：指标 cp.quality_index 的值 16 超出范围 0–15",
        ),
        (
            '"ge.reliability_index" = -1',
            "city.indices：指标 ge.reliability_index 的值 -1 超出范围 0–8",
        ),
        (
            '"rp.quality_index" = "high"',
            "city.indices：指标 rp.quality_index 的值 'high' 不是数字",
        ),
        (
            '"cp.time" = 30',
            "city.indices: 'cp.time' 不是评估指数（可用：cp.quality_index, ge.reliability_index, "
            "rp.quality_index）",
        ),
    ],
)
def test_bad_index_values_name_the_indicator(line, message):
    text = BASE.replace('# "cp.quality_index" = 0', line)
    assert _errors(text) == [message]


def test_bad_reference_values_name_the_key():
    text = BASE.replace("# warehouse_value = 0", "warehouse_value = -5").replace(
        "# property_value = 0", 'property_value = "1 million"'
    )
    assert _errors(text) == [
        "city: property_value 必须是正数（实际 '1 million'）",
        "city: warehouse_value 必须是正数（实际 -5）",
    ]
    assert _errors(BASE.replace("# population = 0", "floor_area = 3")) == [
        "city：未知字段 'floor_area'"
    ]


def test_settings_override_and_are_checked_at_start_up(settings):
    settings.MONITORING_WAREHOUSE_VALUE = 3_000_000
    settings.MONITORING_CITY_INDICES = {"cp.quality_index": 13}
    defs = load_definitions()
    assert defs.warehouse_value == 3_000_000.0
    assert defs.indices == {"cp.quality_index": 13.0}
    assert checks.run_checks(tags=["monitoring"]) == []

    settings.MONITORING_CITY_INDICES = {"rp.quality_index": 31}
    settings.MONITORING_PROPERTY_VALUE = 0
    errors = checks.run_checks(tags=["monitoring"])
    assert [e.id for e in errors] == ["monitoring.E001", "monitoring.E001"]
    assert [e.msg for e in errors] == [
        "MONITORING_PROPERTY_VALUE: property_value 必须是正数（实际 0）",
        "MONITORING_CITY_INDICES：指标 rp.quality_index 的值 31 超出范围 0–30",
    ]


def test_validation_messages_are_translated():
    text = BASE.replace('# "cp.quality_index" = 0', '"cp.quality_index" = 16')
    with translation.override("en"):
        assert _errors(text) == [
            "city.indices: indicator cp.quality_index: value 16 out of range 0–15"
        ]
        assert _errors(BASE.replace("best = 15\nworst = 0\n", "")) == [
            "Indicator cp.quality_index: missing bounds best/worst (frontier/worst value)"
        ]


def test_county_map_configuration(tmp_path):
    defs = parse_definitions(BASE)
    assert defs.county_map["tiles"]["510781"] == (1, 1)
    assert len(defs.county_map["tiles"]) == 9
    dup = BASE.replace('"510722" = [2, 3]', '"510722" = [2, 2]')
    assert _errors(dup) == ["map.tiles：区划 510722 与 510704 位置相同"]
    bad = BASE.replace('"510722" = [2, 3]', '"510722" = [2]')
    assert _errors(bad) == ["map.tiles：区划 510722 的位置 [2] 无效（应为 [列，行], 0–49 的整数）"]
    # a GeoJSON file next to the definition file
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "510781", "name": "江油市"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    (tmp_path / "counties.geojson").write_text(json.dumps(geo), encoding="utf-8")
    own = tmp_path / "own.toml"
    before, after = BASE.split("\n[map]\n")
    text = before + '\n[map]\ngeojson = "counties.geojson"\n\n[composite]'
    text += after.split("\n[composite]", 1)[1]
    own.write_text(text, encoding="utf-8")
    defs = load_definitions(own)
    assert defs.county_map["codes"] == ["510781"]
    geo["features"][0]["properties"] = {"name": "江油市"}
    (tmp_path / "counties.geojson").write_text(json.dumps(geo), encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        parse_definitions(text, own)
    assert exc.value.errors == [
        f"map: geojson 文件 {tmp_path / 'counties.geojson'}: 要素缺少 properties.code （区划代码）"
    ]


# ---------------------------------------------------------------------------------- scoring


def test_live_topics_from_summed_facts():
    defs = parse_definitions(BASE)
    from dataclasses import replace

    defs = replace(
        defs,
        income_per_capita=50_000.0,
        warehouse_value=2_500_000.0,
        indices={"cp.quality_index": 12.0},
    )
    sums = {
        "cases": {
            "cp:interactions__sum": 24.0,
            "cp:interactions__n": 2.0,
            "cp:calendar_days__sum": 80.0,
            "cp:calendar_days__n": 2.0,
            "cp:fee__sum": 3000.0,
            "cp:fee__n": 2.0,
            "ge:interactions__sum": 4.0,
            "ge:interactions__n": 1.0,
            "ge:calendar_days__sum": 10.0,
            "ge:calendar_days__n": 1.0,
            "ge:fee__sum": 0.0,
            "ge:fee__n": 1.0,
        }
    }
    out = scoring.live_topics(defs, sums)
    assert out["cp.procedures"][0] == 12.0
    assert out["cp.cost"] == (pytest.approx(0.06), 3000.0, 2.0)  # 100·1500/2 500 000
    assert out["cp.quality_index"][0] == 12.0
    expected = (
        100 * (30 - 12) / 25 + 100 * (373 - 40) / 347 + 100 * (20 - 0.06) / 20 + 100 * 12 / 15
    ) / 4
    assert out["cp"][0] == pytest.approx(expected)
    # electricity: no reliability index configured → the index and the topic are no data
    assert out["ge.cost"][0] == 0.0
    assert out["ge.reliability_index"][0] is None
    assert out["ge"] == (None, None, None)
    # property: no application → no value at all (not no data, not 0)
    assert "rp" not in out and "rp.cost" not in out


# ------------------------------------------------------------------------- from the cases


@pytest.fixture
def topic_cases(mianyang, settings):
    """One application per topic: construction permits (bundle of 2 items, fees 1000 + 500,
    40 days), getting electricity (a single case of the mapped item, fee 0, 10 days, 1 visit),
    registering property (bundle, fee 80, 3 days)."""
    from yingshang.cases.models import Case, CaseEvent, CaseVisit
    from yingshang.catalog.models import Bundle, BundleItem, ServiceItem, ServiceItemVersion
    from yingshang.core.models import Department, Division

    for name, value in CITY.items():
        setattr(settings, name, value)
    settings.MONITORING_TOPIC_MAPPING = {
        "cp": {"item_codes": [], "bundle_keys": ["t-cp"]},
        "ge": {"item_codes": ["GE0001"], "bundle_keys": []},
        "rp": {"item_codes": [], "bundle_keys": ["t-rp"]},
    }
    city = Division.objects.get(code="510700")
    dept = Department.objects.get(division=city, function_key="market")

    def item(code, fee):
        it = ServiceItem.objects.create(
            basic_code=code,
            implementation_code=code + "510700",
            name=code,
            category="licensing",
            department=dept,
            division=city,
        )
        it.current_version = ServiceItemVersion.objects.create(
            item=it,
            version=1,
            valid_from=at(datetime.date(2026, 1, 1)),
            kind="committed",
            legal_limit_days=20,
            committed_limit_days=10,
            fee_amount=Decimal(fee),
        )
        it.save()
        return it

    n = [0]

    def case(it, *, submitted, completed, bundle=None, parent=None, visits=0):
        n[0] += 1
        c = Case.objects.create(
            number=f"TT{n[0]:04d}",
            item=it,
            version=it.current_version if it else None,
            title="x",
            applicant_kind="enterprise",
            applicant_name="某公司",
            applicant_code="91510700MA6ABCDE1X",
            division=city,
            department=dept,
            channel="online",
            submitted_at=submitted,
            completed_at=completed,
            status="completed",
            bundle=bundle,
            parent=parent,
            visits=visits,
        )
        if parent is None:
            CaseEvent.objects.create(
                case=c, at=submitted, action="submit", to_state="submitted", channel="online"
            )
        return c

    cp1, cp2, rp1 = item("CP0001", "1000"), item("CP0002", "500"), item("RP0001", "80")
    ge = item("GE0001", "0")
    cp_bundle = Bundle.objects.create(key="t-cp", name="施工许可", division=city)
    rp_bundle = Bundle.objects.create(key="t-rp", name="转移登记", division=city)
    BundleItem.objects.create(bundle=cp_bundle, item=cp1, order=1)
    BundleItem.objects.create(bundle=cp_bundle, item=cp2, order=2)
    BundleItem.objects.create(bundle=rp_bundle, item=rp1, order=1)

    start = at(D - datetime.timedelta(days=40))
    parent = case(None, submitted=start, completed=at(D), bundle=cp_bundle)
    for it in (cp1, cp2):
        child = case(it, submitted=start, completed=at(D), bundle=cp_bundle, parent=parent)
        CaseVisit.objects.create(case=child, at=at(D), kind="pickup")
    case(ge, submitted=at(D - datetime.timedelta(days=10)), completed=at(D), visits=1)
    parent = case(
        None, submitted=at(D - datetime.timedelta(days=3)), completed=at(D), bundle=rp_bundle
    )
    case(
        rp1,
        submitted=at(D - datetime.timedelta(days=3)),
        completed=at(D),
        bundle=rp_bundle,
        parent=parent,
    )
    return {"city": city}


def _expected():
    # cp: online submission + 2 pick-ups = 3 interactions, better than the best (5): 100
    cp = (100.0 + 100 * (373 - 40) / 347 + 100 * (20 - 0.06) / 20 + 100 * 12 / 15) / 4
    ge = (100.0 + 100.0 + 100.0 + 100 * 6 / 8) / 4  # 2 interactions, 10 days (< best 18), fee 0
    rp = (100 * (13 - 1) / 12 + 100 * (210 - 3) / 209 + 100 * (15 - 0.008) / 15 + 100 * 20 / 30) / 4
    return {"cp": cp, "ge": ge, "rp": rp}


def test_cases_facts_give_live_scores_of_the_three_topics(topic_cases):
    defs = load_definitions()
    rows = CasesSource().facts(D - datetime.timedelta(days=1), D, defs)
    sums: dict[str, float] = {}
    for row in rows:
        for k, v in row.data.items():
            sums[k] = sums.get(k, 0.0) + v
    out = scoring.live_topics(defs, {"cases": sums})
    assert out["cp.procedures"][0] == 3.0
    assert out["cp.time"][0] == pytest.approx(40.0)
    assert out["cp.cost"][0] == pytest.approx(0.06)  # 1500 of 2 500 000
    assert out["ge.procedures"][0] == 2.0  # online submission + 1 visit
    assert out["ge.time"][0] == pytest.approx(10.0)
    assert out["ge.cost"][0] == 0.0
    assert out["rp.procedures"][0] == 1.0
    assert out["rp.cost"][0] == pytest.approx(0.008)  # 80 of 1 000 000
    assert out["rp.quality_index"][0] == 20.0
    for topic, score in _expected().items():
        assert out[topic][0] == pytest.approx(score), topic


def test_without_reference_value_or_index_the_topic_is_no_data(topic_cases, settings):
    settings.MONITORING_WAREHOUSE_VALUE = None
    settings.MONITORING_CITY_INDICES = {"cp.quality_index": 12}
    defs = load_definitions()
    rows = CasesSource().facts(D, D, defs)
    sums: dict[str, float] = {}
    for row in rows:
        for k, v in row.data.items():
            sums[k] = sums.get(k, 0.0) + v
    out = scoring.live_topics(defs, {"cases": sums})
    assert out["cp.procedures"][0] == 3.0
    assert out["cp.cost"][0] is None and out["cp"][0] is None
    assert out["ge.reliability_index"][0] is None and out["ge"][0] is None
    assert out["rp.quality_index"][0] is None and out["rp"][0] is None


def test_recompute_stores_the_live_topic_scores(topic_cases, staff, login):
    from yingshang.monitoring.models import IndicatorValue

    compute.recompute(D, D, ("day", "month"))
    city = topic_cases["city"].pk
    for topic, score in _expected().items():
        row = IndicatorValue.objects.get(
            indicator=topic,
            period_kind="month",
            period_start=D.replace(day=1),
            dimension="city",
            dimension_id=city,
        )
        assert row.value == pytest.approx(score), topic
    data = login(staff["jianduyuan"]).get("/api/monitoring/dashboard/?kind=month&period=2026-10")
    cards = {c["key"]: c for c in data.json()["cards"]}
    assert cards["ge"]["value"] == pytest.approx(_expected()["ge"])


# --------------------------------------------------------------------- the catalog demo


def test_shipped_mapping_resolves_in_the_catalog_demo(mianyang):
    from yingshang.catalog.models import Bundle, ServiceItem
    from yingshang.demo import framework as demo

    tally = demo.Tally()
    for step in demo.steps():
        if step.order == 200:
            step.run({"seed": 2019, "quiet": True}, tally, None)
    defs = load_definitions(DEFAULT_FILE)
    dianli = Bundle.objects.get(key="huode-dianli")
    assert list(dianli.bundle_items.values_list("item__name", "item__department__name")) == [
        ("低压非居民用电报装", "国网绵阳供电公司"),
        ("占用、挖掘城市道路审批", "市城市管理行政执法局"),
    ]
    for topic in ("sb", "cp", "ge", "rp"):
        conf = defs.mapping[topic]
        for key in conf["bundle_keys"]:
            assert Bundle.objects.filter(key=key).exists(), (topic, key)
        for code in conf["item_codes"]:
            assert ServiceItem.objects.filter(basic_code=code).exists(), (topic, code)
    names = set(
        ServiceItem.objects.filter(basic_code__in=defs.mapping["ge"]["item_codes"]).values_list(
            "name", flat=True
        )
    )
    assert names == {"低压非居民用电报装"}
    names = set(
        ServiceItem.objects.filter(basic_code__in=defs.mapping["rp"]["item_codes"]).values_list(
            "name", flat=True
        )
    )
    assert names == {"不动产转移登记（二手房）"}


# ------------------------------------------------------------------------------- dashboards


def test_dashboard_map_config_and_notes(dataset, staff, login, settings, tmp_path):
    from .conftest import D1, D2

    compute.recompute(D1, D2, ("month",))
    client = login(staff["jianduyuan"])
    query = {"kind": "month", "period": "2026-10"}
    html = client.get("/staff/monitoring/", query).content.decode()
    # shipped definitions: the tile map beside the bar chart, no geometry
    assert 'id="chart-county-map"' in html and 'id="chart-counties"' in html
    data = json.loads(html.split('id="monitoring-data" type="application/json">')[1].split("<")[0])
    tiles = {t["code"]: (t["x"], t["y"], t["name"]) for t in data["county_map"]["tiles"]}
    assert tiles["510781"] == (1, 1, "江油市") and len(tiles) == 9
    assert '<script id="monitoring-geojson" type="application/json">null</script>' in html
    # a component whose reference value is not configured says so
    assert "未配置参考值“仓库价值”" in html

    # a city file with a GeoJSON: the geometry is embedded in the page
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": 510781},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    (tmp_path / "c.geojson").write_text(json.dumps(geo), encoding="utf-8")
    before, after = BASE.split("\n[map]\n")
    own = tmp_path / "own.toml"
    own.write_text(
        before + '\n[map]\ngeojson = "c.geojson"\n\n[composite]' + after.split("\n[composite]")[1],
        encoding="utf-8",
    )
    settings.MONITORING_INDICATORS_FILE = str(own)
    html = client.get("/staff/monitoring/screen/", query).content.decode()
    assert 'id="chart-county-map"' in html and '"FeatureCollection"' in html
    api = client.get("/api/monitoring/dashboard/", query).json()
    assert "features" not in json.dumps(api)  # the API never carries the geometry

    # a city file without [map]: bar chart only
    own.write_text(before + "\n[composite]" + after.split("\n[composite]")[1], encoding="utf-8")
    html = client.get("/staff/monitoring/", query).content.decode()
    assert 'id="chart-county-map"' not in html and 'id="chart-counties"' in html
