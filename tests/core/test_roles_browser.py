"""Every staff role in a real browser (#13): it logs in, its home page (工作台) shows its own
to-do cards with the figures the database holds, and it performs its key action —

* 综合窗口 (clerk): opens 等待窗口受理 and accepts (受理) the case;
* 承办人 (handler): decides (办结 不予) — refused without an opinion and the confirmation,
  done with both;
* 部门负责人 (dept_head): approves (审批) the case waiting in 待审批;
* 监督员 (supervisor): opens the bad rating under rectification and sends a 催办 on a lagging
  reform task;
* 市领导 (leader): opens the monitoring dashboard and reads its figures, with no action button
  anywhere;
* 系统管理员 (admin, the demo superuser): opens the user administration (Django admin), and sees
  no decision button on a case (separation of duties).
"""

import datetime

import pytest
from django.utils import timezone

from tests.helpers import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mianyang2019!"  # the core demo's staff password (demo/data/mianyang.py)
# a form that changes something (the frame's language switch and 退出 post too, and change no
# record)
WRITES = "main form[method=post]:not(.lang):not([action$='/logout/'])"


def _user(role):
    from yingshang.core.models import User

    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


def _login(page, base, user):
    page.goto(f"{base}/login/?next=/staff/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def _cards_match(page, user) -> dict[str, str]:
    """Every card of the role on the page shows the figure its provider computes from the
    database; returns {card key: shown text}."""
    from yingshang.platform.workbench import cards_for

    shown = {}
    for card in cards_for(user):
        text = page.locator(f"#{card.dom_id} .stat").inner_text().strip()
        assert text == ("无数据" if card.empty else f"{card.count}{card.suffix}"), card.key
        shown[card.key] = text
    assert shown, "the role has cards"
    return shown


def _case(**kwargs):
    from tests.cases.factories import CaseFactory

    return CaseFactory(**kwargs)


def test_clerk_accepts_a_case_from_the_window_queue(live_server, mianyang, browser_page):
    from yingshang.cases.models import Case

    case = _case(status="submitted")
    clerk = _user("clerk")
    page = browser_page
    _login(page, live_server.url, clerk)
    shown = _cards_match(page, clerk)
    waiting = Case.objects.visible_to(clerk).filter(status="submitted").count()
    assert waiting == 1 and shown["cases.window"] == "1"
    page.click("#card-cases-window a.stat")
    page.wait_for_load_state()
    page.click(f"text={case.number}")
    page.wait_for_url(f"**/staff/cases/{case.number}/")
    assert page.locator("[data-testid=do-complete]").count() == 0  # the window decides nothing
    page.click("[data-testid=do-accept]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=case-status]").inner_text() == "已受理"
    case.refresh_from_db()
    assert case.status == "accepted"
    assert case.events.filter(action="accept", actor=clerk).count() == 1


def test_handler_decides_with_an_opinion_and_the_confirmation(live_server, mianyang, browser_page):
    from yingshang.cases.models import Case

    now = timezone.now()
    case = _case(status="accepted", accepted_at=now, due_at=now + datetime.timedelta(days=5))
    handler = _user("handler")
    page = browser_page
    _login(page, live_server.url, handler)
    shown = _cards_match(page, handler)
    deciding = (
        Case.objects.visible_to(handler).filter(status__in=("accepted", "in_process")).count()
    )
    assert shown["cases.decision"] == str(deciding) == "1"
    page.goto(f"{live_server.url}/staff/cases/{case.number}/")
    form = page.locator("[data-testid=form-complete]")
    form.locator("[data-testid=outcome]").select_option("denied")
    form.locator("[data-testid=do-complete]").click()  # no opinion, no confirmation
    reason = form.locator("[data-testid=reason-complete]")
    assert reason.evaluate("el => el.validity.valueMissing")  # the browser holds the form
    assert page.url.endswith(f"/staff/cases/{case.number}/")
    assert Case.objects.get(pk=case.pk).status == "accepted"
    assert decide(page, "complete", "经审查，申请不符合法定条件。", outcome="denied") == "已办结"
    done = Case.objects.get(pk=case.pk)
    assert done.status == "completed" and done.outcome == "denied"
    event = done.events.get(action="complete")
    assert event.actor == handler and event.note == "经审查，申请不符合法定条件。"


def test_head_approves_the_case_waiting_for_him(live_server, mianyang, browser_page):
    from yingshang.cases.machines import CaseMachine
    from yingshang.cases.models import Case
    from yingshang.catalog.models import ServiceItem

    now = timezone.now()
    case = _case(
        status="pending_approval",
        proposed_outcome="denied",
        accepted_at=now,
        due_at=now + datetime.timedelta(days=5),
    )
    ServiceItem.objects.filter(pk=case.item_id).update(requires_head_approval=True)
    CaseMachine.record(
        case,
        "submit_approval",
        "in_process",
        "pending_approval",
        actor=_user("handler"),
        note="审核:不予",
    )
    head = _user("dept_head")
    page = browser_page
    _login(page, live_server.url, head)
    shown = _cards_match(page, head)
    waiting = Case.objects.visible_to(head).filter(status="pending_approval").count()
    assert shown["cases.approval"] == str(waiting) == "1"
    page.click("#card-cases-approval a.stat")
    page.wait_for_load_state()
    page.click(f"text={case.number}")
    page.wait_for_url(f"**/staff/cases/{case.number}/")
    assert decide(page, "approve", "同意承办人审核意见。") == "已办结"
    done = Case.objects.get(pk=case.pk)
    assert done.status == "completed" and done.outcome == "denied"
    assert done.events.get(action="approve").actor == head


def test_supervisor_opens_a_bad_rating_and_sends_a_reminder(live_server, mianyang, browser_page):
    from django.urls import reverse

    from tests.evaluations.factories import rectification
    from tests.reforms.factories import TaskFactory
    from yingshang.evaluations.models import Rectification
    from yingshang.reforms.models import Reminder

    rect = rectification()
    task = TaskFactory(state="lagging")
    supervisor = _user("supervisor")
    page = browser_page
    _login(page, live_server.url, supervisor)
    shown = _cards_match(page, supervisor)
    open_ = Rectification.objects.exclude(status__in=("closed", "voided")).count()
    assert shown["evaluations.bad_open"] == str(open_) == "1"
    page.click("#card-evaluations-bad_open a.stat")
    page.wait_for_load_state()
    page.click(f"a[href='{reverse('evaluations:rectification-detail', args=[rect.pk])}']")
    page.wait_for_load_state()
    assert rect.evaluation.comment in page.content()  # the bad rating's own words
    assert rect.evaluation.get_level_display() in page.content()
    page.goto(f"{live_server.url}/staff/reforms/tasks/{task.pk}/")
    form = page.locator("form:has(input[value=remind])")
    form.locator("input[name=note]").fill("请于本周内报送进展。")
    form.locator("button").click()
    page.wait_for_load_state()
    reminder = Reminder.objects.get(task=task)
    assert reminder.note == "请于本周内报送进展。"
    assert "请于本周内报送进展。" in page.content()


def test_leader_reads_the_dashboard_without_an_action(live_server, mianyang, browser_page):
    from tests.monitoring.factories import IndicatorValueFactory
    from yingshang.cases.models import Case
    from yingshang.core.models import Division

    now = timezone.now()
    case = _case(
        status="in_process",
        accepted_at=now - datetime.timedelta(days=9),
        due_at=now - datetime.timedelta(days=1),
        warn_at=now - datetime.timedelta(days=3),
    )
    city = Division.objects.get(code="510700")
    month = timezone.localdate().replace(day=1)
    IndicatorValueFactory(
        indicator="gov.on_time_rate",
        period_start=month,
        dimension="city",
        dimension_id=city.pk,
        division_path=city.path,
        value=87.5,
    )
    leader = _user("leader")
    page = browser_page
    _login(page, live_server.url, leader)
    shown = _cards_match(page, leader)
    overdue = (
        Case.objects.visible_to(leader)
        .filter(due_at__lt=now)
        .exclude(status__in=("completed", "delivered", "rejected", "withdrawn"))
        .count()
    )
    assert shown["cases.overdue"] == str(overdue) == "1"
    page.goto(f"{live_server.url}/staff/monitoring/")
    row = page.locator("tr:has(span[title='gov.on_time_rate'])")
    assert "87.5" in row.inner_text()
    assert row.locator("a", has_text="明细").count() == 1  # a value: its drill-down
    assert page.locator(WRITES).count() == 0
    page.goto(f"{live_server.url}/staff/cases/{case.number}/")
    assert page.locator("[data-testid=case-status]").count() == 1  # he reads the case
    assert page.locator("[data-testid^=do-]").count() == 0
    assert page.locator(WRITES).count() == 0


def test_admin_administers_users_and_decides_no_case(live_server, mianyang, browser_page):
    from yingshang.core.models import User

    now = timezone.now()
    case = _case(status="accepted", accepted_at=now, due_at=now + datetime.timedelta(days=5))
    admin = _user("admin")
    assert admin.is_superuser
    page = browser_page
    _login(page, live_server.url, admin)
    _cards_match(page, admin)
    page.goto(f"{live_server.url}/admin/core/user/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == min(User.objects.count(), 100)
    assert page.locator("#result_list", has_text="chuangkou").count() == 1
    page.goto(f"{live_server.url}/staff/cases/{case.number}/")
    assert page.locator("[data-testid=case-status]").inner_text() == "已受理"
    for action in ("start", "complete", "suspend"):
        assert page.locator(f"[data-testid=do-{action}]").count() == 0, action
