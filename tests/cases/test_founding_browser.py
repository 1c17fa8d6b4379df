"""企业开办 founds the company, in a real browser at 1366 and 390 px: a person applies for the
bundle without a USCC, the market bureau's handler completes 设立登记 entering the new
company's 统一社会信用代码 (a wrong one first: the error beside the field), and the person sees
the new company and its 营业执照 on the portal."""

import re

import pytest

from .conftest import PDF, RIC, make_uscc
from .test_browser import PASSWORD, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_USCC = make_uscc("91510700MA7FNDK30")


def _fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "391).slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + "
        "(e.getAttribute('data-testid') || e.getAttribute('name') || ''))"
    )
    assert scroll <= width, (scroll, wide)


@pytest.mark.parametrize("width", [1366, 390])
def test_founding_journey(live_server, catalog, founding, browser_page, width):
    from yingshang.cases.models import Case
    from yingshang.core.models import User

    base = live_server.url
    User.objects.create_user("founder", password=PASSWORD, full_name="王五")
    dept = catalog["registration"].department
    User.objects.create_user(
        "h_market_b", password=PASSWORD, role="handler", division=dept.division, department=dept
    )
    browser = browser_page.context.browser

    # 1. the person applies for 企业开办: no USCC, the company to be registered
    person = _login(browser, base, "founder", width)
    person.goto(f"{base}/apply/guided/bundle/qiye-kaiban/")
    person.wait_for_url(re.compile(r".*/applicant/$"))
    assert person.locator("input[name=applicant_kind][value=enterprise]").count() == 0
    person.fill("#id_applicant_code", RIC)
    person.fill("#id_applicant_phone", "13900001234")
    person.click("[data-testid=next]")
    person.wait_for_url(re.compile(r".*/details/$"))
    person.fill("#id_company_name", "绵阳新桥科技有限公司")
    person.select_option("#id_company_type", "llc")
    person.fill("#id_registered_capital", "100")
    person.fill("#id_address", "绵阳市涪城区新桥路 2 号")
    person.fill("#id_legal_representative", "王五")
    person.fill("#id_business_scope", "软件开发")
    person.click("[data-testid=next]")
    person.wait_for_url(re.compile(r".*/materials/$"))
    inputs = person.locator("input[type=file]")
    for i in range(inputs.count()):
        inputs.nth(i).set_input_files(
            {"name": f"m{i}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    person.click("[data-testid=next]")
    person.wait_for_url(re.compile(r".*/review/$"))
    person.check("#id_confirm")
    person.click("[data-testid=submit]")
    person.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    parent = Case.objects.get(parent=None)
    reg_case = parent.children.get(item=catalog["registration"])
    assert parent.applicant_kind == "person"

    # 2. the market bureau's handler accepts and completes 设立登记 with the new USCC
    staff = _login(browser, base, "h_market_b", width)
    staff.goto(f"{base}/staff/cases/{reg_case.number}/")
    staff.click("[data-testid=do-accept]")
    staff.wait_for_load_state()
    assert staff.locator("[data-testid=case-status]").inner_text() == "已受理"
    form = staff.locator("[data-testid=form-complete]")
    assert form.locator("[data-testid=new-enterprise-name-complete]").input_value() == (
        "绵阳新桥科技有限公司"
    )
    _fits(staff, width)
    staff.select_option("[data-testid=outcome]", "approved")
    bad = NEW_USCC[:-1] + ("0" if NEW_USCC[-1] != "0" else "1")
    staff.fill("[data-testid=new-enterprise-uscc-complete]", bad)
    staff.fill("[data-testid=reason-complete]", "经审查，申请符合法定条件，准予许可。")
    staff.check("[data-testid=confirm-complete]")
    staff.click("[data-testid=do-complete]")
    staff.wait_for_load_state()
    error = staff.locator("[data-testid=form-complete] [data-field=new_enterprise_uscc]")
    assert "统一社会信用代码无效" in error.inner_text()
    assert staff.locator("[data-testid=case-status]").inner_text() == "已受理"
    form = staff.locator("[data-testid=form-complete]")
    staff.select_option("[data-testid=outcome]", "approved")
    staff.fill("[data-testid=new-enterprise-uscc-complete]", NEW_USCC)
    staff.fill("[data-testid=reason-complete]", "经审查，申请符合法定条件，准予许可。")
    staff.check("[data-testid=confirm-complete]")
    staff.click("[data-testid=do-complete]")
    staff.wait_for_load_state()
    assert staff.locator("[data-testid=case-status]").inner_text() == "已办结"

    # 3. the person sees the company and its 营业执照
    person.goto(f"{base}/my/enterprises/")
    row = person.locator("#representations tbody tr").first
    assert "绵阳新桥科技有限公司" in row.inner_text() and NEW_USCC in row.inner_text()
    assert "已核验" in row.inner_text()
    assert "营业执照" in row.locator("[data-testid=enterprise-licences]").inner_text()
    _fits(person, width)
    person.goto(f"{base}/my/cases/{parent.number}/")
    assert "营业执照" in person.locator("[data-testid=licences]").inner_text()
    assert "绵阳新桥科技有限公司" in person.content()
    _fits(person, width)
