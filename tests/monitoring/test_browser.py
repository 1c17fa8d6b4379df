"""The dashboards in a real browser: ECharts (vendored) draws the charts without script errors."""

import pytest

from yingshang.monitoring import compute

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
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.goto(f"{live_server.url}/staff/monitoring/screen/?kind=month&period=2026-10")
    page.wait_for_selector("#chart-ranking canvas")
    page.screenshot(path="/tmp/monitoring-screen.png")
    assert errors == []
