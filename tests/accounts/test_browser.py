"""A person registers on a 390 px phone screen and logs in with an SMS code, in a real browser
(the code is read from the SMS outbox the test's sender writes to)."""

import pytest

from tests.accounts.factories import PASSWORD, last_code
from tests.core.factories import ric_for
from yingshang.accounts.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13908167001"


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width} px wide on a 390 px screen"


def test_register_on_a_phone_and_log_in_with_a_code(live_server, mianyang, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").first.inner_text() == "申请人登录"
    _no_horizontal_scroll(page)
    page.click("main a[href='/accounts/register/']")  # the nav's is behind the menu button
    page.click("a[href='/accounts/register/person/']")
    page.wait_for_url("**/accounts/register/person/")

    page.fill("#id_name", "周小雨")
    page.fill("#id_id_number", "510703199301011234")  # wrong check digit
    page.fill("#id_phone", PHONE)
    page.click("button[value=send]")
    page.wait_for_load_state()
    assert "139****7001" in page.content()
    assert page.input_value("#id_name") == "周小雨"  # kept across the code request
    page.fill("#id_code", last_code(PHONE))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_agree")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    error = page.locator("#id_id_number_errors")
    assert "居民身份证号码无效" in error.inner_text()
    _no_horizontal_scroll(page)

    page.fill("#id_id_number", ric_for("510703", "19930101", 125))
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[value=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert "周小雨" in page.content()
    assert Account.objects.filter(phone=PHONE).exists()

    page.click("[data-nav-toggle]")  # on a phone 退出 is in the menu
    page.click("text=退出")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_sms-phone", PHONE)
    page.click("button[value=send]")
    page.wait_for_load_state()
    page.fill("#id_sms-code", last_code(PHONE))
    page.click("button[value=code]")
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert "周小雨" in page.content()
    _no_horizontal_scroll(page)
