"""The home page's search box offers items as the person types (static/yingshang/typeahead.js
on ``/services/suggest/``, no inline script): an everyday word (卖熟食) finds 食品经营许可; the
combobox is driven by the keyboard (↓/↑, Escape, Enter) and by a tap on a phone."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def words(items):
    from yingshang.catalog import services

    services.add_term(item=items["food"], term="卖熟食", kind="colloquial", source="12345")
    return items


def _page(browser_page, width):
    context = browser_page.context.browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 800}, is_mobile=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def test_home_search_suggests_and_the_keyboard_picks(live_server, words, browser_page):
    page, errors = _page(browser_page, 1366)
    page.goto(f"{live_server.url}/")
    box = page.locator("[data-testid=home-search]")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("卖熟食", delay=30)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    page.locator(
        f"#{box.get_attribute('aria-controls')}[data-for='卖熟食'] [role=option]"
    ).first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    assert "食品经营许可" in listbox.locator("[role=option]").first.inner_text()
    # Escape closes, ↓ after typing again highlights the first option
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "卖熟食"  # Escape closes the list, it does not clear the box
    box.press("End")
    box.press_sequentially(" ")
    listbox.locator("[role=option]").first.wait_for()
    box.press("ArrowDown")
    first = listbox.locator("[role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("ArrowUp")  # wraps to the last option
    options = listbox.locator("[role=option]")
    assert options.nth(options.count() - 1).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/services/T-FOOD-510781/$"))
    assert "食品经营许可" in page.locator("h1").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_home_search_on_a_phone_tap_a_suggestion(live_server, words, browser_page):
    page, _errors = _page(browser_page, 390)
    page.goto(f"{live_server.url}/")
    box = page.locator("[data-testid=home-search]")
    box.press_sequentially("营业执照", delay=30)
    # a slow machine may show the options for 营业 first: wait for the ones answering the whole word
    option = page.locator(".typeahead-list[data-for='营业执照'] [role=option]").first
    option.wait_for()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, width
    name = option.locator("a").evaluate("a => a.firstChild.textContent")
    option.locator("a").click()
    page.wait_for_url(re.compile(r".*/services/[^/]+/$"))
    assert name in page.locator("h1").inner_text()
    # Enter without a highlighted option is the plain search
    page.goto(f"{live_server.url}/")
    box = page.locator("[data-testid=home-search]")
    box.fill("卖熟食")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/services/\?q=.*"))
    assert "食品经营许可" in page.content()
