"""Staff log in to the Chinese workbench in a real browser and see only their part of the city."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_workbench_and_scope_in_browser(live_server, mianyang, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{live_server.url}/staff/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "工作人员登录"

    page.fill("#id_username", "jiangyou_chuangkou")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.content()

    page.fill("#id_username", "jiangyou_chuangkou")
    page.fill("#id_password", "mianyang2019!")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.locator("h1").inner_text() == "工作台"
    assert "江油市" in page.content()

    page.click("a[href='/staff/departments/']")
    page.wait_for_url("**/staff/departments/")
    names = page.locator("table tbody td:first-child").all_inner_texts()
    assert any("江油市" in n for n in names)
    assert not any("涪城区" in n for n in names)
    page.screenshot(path=str(tmp_path / "departments.png"))

    from yingshang.core.models import Department

    fucheng = Department.objects.get(division__code="510703", function_key="market")
    response = page.goto(f"{live_server.url}/staff/departments/{fucheng.pk}/")
    assert response.status == 404

    page.goto(f"{live_server.url}/staff/")
    page.click("text=退出")
    page.wait_for_url("**/login/")
