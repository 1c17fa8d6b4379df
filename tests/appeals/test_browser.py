"""Browser test (Playwright, headless Chromium): an appeal goes from the portal to the right
department (the classifier's top suggestion, preselected), is answered, confirmed, rated and
closed; an overdue one escalates to the city leadership list."""

import datetime
import random
import shutil

import pytest
from django.test import Client
from django.utils import timezone

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, Status
from yingshang.core.models import User
from yingshang.demo.appeals import make_text
from yingshang.evaluations.models import Evaluation

from .conftest import make_uscc

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    # Never skip: a missing browser is a failure.
    assert shutil.which(CHROMIUM) or __import__("os").path.exists(CHROMIUM), "chromium missing"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _context_for(browser, live_server, user=None):
    ctx = browser.new_context(locale="zh-CN")
    if user is not None:
        c = Client()
        c.force_login(user)
        ctx.add_cookies(
            [{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}]
        )
    return ctx


@pytest.mark.browser
def test_portal_to_department_reply_rate_close_and_overdue_escalation(
    browser, live_server, transactional_db, mianyang, depts, office, staff
):
    # past dispatches to learn from
    rng = random.Random(5)
    for i in range(45):
        topic = ["power", "tax", "land"][i % 3]
        key, title, text = make_text(rng, topic, "help", "涪城区", "机械制造")
        a = services.submit_appeal(
            channel="portal",
            appellant_kind="enterprise",
            uscc=make_uscc(500 + i),
            enterprise_name=f"训练企业{i}",
            contact_name="甲",
            contact_phone="13800000000",
            appeal_type="help",
            topic=topic,
            title=title,
            text=text,
        )
        services.dispatch(a, office, depts[key])
    services.train_dispatch_model()
    power_handler = User.objects.create_user(
        "gongdian_t", role="handler", division=depts["power"].division, department=depts["power"]
    )

    # 1. an anonymous enterprise raises an appeal on the portal
    portal = _context_for(browser, live_server).new_page()
    portal.goto(f"{live_server.url}/appeals/")
    portal.click("#raise")
    portal.fill("#id_uscc", make_uscc(42))
    portal.fill("#id_enterprise_name", "绵阳浏览器测试电子有限公司")
    portal.fill("#id_contact_name", "钱经理")
    portal.fill("#id_contact_phone", "13812348888")
    portal.select_option("#id_appeal_type", "help")
    portal.select_option("#id_topic", "power")
    portal.fill("#id_title", "新厂房用电报装")
    portal.fill(
        "#id_text", "我公司新厂房用电报装两个月了,变压器增容一直没有安排,供电线路也没架设。"
    )
    portal.click("#submit")
    number = portal.inner_text("#appeal-number").strip()
    assert portal.inner_text("#appeal-status") == "待签收"
    appeal = Appeal.objects.get(number=number)

    # 2. the service office sees the suggestion and dispatches to the suggested department
    office_page = _context_for(browser, live_server, office).new_page()
    office_page.goto(f"{live_server.url}/staff/appeals/")
    office_page.click(f"tr[data-number='{number}'] a")
    first = office_page.locator(".suggestion").first
    assert first.get_attribute("data-department") == str(depts["power"].pk)
    assert office_page.input_value("#id_lead_department") == str(depts["power"].pk)
    office_page.click("#dispatch")
    assert office_page.inner_text("#lead-department") == depts["power"].name
    assert office_page.inner_text("#appeal-status") == "办理中"

    # 3. the power company's handler finds it in its queue (green deadline) and replies
    dept_page = _context_for(browser, live_server, power_handler).new_page()
    dept_page.goto(f"{live_server.url}/staff/appeals/?queue=open")
    row = dept_page.locator(f"tr[data-number='{number}']")
    assert row.locator(".deadline").get_attribute("data-colour") == "green"
    row.locator("a").first.click()
    dept_page.fill("#id_reply", "已安排施工队,本周内完成变压器增容并接电。")
    dept_page.click("#reply")
    assert dept_page.inner_text("#appeal-status") == "已答复"

    # 4. the enterprise confirms it is resolved and rates it
    portal.goto(f"{live_server.url}/appeals/{number}/")
    assert "变压器增容" in portal.inner_text("#reply-text")
    portal.check("#resolved-yes")
    portal.click("#confirm")
    assert portal.inner_text("#appeal-status") == "已办结"
    portal.click("label[data-star='5']")
    portal.click("#rate")
    assert "非常满意" in portal.inner_text("#rated")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.lead_department == depts["power"]
    assert Evaluation.objects.get(object_id=str(appeal.pk)).level == 5

    # 5. an overdue appeal escalates automatically (sweep run with a 'now' in the future)
    late = services.submit_appeal(
        channel="portal",
        appellant_kind="enterprise",
        uscc=make_uscc(43),
        enterprise_name="逾期测试公司",
        contact_name="乙",
        contact_phone="13800001111",
        appeal_type="consult",
        topic="tax",
        title="留抵退税",
        text="增值税留抵退税什么时候到账?",
    )
    services.dispatch(late, office, depts["tax"])
    result = services.sweep_overdue(now=timezone.now() + datetime.timedelta(days=30))
    assert result["escalated"] >= 1  # the training appeals above are overdue too
    late.refresh_from_db()
    assert late.status == Status.ESCALATED and late.escalation_reason == "逾期未办结"
    leader = _context_for(browser, live_server, staff["shilingdao"]).new_page()
    leader.goto(f"{live_server.url}/staff/appeals/?queue=escalated")
    row = leader.locator(f"tr[data-number='{late.number}']")
    assert "市领导督办" in row.inner_text()
    row.locator("a").first.click()
    assert leader.inner_text("#appeal-status") == "市领导督办"
    assert "逾期未办结" in leader.content()
