"""The desk dashboard and the big screen: the data the charts are drawn from (embedded as JSON),
the county tile map or the configured GeoJSON, the indicator picker and the labels."""

import json
import re

import pytest

from yingshang.core.models import Division
from yingshang.monitoring.compute import COMPOSITE

from .factories import IndicatorValueFactory
from .test_definitions import GOOD

pytestmark = pytest.mark.django_db


def embedded(response, name):
    html = response.content.decode()
    m = re.search(
        rf'<script id="monitoring-{name}" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(m.group(1))


@pytest.fixture
def county_values(mianyang):
    for code, value in [("510781", 81.0), ("510703", 64.5)]:
        county = Division.objects.get(code=code)
        IndicatorValueFactory(
            indicator=COMPOSITE, period_kind="month", period_start="2026-10-01",
            dimension="division", dimension_id=county.pk, division_path=county.path, value=value,
        )  # fmt: skip


@pytest.mark.parametrize("url", ["/staff/monitoring/", "/staff/monitoring/screen/"])
def test_pages_embed_the_county_tiles(county_values, staff, login, url):
    r = login(staff["jianduyuan"]).get(url, {"period": "2026-10"})
    data = embedded(r, "data")
    tiles = {t["code"]: t for t in data["county_map"]["tiles"]}
    assert (tiles["510781"]["x"], tiles["510781"]["y"], tiles["510781"]["value"]) == (1, 1, 81.0)
    assert tiles["510703"]["value"] == 64.5 and tiles["510704"]["value"] is None
    labels = embedded(r, "labels")
    assert labels["no_data"] == "无数据" and labels["schematic"] == "示意图，非边界地图"
    assert embedded(r, "geojson") is None


def test_labels_in_english(county_values, staff, login):
    r = login(staff["jianduyuan"]).get("/staff/monitoring/", HTTP_ACCEPT_LANGUAGE="en")
    labels = embedded(r, "labels")
    assert labels["no_data"] == "No data"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(labels.values()))


def test_configured_geojson_is_embedded(county_values, staff, login, settings, tmp_path):
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "510781"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
    ]}  # fmt: skip
    (tmp_path / "c.geojson").write_text(json.dumps(geo), encoding="utf-8")
    own = tmp_path / "own.toml"
    own.write_text(GOOD.replace('version = "t1"', 'version = "t1"\n[map]\ngeojson = "c.geojson"'))
    settings.MONITORING_INDICATORS_FILE = str(own)
    r = login(staff["jianduyuan"]).get("/staff/monitoring/", {"period": "2026-10"})
    assert embedded(r, "data")["county_map"] == {"type": "geojson", "codes": ["510781"]}
    assert embedded(r, "geojson") == geo
    # only the file's indicators are offered in the picker
    assert r.context["indicators"] == [("gov.on_time_rate", "按时办结率")]


def test_a_county_page_has_no_county_chart(county_values, staff, login):
    r = login(staff["fucheng_jiandu"]).get("/staff/monitoring/", {"period": "2026-10"})
    data = embedded(r, "data")
    assert data["dimension"] == "division" and data["counties"] == []
    assert data["county_map"] is None
    cards = {c["key"]: c for c in data["cards"]}
    assert cards[COMPOSITE]["value"] == 64.5


def test_drill_links_only_where_the_drill_answers(mianyang, staff, login):
    """明细 is linked only where the drill-down answers for this user (#13: drill-down by
    scope): none while the city has no value the leader sees, then one per card, each 200;
    the superuser (who may drill into a member without values) gets them all along."""
    city = Division.objects.get(code="510700")
    link = re.compile(r'href="(/staff/monitoring/drill/[^"]+)"')
    client = login(staff["shilingdao"])
    page = client.get("/staff/monitoring/", {"period": "2026-10"}).content.decode()
    assert link.findall(page) == []
    drill = f"/staff/monitoring/drill/gov.on_time_rate/city/{city.pk}/month/2026-10/"
    assert client.get(drill).status_code == 404  # why there is no link
    root = login(staff["admin"])
    page = root.get("/staff/monitoring/", {"period": "2026-10"}).content.decode()
    assert drill in link.findall(page) and root.get(drill).status_code == 200
    client = login(staff["shilingdao"])
    IndicatorValueFactory(
        indicator="gov.on_time_rate", period_start="2026-10-01", dimension="city",
        dimension_id=city.pk, division_path=city.path, value=92.0,
    )  # fmt: skip
    page = client.get("/staff/monitoring/", {"period": "2026-10"}).content.decode()
    links = link.findall(page)
    assert f"/staff/monitoring/drill/gov.on_time_rate/city/{city.pk}/month/2026-10/" in links
    assert "/drill/composite/" not in page
    for url in links[:3]:
        assert client.get(url).status_code == 200, url


def test_no_drill_link_where_the_source_lists_no_records(mianyang, staff, login):
    """The push delivery rates come from a source without records to list (deliveries carry
    no division): their card has a value but no 明细 — it would open a page saying there are
    no details; a case indicator beside it keeps its link."""
    city = Division.objects.get(code="510700")
    for key in ("channels.wechat_delivery_rate", "gov.on_time_rate"):
        IndicatorValueFactory(
            indicator=key, period_start="2026-10-01", dimension="city",
            dimension_id=city.pk, division_path=city.path, value=97.0,
        )  # fmt: skip
    page = login(staff["jianduyuan"]).get("/staff/monitoring/", {"period": "2026-10"})
    links = re.findall(r'href="(/staff/monitoring/drill/[^"]+)"', page.content.decode())
    assert f"/staff/monitoring/drill/gov.on_time_rate/city/{city.pk}/month/2026-10/" in links
    assert not [url for url in links if "delivery_rate" in url]
