"""The API documentation works without Internet access: Swagger UI (/api/docs/) and Redoc
(/api/redoc/) are served from the sidecar's static files, so with every request to a host
other than this server aborted the operations are still rendered, and no page even tries to
reach another host."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _offline(page):
    """Abort every request that leaves this machine; returns the list of those tried."""
    tried = []

    def route(r):
        host = urlsplit(r.request.url).hostname or ""
        if urlsplit(r.request.url).scheme in ("http", "https") and host not in LOCAL:
            tried.append(r.request.url)
            return r.abort("internetdisconnected")
        return r.continue_()

    page.route("**/*", route)
    return tried


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_swagger_ui_and_redoc_render_with_the_network_disabled(live_server, browser_page, staff):
    page = browser_page
    tried = _offline(page)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server, staff["admin"])

    response = page.goto(live_server.url + "/api/docs/")
    assert response.status == 200
    page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
    paths = page.locator(".swagger-ui .opblock-summary-path").all_text_contents()
    assert any(p.startswith("/api/cases/") for p in paths), paths[:5]
    assert any(p.startswith("/api/monitoring/") for p in paths)
    assert "Redoc" in page.content() or "/api/redoc/" in page.content()  # the description

    response = page.goto(live_server.url + "/api/redoc/")
    assert response.status == 200
    page.wait_for_selector("[data-section-id^='operation/']", timeout=60_000)
    assert page.locator("[data-section-id^='operation/']").count() > 20
    assert "营商" in page.locator("h1").first.text_content()

    assert tried == [], tried  # nothing reaches for a CDN or web fonts
    assert errors == [], errors
