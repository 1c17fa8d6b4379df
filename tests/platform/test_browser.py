"""The main pages in a real browser under the Content-Security-Policy: no violation is reported
in the console, no script error, and the scripts that moved to static files still run (charts
drawn, the language switch submits, the reason templates fill the field)."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page, problems):
    page.on("pageerror", lambda exc: problems.append(f"pageerror {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{msg.type}: {msg.text} {msg.location.get('url')}")
            if (msg.type == "error" or "Content Security Policy" in msg.text)
            and "favicon.ico" not in (msg.location.get("url") or "")
            else None
        ),
    )


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_main_pages_report_no_csp_violation(live_server, browser_page, catalog, imported, staff):
    page = browser_page
    problems = []
    _watch(page, problems)
    base = live_server.url
    code = catalog["registration"].implementation_code

    def visit(path):
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status < 400, (path, response.status)
        header = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in header
        assert not problems, (path, problems)

    visit("/")  # portal home
    visit(f"/services/{code}/")  # item guide
    visit("/track/")
    # the language switch (was an inline onchange) still submits
    with page.expect_navigation():  # the switch submits: wait for the new page, not a race
        page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert not problems, problems

    portal_user = staff["admin"].__class__.objects.create_user("csp_portal", password="x" * 12)
    _login(page, live_server, portal_user)
    visit(f"/apply/{code}/")

    _login(page, live_server, staff["jianduyuan"])
    visit("/staff/")  # workbench
    visit("/staff/monitoring/")
    page.wait_for_selector("#chart-trend canvas")
    visit("/staff/monitoring/screen/")
    page.wait_for_selector("#chart-trend canvas")
    visit(f"/staff/reforms/{imported.pk}/timeline/")  # Gantt
    visit(f"/staff/reforms/{imported.pk}/statistics/")
    page.wait_for_selector("#chart-led canvas")

    _login(page, live_server, staff["admin"])
    visit("/admin/")
    visit("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert not problems, problems

    # control: an injected inline script is refused, and the refusal is what this test sees
    page.goto(base + "/")
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__injected = 1'; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__injected") is None
    assert any("Content Security Policy" in p for p in problems), problems


def test_reason_template_fills_the_field_without_inline_handlers(
    live_server, browser_page, submitted, staff
):
    page = browser_page
    problems = []
    _watch(page, problems)
    _login(page, live_server, staff["chuangkou"])
    page.goto(f"{live_server.url}/staff/cases/{submitted.number}/")
    select = page.locator("select[data-fill-reason]").first
    option = select.locator("option").nth(1).text_content()
    select.select_option(index=1)
    reason = select.locator("xpath=ancestor::form//textarea[@name='reason']")
    assert reason.input_value() == option
    assert not problems, problems
