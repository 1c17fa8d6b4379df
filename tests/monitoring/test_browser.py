"""The dashboards in a real browser: ECharts (vendored) draws the charts without script errors."""

import pytest

from yingshang.monitoring import compute
from yingshang.monitoring.models import IndicatorValue

from .conftest import D1, D2, days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-pass-2026"


def test_dashboard_and_screen_draw_charts(live_server, dataset, staff, browser_page, tmp_path):
    compute.recompute(D1 - days(5), D2)
    user = staff["jianduyuan"]
    user.set_password(PASSWORD)
    user.save()
    page = browser_page
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status == 404 else None)
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{msg.text} {msg.location.get('url')}")
            if msg.type == "error" and "favicon" not in (msg.location.get("url") or "")
            else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/staff/monitoring/?kind=month&period=2026-10")
    page.screenshot(path="/tmp/monitoring-dashboard.png", full_page=True)
    assert errors == [], errors
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-counties canvas")
    assert "按时办结率" in page.content()
    # the county map (schematic tiles of [map] in the shipped definitions), drawn as SVG:
    # every county by name, Jiangyou with its composite value, the others 无数据
    page.wait_for_selector("#chart-county-map svg text")
    texts = page.locator("#chart-county-map svg text").all_text_contents()
    for name in ("涪城区", "游仙区", "安州区", "三台县", "盐亭县", "梓潼县", "北川羌族自治县",
                 "平武县", "江油市"):  # fmt: skip
        assert name in texts, (name, texts)
    jiangyou = IndicatorValue.objects.get(
        indicator="composite",
        period_kind="month",
        period_start=D1.replace(day=1),
        dimension="division",
        dimension_id=dataset["jiangyou"].pk,
    )
    assert f"{jiangyou.value:.2f}" in texts
    assert texts.count("无数据") == 8
    fill = page.evaluate(
        """() => [...document.querySelectorAll('#chart-county-map svg path')]
                 .map(p => p.getAttribute('fill')).filter(f => f && f.startsWith('rgb'))"""
    )
    assert len(fill) >= 1  # the county with a value is coloured on the scale
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.goto(f"{live_server.url}/staff/monitoring/screen/?kind=month&period=2026-10")
    page.wait_for_selector("#chart-ranking canvas")
    page.wait_for_selector("#chart-county-map svg text")
    assert "江油市" in page.locator("#chart-county-map svg text").all_text_contents()
    page.screenshot(path="/tmp/monitoring-screen.png")
    assert errors == []


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_screen_fits_the_display_exactly(live_server, dataset, staff, browser_page, width, height):
    """The 大屏 is exactly one screen: no scrolling, no card or panel cut off, the charts drawn."""
    from django.test import Client

    compute.recompute(D1 - days(5), D2)
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    client = Client()
    client.force_login(staff["jianduyuan"])
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/staff/monitoring/screen/?kind=month&period=2026-10")
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-ranking canvas")
    got = page.evaluate(
        """() => ({
            scrollHeight: document.documentElement.scrollHeight,
            scrollWidth: document.documentElement.scrollWidth,
            innerHeight: window.innerHeight, innerWidth: window.innerWidth,
            bodyHeight: document.body.scrollHeight,
            cut: [...document.querySelectorAll('.card, .panel, header')]
                 .filter(e => e.getBoundingClientRect().bottom > window.innerHeight + 0.5
                           || e.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .map(e => e.id || e.className),
            cards: document.querySelectorAll('.card').length,
            panelHeights: [...document.querySelectorAll('.panel')].map(
                e => e.getBoundingClientRect().height),
        })"""
    )
    assert got["scrollHeight"] == got["innerHeight"] == height, got
    assert got["scrollWidth"] == got["innerWidth"] == width, got
    assert got["bodyHeight"] <= height, got
    assert got["cut"] == [], got
    assert got["cards"] >= 20
    assert min(got["panelHeights"]) > 0.25 * height, got  # the charts fill what is left
    page.screenshot(path=f"/tmp/monitoring-screen-{width}.png")
