"""Each demo role logs in in a real browser and lands on its to-dos; a figure opens its list."""

import datetime

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("clerk", "handler", "dept_head", "supervisor", "leader")


def test_every_role_lands_on_its_todos(live_server, mianyang, browser_page):
    from tests.cases.factories import CaseFactory
    from yingshang.core.models import User

    now = timezone.now()
    CaseFactory(
        number="WBB-OVERDUE",
        status="in_process",
        due_at=now - datetime.timedelta(days=1),
        warn_at=now - datetime.timedelta(days=2),
    )
    page = browser_page
    for role in ROLES:
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        page.goto(f"{live_server.url}/login/?next=/staff/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "mianyang2019!")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/staff/")
        assert page.locator("#todo-heading").inner_text() == "待办", role
        cards = page.locator(".todo-card")
        assert cards.count() >= 1, role
        link = page.locator(".todo-card a.stat").first
        href = link.get_attribute("href")
        with page.expect_navigation():
            link.click()
        assert page.url.endswith(href.replace("&amp;", "&")), (role, page.url)
        assert "错误" not in page.locator("h1").inner_text(), role
        page.goto(f"{live_server.url}/staff/")
        page.click("text=退出")
        page.wait_for_url("**/login/")
