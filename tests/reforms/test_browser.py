"""The public programme page (政务公开) in a real browser: readable without horizontal scrolling
on a desktop (1366 px) and a phone (390 px); an unpublished programme is 404."""

import pytest

from .test_public import HIDDEN_CONTENT, REVIEW_NOTE, world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HSCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_public_programme_page_desktop_and_phone(live_server, world, browser_page, tmp_path):  # noqa: F811
    page = browser_page
    p, u, t1 = world["p"], world["u"], world["t1"]

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/")
    page.click("a[href='/open/reforms/']")  # portal navigation → public list
    page.wait_for_url("**/open/reforms/")
    page.click(f"text={p.title}")
    page.wait_for_url(f"**/open/reforms/{p.slug}/")
    assert page.locator("h1#title").inner_text() == p.title
    task = page.locator(f"#task-{t1.pk}")
    assert "推行企业开办一窗通办" in task.inner_text()
    assert "60%" in task.locator("dd.progress").inner_text()
    assert "市市场监督管理局" in task.inner_text()
    body = page.content()
    assert HIDDEN_CONTENT not in body and REVIEW_NOTE not in body
    assert page.evaluate(NO_HSCROLL), "horizontal scroll at 1366 px"
    page.screenshot(path=str(tmp_path / "public-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate(NO_HSCROLL), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert task.is_visible()
    page.screenshot(path=str(tmp_path / "public-390.png"), full_page=True)
    page.goto(f"{live_server.url}/open/reforms/")
    assert page.locator(f"a[href='/open/reforms/{p.slug}/']").is_visible()
    assert page.evaluate(NO_HSCROLL), "horizontal scroll on the list at 390 px"

    response = page.goto(f"{live_server.url}/open/reforms/2019-{u.pk}/")
    assert response.status == 404
    assert u.title not in page.content()
