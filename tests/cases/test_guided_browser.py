"""The guided application on a 390 px phone: a person applies for 开办餐馆 (which founds the
company: no USCC asked, 营业执照 not asked), takes a photo of a material, sends a bad file for
another one, sees the error beside it and the photo still there, fixes it and submits."""

import io
import re

import pytest

from .conftest import PDF, RIC

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-pass-2026"


def _photo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (3000, 4000), (180, 120, 60)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_apply_for_restaurant_on_a_phone(live_server, restaurant, browser_page):
    from yingshang.cases.models import Case
    from yingshang.core.models import User

    User.objects.create_user("canguan", password=PASSWORD, full_name="李四")
    base = live_server.url
    browser = browser_page.context.browser
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "canguan")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    def fits():
        width = page.evaluate("document.querySelector('[data-testid=guided]').scrollWidth")
        assert width <= 390, width

    page.goto(f"{base}/bundles/kaiban-canguan/")
    page.click("a[href='/apply/guided/bundle/kaiban-canguan/']")
    page.wait_for_url(re.compile(r".*/apply/drafts/[^/]+/applicant/$"))
    # 1. who applies: a person (the new company has no USCC yet)
    assert page.locator("input[name=applicant_kind][value=enterprise]").count() == 0
    assert page.locator("[data-testid=source-applicant_name]").inner_text() == "来自您的账户"
    page.fill("#id_applicant_code", RIC)
    page.fill("#id_applicant_phone", "13900001234")
    fits()
    page.click("[data-testid=next]")
    # 2. the new company
    page.wait_for_url(re.compile(r".*/details/$"))
    page.fill("#id_company_name", "绵阳好味道餐饮有限公司")
    page.select_option("#id_company_type", "llc")
    page.fill("#id_registered_capital", "50")
    page.fill("#id_address", "绵阳市涪城区美食街 8 号")
    page.fill("#id_business_scope", "餐饮服务")
    page.click("[data-testid=next]")
    # 3. materials: no 营业执照 asked (an output of the bundle); a photo and a bad file
    page.wait_for_url(re.compile(r".*/materials/$"))
    assert "营业执照" in page.locator("[data-testid=outputs]").inner_text()
    inputs = page.locator("input[type=file]")
    assert inputs.count() == 3  # 公司登记申请书, 住所使用证明, 食品安全管理制度
    assert inputs.first.get_attribute("capture") is None  # the chooser, not the camera alone
    assert "image/*" in inputs.first.get_attribute("accept")
    fits()
    inputs.nth(0).set_input_files(
        {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    inputs.nth(1).set_input_files(
        {"name": "住所.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"}
    )
    page.click("[data-testid=next]")
    page.wait_for_load_state()
    errors = page.locator(".errorlist")
    assert "类型不支持" in errors.first.inner_text()
    kept = page.locator("[data-testid^=kept-]")
    assert kept.count() == 1 and "IMG_2041.jpg" in kept.first.inner_text()
    assert "已压缩" in kept.first.inner_text()  # a 12 MP photo scaled down on the server
    fits()
    # 4. fix the bad one, add the last one, go on
    inputs = page.locator("input[type=file]")
    inputs.nth(1).set_input_files(
        {"name": "住所.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    inputs.nth(2).set_input_files(
        {"name": "制度.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.click("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/review/$"))
    assert "绵阳好味道餐饮有限公司" in page.locator("[data-testid=new-company]").inner_text()
    page.click("[data-testid=submit]")  # without the declaration: an error beside it
    page.wait_for_load_state()
    assert page.locator("[data-testid=error-confirm]").is_visible()
    page.check("#id_confirm")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/my/cases/\d+/$"))
    parent = Case.objects.get(parent=None)
    assert parent.bundle == restaurant and parent.children.count() == 2
    assert parent.form_data["new_enterprise"]["company_name"] == "绵阳好味道餐饮有限公司"
    assert sorted(m.content_type for m in parent.materials.all()) == [
        "application/pdf",
        "application/pdf",
        "image/jpeg",
    ]
    context.close()
