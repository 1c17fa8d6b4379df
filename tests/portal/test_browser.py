"""Browser tests of the portal's frame (Playwright, headless Debian Chromium, as the other
browser tests): at 1366, 390 and 360 px the main public pages never scroll sideways
(``document.scrollingElement.scrollWidth <= innerWidth``, and ``innerWidth`` the screen's
width: a phone widens its layout viewport to fit a too-wide page); on a phone the menu button opens and
closes the navigation by mouse and keyboard; axe-core (vendored, tests/vendor/axe-core) finds no
serious or critical accessibility violation on the portal's pages at 1366, 390 and 360 px."""

from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = [1366, 390, 360]

OVERFLOW_JS = """() => {
  const w = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
        ' ' + Math.round(r.right));
    }
  }
  return {scroll: document.scrollingElement.scrollWidth, inner: w, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def browser():
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    executable = shutil.which("chromium") or CHROMIUM
    assert os.path.exists(executable), "Chromium is missing: run scripts/bootstrap (apt chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _context(browser, live_server, width, user=None):
    ctx = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 800}, is_mobile=width < 500
    )
    if user is not None:
        c = Client()
        c.force_login(user)
        ctx.add_cookies(
            [{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}]
        )
    ctx.set_default_timeout(15_000)
    return ctx


@pytest.fixture
def portal_data(transactional_db, mianyang, bundle):
    """An applicant with a case waiting for 补正 and a finished one, on the catalogue's items."""
    from tests.cases.factories import CaseFactory, CompletedCaseFactory
    from tests.evaluations.factories import EvaluationFactory
    from yingshang.core.models import User

    applicant = User.objects.create_user("shimin_browser", password="x" * 12, full_name="市民乙")
    item = bundle.items.order_by("name").first()
    waiting = CaseFactory(user=applicant, item=item, status="supplement_requested")
    finished = CompletedCaseFactory(user=applicant, item=item)
    # ratings this year, so that the public 好差评 table is filled (12 monthly columns)
    for month in range(1, timezone.now().month + 1):
        rated = CompletedCaseFactory(user=applicant, item=item, status="delivered")
        EvaluationFactory(
            subject=rated,
            department=rated.department,
            evaluator=applicant,
            created_at=timezone.now().replace(month=month, day=1),
        )
    from yingshang.cases import links
    from yingshang.platform import lookup_codes

    # the status pages the notices' QR code opens (a case waiting for 补正, a finished one)
    status_links = []
    for case in (waiting, finished):
        case.lookup_seed = lookup_codes.new_seed()
        case.save(update_fields=["lookup_seed"])
        status_links.append(f"/track/{case.number}/{links.token_for(case)}/")
    assert all("//" not in link for link in status_links)
    return {
        "applicant": applicant,
        "item": item,
        "bundle": bundle,
        "links": status_links,
        "waiting": waiting,
        "finished": finished,
    }


def _public_paths(data):
    item, bundle = data["item"], data["bundle"]
    return [
        "/",
        "/services/",
        "/services/?q=营业执照",
        f"/services/{item.implementation_code}/",
        f"/bundles/{bundle.key}/",
        "/track/",
        *data["links"],
        "/appeals/",
        "/appeals/new/",
        "/appeals/sessions/",
        "/evaluations/stats/",
        "/open/reforms/",
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/register/person/",
        "/accounts/register/enterprise/",
        "/accounts/reset/",
        "/accounts/demo-sms/",
        "/appeals/track/",
        "/privacy/",
        "/accessibility/",
        "/no-such-page/",
    ]


def _applicant_paths(data):
    """An applicant's own pages: cases (one waiting for 补正 with its upload form, one finished
    with its rating), the rating page, drafts, enterprises, messages, and the guided form's
    first step — opened, then sent empty (its errors beside the fields) by ``_guided``."""
    waiting, finished = data["waiting"], data["finished"]
    return [
        "/",
        "/my/cases/",
        f"/my/cases/{waiting.number}/",
        f"/my/cases/{finished.number}/",
        f"/evaluations/rate/cases.case/{finished.pk}/",
        "/apply/drafts/",
        "/my/enterprises/",
        "/notifications/",
        "/notifications/preferences/",
        f"/apply/{data['item'].implementation_code}/",
        f"/apply/guided/item/{data['item'].implementation_code}/",
        GUIDED_ERRORS,
    ]


GUIDED_ERRORS = "(the guided form's first step sent empty)"


def _open(page, base, path):
    """Open ``path``; GUIDED_ERRORS sends the guided step on the page without input."""
    if path == GUIDED_ERRORS:
        for field in page.locator("form input[type=text], form input[type=tel]").all():
            field.fill("")
        with page.expect_navigation():
            page.click("[data-testid=next]")
        assert page.locator(".errorlist").count() >= 1, page.url
        return page
    response = page.goto(base + path)
    assert response.status < 500, (path, response.status)
    return response


@pytest.mark.browser
def test_no_sideways_scrolling_at_desktop_and_phone_widths(
    browser, live_server, portal_data, settings
):
    settings.ACCOUNTS_DEMO = True  # the demo SMS page, as in ``make run``
    applicant_paths = _applicant_paths(portal_data)
    failures = []
    for width in WIDTHS:
        for user, paths in (
            (None, _public_paths(portal_data)),
            (portal_data["applicant"], applicant_paths),
        ):
            ctx = _context(browser, live_server, width, user)
            page = ctx.new_page()
            for path in paths:
                _open(page, live_server.url, path)
                m = page.evaluate(OVERFLOW_JS)
                # A phone (is_mobile) widens the layout viewport to fit a too-wide page, so
                # innerWidth alone would hide an overflow: both must stay at the screen's width.
                if m["scroll"] > width or m["inner"] > width:
                    failures.append((width, path, "user" if user else "anon", m))
            ctx.close()
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.browser
def test_menu_button_on_phones(browser, live_server, portal_data):
    ctx = _context(browser, live_server, 360)
    page = ctx.new_page()
    page.goto(live_server.url + "/")
    toggle = page.locator("[data-nav-toggle]")
    nav = page.locator("#site-nav")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()  # closed: the header stays one line
    header_height = page.locator(".site-header").bounding_box()["height"]
    assert header_height < 80, header_height
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and nav.is_visible()
    page.get_by_role("link", name="好差评").click()
    page.wait_for_url("**/evaluations/stats/")
    # keyboard: Enter opens, Escape closes and gives the focus back to the button
    page.locator("[data-nav-toggle]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#site-nav").is_visible()
    page.locator("#site-nav a").first.focus()
    page.keyboard.press("Escape")
    assert page.locator("[data-nav-toggle]").get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav").is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')")
    ctx.close()
    # on a desktop there is no menu button and the navigation is always shown
    ctx = _context(browser, live_server, 1366)
    page = ctx.new_page()
    page.goto(live_server.url + "/")
    assert not page.locator("[data-nav-toggle]").is_visible()
    assert page.locator("#site-nav").is_visible()
    ctx.close()


@pytest.mark.browser
def test_axe_finds_no_serious_violation_on_portal_pages(
    browser, live_server, portal_data, settings
):
    settings.ACCOUNTS_DEMO = True
    script = AXE.read_text(encoding="utf-8")
    found = []
    for width in WIDTHS:
        for user, paths in (
            (None, _public_paths(portal_data)),
            (portal_data["applicant"], _applicant_paths(portal_data)),
        ):
            ctx = _context(browser, live_server, width, user)
            # injected by Playwright, not by the page: the site's CSP forbids inline scripts
            ctx.add_init_script(script=script)
            page = ctx.new_page()
            for path in paths:
                _open(page, live_server.url, path)
                result = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                    ".map(v => [v.id, v.nodes.slice(0, 3).map(n => n.target.join(' '))])"
                )
                if result:
                    found.append((width, path, result))
            ctx.close()
    assert not found, "\n".join(map(str, found))
