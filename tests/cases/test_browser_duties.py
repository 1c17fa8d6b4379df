"""Separation of duties in a real browser (#13): the window clerk accepts and sees no decision,
the handler reviews with an opinion and the confirmation, the head approves; the city leader
sees the case without one button."""

import pytest

from tests.helpers import decide

from .conftest import upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-pass-2026"


def _login(browser, base, username):
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, page.content()[:500]
    return page


def test_review_and_approval_by_role(live_server, catalog, browser_page, staff):
    from yingshang.cases.models import Case
    from yingshang.cases.services import material_slots, resolve_applicant, submit_case
    from yingshang.catalog.models import ServiceItem

    item = catalog["registration"]
    ServiceItem.objects.filter(pk=item.pk).update(requires_head_approval=True)
    item.refresh_from_db()
    case = submit_case(
        item=item,
        applicant=resolve_applicant(kind="enterprise", code=_uscc(), name="绵阳审批科技有限公司"),
        files={s.key: upload() for s in material_slots([item.current_version])},
    )
    for name in ("chuangkou", "chengban", "kezhang", "shilingdao"):
        user = staff[name]
        user.set_password(PASSWORD)
        user.save()
    base, browser = live_server.url, browser_page.context.browser
    url = f"{base}/staff/cases/{case.number}/"

    clerk = _login(browser, base, "chuangkou")
    clerk.goto(url)
    assert clerk.locator("[data-testid=do-complete]").count() == 0
    clerk.click("[data-testid=do-accept]")
    clerk.wait_for_load_state()
    assert clerk.locator("[data-testid=case-status]").inner_text() == "已受理"
    assert clerk.locator("[data-testid^=do-submit_approval]").count() == 0

    handler = _login(browser, base, "chengban")
    handler.goto(url)
    assert handler.locator("[data-testid=do-complete]").count() == 0  # needs 审批
    assert decide(handler, "submit_approval", "材料齐全,符合法定条件,拟准予。") == "待审批"
    assert handler.locator("[data-testid^=do-]").count() == 0  # waits for the head

    leader = _login(browser, base, "shilingdao")
    leader.goto(url)
    assert leader.locator("[data-testid^=do-]").count() == 0
    assert "记录到现场" not in leader.content()

    head = _login(browser, base, "kezhang")
    head.goto(url)
    assert decide(head, "approve", "同意承办人审核意见。") == "已办结"
    done = Case.objects.get(pk=case.pk)
    assert done.outcome == "approved"
    assert list(done.events.values_list("action", flat=True))[-3:] == [
        "submit_approval",
        "approve",
        "issue_licence",
    ]


def _uscc():
    from .conftest import make_uscc

    return make_uscc("91510700MA6AXYWB3")
