"""The 企业开办 journey in a real browser: an enterprise applies online for the bundle, a clerk
requests a supplement, the enterprise resubmits, the departments complete their sub-cases, the
enterprise tracks the case to 办结 and sees its new e-licence, and a second application reuses
it (免提交)."""

import re

import pytest

from .conftest import PDF, USCC

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-pass-2026"


def _login(browser, base, username, width=None):
    """A new browser context logged in as ``username`` (a phone's when ``width`` < 500)."""
    size = {} if width is None else {"viewport": {"width": width, "height": 900}}
    if width is not None and width < 500:
        size.update(is_mobile=True, has_touch=True)
    context = browser.new_context(locale="zh-CN", **size)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, page.content()[:500]
    return page


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_bundle_journey(live_server, catalog, browser_page, staff):
    from yingshang.cases.models import Case, MaterialSource
    from yingshang.core.models import User

    base = live_server.url
    User.objects.create_user("qiye_b", password=PASSWORD, full_name="企业经办人")
    handlers = {}
    for c_key in ("registration", "seal", "invoice"):
        dept = catalog[c_key].department
        handlers[c_key] = User.objects.create_user(
            f"h_{c_key}",
            password=PASSWORD,
            role="handler",
            division=dept.division,
            department=dept,
        )
    browser = browser_page.context.browser

    # 1. the enterprise applies for 企业开办 online
    ent = _login(browser, base, "qiye_b")
    ent.goto(f"{base}/apply/bundle/qiye-kaiban/")  # the guided form
    ent.wait_for_url(re.compile(r".*/apply/drafts/[^/]+/applicant/$"))
    assert "企业开办" in ent.content()
    ent.check("input[name=applicant_kind][value=enterprise]")
    ent.fill("#id_applicant_code", USCC)
    ent.fill("#id_applicant_name", "绵阳浏览器科技有限公司")
    ent.fill("#id_applicant_phone", "13812345678")
    ent.click("[data-testid=next]")
    if re.search(r"/details/$", ent.url):
        ent.click("[data-testid=next]")
    ent.wait_for_url(re.compile(r".*/materials/$"))
    inputs = ent.locator("input[type=file]")
    assert inputs.count() == 3  # 公司登记申请书, 住所使用证明, 营业执照: asked once each
    for i in range(inputs.count()):
        inputs.nth(i).set_input_files(_pdf(f"m{i}.pdf"))
    ent.click("[data-testid=next]")
    ent.wait_for_url(re.compile(r".*/review/$"))
    ent.check("#id_confirm")
    ent.click("[data-testid=submit]")
    ent.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    number = ent.locator("[data-testid=case-number]").inner_text().strip()
    assert ent.locator("[data-testid=case-status]").inner_text() == "已申报"
    parent = Case.objects.get(number=number)
    children = {c.item_id: c for c in parent.children.all()}
    assert len(children) == 3

    # 2. the market bureau's handler requests a supplement on the registration sub-case
    reg_case = children[catalog["registration"].pk]
    clerk = _login(browser, base, "h_registration")
    clerk.goto(f"{base}/staff/cases/")
    assert reg_case.number in clerk.content()
    clerk.goto(f"{base}/staff/cases/{reg_case.number}/")
    form = clerk.locator("[data-testid=form-request_supplement]")
    form.locator("label", has_text="住所使用证明").locator("input").check()
    form.locator("[data-testid=do-request_supplement]").click()
    clerk.wait_for_load_state()
    assert "待补正" in clerk.locator("[data-testid=case-status]").inner_text()

    # 3. the enterprise sees 待补正 and resubmits
    ent.goto(f"{base}/my/cases/{number}/")
    assert ent.locator("[data-testid=case-status]").inner_text() == "待补正"
    assert "住所使用证明" in ent.locator("[data-testid=missing]").inner_text()
    ent.locator("[data-testid=resubmit-form] input[type=file]").set_input_files(_pdf("addr.pdf"))
    ent.click("[data-testid=resubmit]")
    ent.wait_for_load_state()
    assert ent.locator("[data-testid=case-status]").inner_text() == "已申报"

    # 4. each department accepts and completes its sub-case in parallel
    for key, child in [(k, children[catalog[k].pk]) for k in ("registration", "seal", "invoice")]:
        p = clerk if key == "registration" else _login(browser, base, f"h_{key}")
        p.goto(f"{base}/staff/cases/{child.number}/")
        p.click("[data-testid=do-accept]")
        p.wait_for_load_state()
        assert p.locator("[data-testid=case-status]").inner_text() == "已受理"
        p.select_option("[data-testid=outcome]", "approved")
        # a decision needs an opinion and the confirmation (the browser refuses without them)
        p.click("[data-testid=do-complete]")
        assert p.locator("[data-testid=case-status]").inner_text() == "已受理"
        p.fill("[data-testid=reason-complete]", "经审查，申请符合法定条件，准予许可。")
        p.check("[data-testid=confirm-complete]")
        p.click("[data-testid=do-complete]")
        p.wait_for_load_state()
        assert p.locator("[data-testid=case-status]").inner_text() == "已办结"

    # 5. the enterprise tracks the case (no login) with the 查询码 its case page shows, to 办结,
    # and sees its new e-licence
    ent.goto(f"{base}/my/cases/{number}/")
    code = ent.locator("[data-testid=lookup-code]").inner_text()
    anon = browser.new_context(locale="zh-CN").new_page()
    anon.goto(f"{base}/track/")
    anon.fill("#id_number", number)
    anon.fill("#id_code", USCC[-4:])  # the old secret opens nothing
    anon.click("form button[type=submit]")
    anon.wait_for_load_state()
    assert "未找到办件" in anon.content()
    anon.fill("#id_number", number)
    anon.fill("#id_code", code)
    anon.click("form button[type=submit]")
    anon.wait_for_load_state()
    assert anon.locator("[data-testid=case-status]").inner_text() == "已办结"
    ent.goto(f"{base}/my/cases/{number}/")
    # typing the USCC made no one a representative: the new e-licence is not shown yet
    assert ent.locator("[data-testid=licences]").count() == 0
    from yingshang.registry.models import Enterprise
    from yingshang.registry.public import link_enterprise_user

    # verified (tests/registry/test_representatives.py walks the ways to verify)
    link_enterprise_user(Enterprise.objects.get(uscc=USCC), User.objects.get(username="qiye_b"))
    ent.goto(f"{base}/my/cases/{number}/")
    assert "营业执照" in ent.locator("[data-testid=licences]").inner_text()
    ent.goto(f"{base}/notifications/")
    assert number in ent.content()

    # 6. a second application takes the 营业执照 from the registry (免提交)
    invoice = catalog["invoice"]
    ent.goto(f"{base}/apply/{invoice.implementation_code}/")  # the guided form now
    ent.wait_for_url(re.compile(r".*/apply/drafts/[^/]+/applicant/$"))
    for field, value in (("#id_applicant_code", USCC), ("#id_applicant_phone", "13812345678")):
        if not ent.input_value(field):
            ent.fill(field, value)
    ent.click("[data-testid=next]")
    if re.search(r"/details/$", ent.url):
        ent.click("[data-testid=next]")
    ent.wait_for_url(re.compile(r".*/materials/$"))
    assert ent.locator("[data-testid^=reuse-]").count() == 1  # nothing to upload: 免提交
    ent.click("[data-testid=next]")
    ent.wait_for_url(re.compile(r".*/review/$"))
    ent.check("#id_confirm")
    ent.click("[data-testid=submit]")
    ent.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    second = Case.objects.get(number=ent.locator("[data-testid=case-number]").inner_text().strip())
    m = second.materials.get()
    assert m.source == MaterialSource.ELICENCE and m.licence.licence_type.code == "yyzz"
    assert "免提交" in ent.content() or "电子证照" in ent.content()
