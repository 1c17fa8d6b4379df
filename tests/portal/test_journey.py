"""Issue 12's one browser journey, at 1366 px and on a 390 px phone (touch, a phone's user
agent, the 菜单 button to navigate), through the portal's pages as a person uses them:

1. registers (ID number valid per GB 11643, the phone proven by a code read from the demo SMS
   page), 2. logs out and logs in with a code alone, 3. finds 开办餐馆 by saying “开餐馆” (a
   colloquial term of the demo search words), 4. applies through the guided form with a 12 MP
   photo (downscaled on the server), 5. leaves a required file out and sees the error beside it
   with the photo kept, 6. double-clicks 提交申请 (one case), 7. staff accept and ask for a 补正
   naming a material (a second browser, the staff's login), 8. the person answers it from a
   phone, 9. follows the case through the link the 受理通知书 PDF carries (anonymous browser:
   words, not codes), 10. staff complete it; the person taps a star, comments, and one rating
   is stored. Every page of the phone run is checked for sideways scrolling."""

import io
import re

import pytest
from stdnum.cn import ric

from tests.cases.conftest import PDF, calendar, catalog, make_uscc, restaurant  # noqa: F401
from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "user_agent": PHONE_UA,
    },
}
NAME = "王小明"
PHONE = "13981234567"
ID_NUMBER = "51070319950307123" + ric.calc_check_digit("51070319950307123?")  # digit ignored
# status codes of the case machine that must never reach a public page as such
NEW_USCC = make_uscc("91510700MA7JRNY80")  # the restaurant company, given on 准予
CODES = ("submitted", "accepted", "in_process", "supplement_requested", "completed", "delivered")


@pytest.fixture
def journey_settings(settings):
    """The demo's SMS outbox: codes are shown on /accounts/demo-sms/, as in ``make run``."""
    settings.ACCOUNTS_DEMO = True
    settings.ACCOUNTS_CODE_SENDER = "yingshang.accounts.demo_outbox.send"
    return settings


@pytest.fixture
def search_words(restaurant):  # noqa: F811 - the imported fixture
    """The demo's everyday words for 食品经营许可 (demo/data/search_terms.py), indexed."""
    from yingshang.catalog import search
    from yingshang.catalog import services as cat
    from yingshang.catalog.models import ServiceItem
    from yingshang.demo.data.search_terms import TERMS

    for item in ServiceItem.objects.all():
        for name, term, kind, source in TERMS:
            if name == item.name:
                cat.add_term(item=item, term=term, kind=kind, source=source)
        search.index_item(item.pk)
    return [t for n, t, k, s in TERMS if n == "食品经营许可" and k == "colloquial"]


def _photo() -> bytes:
    """A 4000 × 3000 phone photo (not one flat colour: a gradient, as a camera gives)."""
    from PIL import Image

    img = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


class Person:
    """A browser context of one viewport and the checks every page of it gets."""

    def __init__(self, browser, base, kind):
        self.kind = kind
        self.base = base
        self.phone = kind == "phone"
        self.context = browser.new_context(locale="zh-CN", **VIEWPORTS[kind])
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    def fits(self):
        """No sideways scrolling on a phone."""
        if not self.phone:
            return
        m = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth, location.pathname]"
        )
        assert m[0] <= m[1] <= 390, m

    def goto(self, path):
        self.page.goto(self.base + path)
        self.fits()

    def tap(self, selector, navigates=True):
        """A tap on a phone, a click on a desktop; by default one that loads a page."""
        do = self.page.tap if self.phone else self.page.click
        if not navigates:
            return do(selector)
        with self.page.expect_navigation():
            do(selector)
        self.fits()

    def nav(self, name):
        """A link of the site navigation; on a phone through the 菜单 button."""
        page = self.page
        if self.phone:
            toggle = page.locator("[data-nav-toggle]")
            assert toggle.get_attribute("aria-expanded") == "false"
            toggle.tap()
            assert toggle.get_attribute("aria-expanded") == "true"
        link = page.locator("#site-nav").get_by_role("link", name=name, exact=True)
        assert link.is_visible()
        with page.expect_navigation():
            (link.tap if self.phone else link.click)()
        self.fits()

    def sms_code(self, phone, before=()):
        """The newest code the demo SMS page shows for ``phone`` (not one of ``before``)."""
        sms = self.context.new_page()
        sms.goto(self.base + "/accounts/demo-sms/")
        rows = sms.locator("table.sms-list tbody tr", has_text=phone)
        assert rows.count() >= 1, sms.content()
        text = rows.first.locator(".sms-text").inner_text()
        sms.close()
        code = re.search(r"验证码为(\d{6})", text).group(1)
        assert code not in before
        return code

    def wait(self, url):
        """Wait for ``url``; a timeout says what the page showed instead."""
        try:
            self.page.wait_for_url(url)
        except Exception as exc:
            shown = self.page.locator("main").inner_text()[:1500]
            raise AssertionError(f"{self.page.url}: {shown}") from exc
        self.fits()

    def close(self):
        self.context.close()


def _login_staff(browser, base, username):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff/.*"))
    return ctx, page


def _staff_open(page, base, number):
    """The staff member finds the case in the queue and opens it."""
    page.goto(f"{base}/staff/cases/?q={number}")
    page.get_by_role("link", name=number).first.click()
    page.wait_for_url(re.compile(rf".*/staff/cases/{number}/$"))


def _staff_do(page, action, reason=""):
    form = page.locator(f"[data-testid=form-{action}]")
    if reason:
        form.locator(f"[data-testid=reason-{action}]").fill(reason)
        form.locator(f"[data-testid=confirm-{action}]").check()
    with page.expect_navigation():
        form.locator(f"[data-testid=do-{action}]").click()
    errors = page.locator("[data-testid=actions] .errorlist")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.locator(".messages .success, .messages li").first.inner_text().startswith("已执行")


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_journey(kind, live_server, journey_settings, search_words, mianyang, browser_page):
    from PIL import Image

    from yingshang.accounts.models import Account
    from yingshang.cases.models import Case, CaseMaterial, Status
    from yingshang.evaluations.models import Evaluation
    from yingshang.registry.models import ELicence, Enterprise
    from yingshang.registry.models import Person as RegisteredPerson

    base = live_server.url
    browser = browser_page.context.browser
    me = Person(browser, base, kind)
    page = me.page

    # 1. register: the ID number checked, the phone proven by a code from the demo SMS page
    me.goto("/")
    me.nav("注册")
    me.tap("a[href='/accounts/register/person/']")
    page.wait_for_url("**/accounts/register/person/")
    me.fits()
    page.fill("#id_name", NAME)
    page.fill("#id_id_number", ID_NUMBER)
    page.fill("#id_phone", PHONE)
    me.tap("button[name=op][value=send]")
    assert "验证码已发送至" in page.locator(".messages").inner_text()
    assert page.input_value("#id_id_number") == ID_NUMBER  # kept across the code request
    code = me.sms_code(PHONE)
    page.fill("#id_code", code)
    page.fill("#id_password1", "Jour-ney-2026!")
    page.fill("#id_password2", "Jour-ney-2026!")
    page.check("#id_agree")
    me.tap("button[name=op][value=submit]")
    me.wait("**/accounts/")
    assert "注册成功" in page.locator(".messages").inner_text()
    account = Account.objects.get(phone=PHONE)
    assert RegisteredPerson.objects.get(id_number=ID_NUMBER).user == account.user

    # 2. log out, log in with a code alone
    if me.phone:  # 退出 sits in the folded menu
        page.locator("[data-nav-toggle]").tap()
    me.tap("form[action='/logout/'] button")
    assert page.locator("#site-nav a[href='/my/cases/']").count() == 0
    me.nav("登录")
    page.fill("#id_sms-phone", PHONE)
    me.tap("form:has(#id_sms-phone) button[name=op][value=send]")
    assert "验证码已发送至" in page.locator(".messages").inner_text()
    page.fill("#id_sms-code", me.sms_code(PHONE, before=[code]))
    me.tap("button[name=op][value=code]")
    assert page.url == base + "/", page.url  # back where the 登录 link was followed
    assert page.locator("#site-nav a[href='/my/cases/']").count() == 1

    # 3. the search in everyday words: “开餐馆” finds 食品经营许可, part of 开办餐馆
    assert "开餐馆" in search_words
    me.nav("首页")
    page.locator("main form[role=search] input[name=q], main input[name=q]").first.fill("开餐馆")
    page.locator("main input[name=q]").first.press("Enter")
    page.wait_for_url(re.compile(r".*/services/\?.*q=.*"))
    me.fits()
    hit = page.locator("main").get_by_role("link", name="食品经营许可").first
    assert hit.is_visible()
    (hit.tap if me.phone else hit.click)()
    page.wait_for_url("**/services/000007510700CITYMARKET02/")
    me.fits()
    bundle_link = page.locator("main").get_by_role("link", name="开办餐馆")
    (bundle_link.tap if me.phone else bundle_link.click)()
    page.wait_for_url("**/bundles/kaiban-canguan/")
    me.fits()

    # 4. the guided form: who applies, the new company, the materials with a phone photo
    me.tap("a[href='/apply/guided/bundle/kaiban-canguan/']")
    page.wait_for_url(re.compile(r".*/apply/drafts/[^/]+/applicant/$"))
    me.fits()
    if not page.input_value("#id_applicant_code"):
        page.fill("#id_applicant_code", ID_NUMBER)
    if not page.input_value("#id_applicant_phone"):
        page.fill("#id_applicant_phone", PHONE)
    me.tap("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/details/$"))
    me.fits()
    page.fill("#id_company_name", "绵阳小明餐饮有限公司")
    page.select_option("#id_company_type", "llc")
    page.fill("#id_registered_capital", "30")
    page.fill("#id_address", "绵阳市涪城区临园路 18 号")
    page.fill("#id_business_scope", "餐饮服务")
    me.tap("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/materials/$"))
    me.fits()
    inputs = page.locator("input[type=file]")
    assert inputs.count() == 3  # 公司登记申请书, 住所使用证明, 食品安全管理制度
    inputs.nth(0).set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    inputs.nth(2).set_input_files(
        {"name": "制度.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )

    # 5. 住所使用证明 left out: the error beside that field, the photo kept
    me.tap("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/materials/$"))
    me.fits()
    missing = page.locator(".mat.has-error")
    assert missing.count() == 1 and "住所使用证明" in missing.inner_text()
    assert missing.locator(".errorlist").inner_text().strip()
    kept = page.locator("[data-testid^=kept-]")
    assert kept.count() == 2
    assert "IMG_0001.jpg" in kept.first.inner_text() and "已压缩" in kept.first.inner_text()
    missing.locator("input[type=file]").set_input_files(
        {"name": "住所.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    me.tap("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/review/$"))
    me.fits()
    assert "绵阳小明餐饮有限公司" in page.locator("[data-testid=new-company]").inner_text()

    # 6. a double click on 提交申请 makes one case
    page.check("#id_confirm")
    page.dblclick("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/my/cases/[^/]+/$"))
    me.fits()
    page.wait_for_timeout(500)  # a second request, if one went out, has landed by now
    assert Case.objects.filter(parent=None).count() == 1
    parent = Case.objects.get(parent=None)
    assert parent.user == account.user and parent.children.count() == 2
    photo = CaseMaterial.objects.get(content_type="image/jpeg")
    with photo.stored_name.open("rb") as f, Image.open(f) as img:
        assert max(img.size) <= 2400 and img.size == (2400, 1800), img.size
    food = parent.children.get(item__name="食品经营许可")
    setup = parent.children.get(item__name="企业设立登记")

    # 7. staff (a second browser): accept both, ask a 补正 of 食品经营许可 naming a material
    staff_ctx, desk = _login_staff(browser, base, "chengban")
    for case in (setup, food):
        _staff_open(desk, base, case.number)
        _staff_do(desk, "accept")
    supp = desk.locator("[data-testid=form-request_supplement]")
    supp.get_by_label("食品安全管理制度").check()
    with desk.expect_navigation():
        supp.locator("[data-testid=do-request_supplement]").click()
    food.refresh_from_db()
    assert food.status == Status.SUPPLEMENT
    assert [m["name"] for m in food.missing_materials] == ["食品安全管理制度"]

    # 8. the person answers the 补正 on a phone (the same account on the phone's browser)
    mobile = me if me.phone else Person(browser, base, "phone")
    if mobile is not me:
        mobile.context.add_cookies(me.context.cookies())
    mp = mobile.page
    mobile.goto("/")
    todo = mp.locator("main").get_by_role("link", name=re.compile("补正"))
    assert todo.count() >= 1, mp.locator("main").inner_text()
    with mp.expect_navigation():
        todo.first.tap()
    mobile.fits()
    form = mp.locator("[data-testid=resubmit-form]")
    assert "食品安全管理制度" in form.inner_text()
    form.locator("input[type=file]").set_input_files(
        {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    mobile.tap("[data-testid=resubmit]")
    assert "补正材料已提交" in mp.locator(".messages").inner_text()
    food.refresh_from_db()
    assert food.status == Status.ACCEPTED
    answer = CaseMaterial.objects.get(case=parent, round=1)
    assert answer.name == "食品安全管理制度" and answer.content_type == "image/jpeg"
    with answer.stored_name.open("rb") as f, Image.open(f) as img:
        assert img.size == (2400, 1800), img.size  # the phone's photo downscaled here too

    # 9. the 受理通知书 PDF carries the signed status link: open it anonymously
    me.nav("我的办件")
    with page.expect_navigation():
        page.locator(f"[data-testid=my-case-{parent.number}] h2 a").click()
    me.fits()
    notice = page.locator(f"[data-testid=notice-acceptance-{food.number}]")
    assert notice.inner_text() == "食品经营许可受理通知书(PDF)"
    pdf = page.request.get(base + notice.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    url = _qr_link(pdf.body())  # what a phone's camera reads from the printed QR code
    assert f"/track/{parent.number}/" in url
    assert url == _status_link(pdf.body())  # the same link is printed beside it
    anon = Person(browser, base, kind)
    anon.page.goto(url)
    anon.fits()
    status = anon.page.locator("main").inner_text()
    assert "开办餐馆" in status and "食品经营许可" in status and "已受理" in status
    assert not any(re.search(rf"\b{c}\b", status) for c in CODES), status
    assert NAME not in status and ID_NUMBER not in status  # personal data not shown

    # 10. staff complete both — 企业设立登记 founds the company: the handler enters its new
    # 统一社会信用代码 — and the person rates with one tap on a star and a comment
    for case, reason in (
        (setup, "经审查,申请符合法定条件,准予登记。"),
        (food, "材料齐全,准予许可。"),
    ):
        _staff_open(desk, base, case.number)
        _staff_do(desk, "start")
        _staff_do(desk, "review")
        desk.select_option("[data-testid=outcome]", "approved")
        if case == setup:
            desk.fill("[data-testid=new-enterprise-uscc-complete]", NEW_USCC)
        _staff_do(desk, "complete", reason=reason)
    staff_ctx.close()
    parent.refresh_from_db()
    assert parent.status in (Status.COMPLETED, Status.DELIVERED), parent.status
    company = Enterprise.objects.get(uscc=NEW_USCC)
    assert parent.enterprise_id == company.pk  # the bundle now names the new company
    assert ELicence.objects.filter(enterprise=company).exists()  # the licence is the company's
    me.goto("/")
    rate = page.locator("main").get_by_role("link", name=re.compile("评价"))
    assert rate.count() >= 1, page.locator("main").inner_text()
    with page.expect_navigation():
        (rate.first.tap if me.phone else rate.first.click)()
    me.fits()
    me.tap("label[data-star='5']", navigates=False)
    assert page.locator("[data-testid=star-5]").is_checked()
    page.fill("textarea[name=comment]", "网上就办完了,不用跑腿")
    with page.expect_navigation():
        page.dblclick("[data-testid=rate]")
    me.fits()
    assert "非常满意" in page.locator("main").inner_text()
    assert Evaluation.objects.count() == 1
    ev = Evaluation.objects.get()
    assert ev.level == 5 and ev.comment == "网上就办完了,不用跑腿"
    assert ev.evaluator == account.user
    for person in {me, mobile, anon}:
        person.close()


def _qr_link(pdf: bytes) -> str:
    """The QR code of the notice, read as a phone's camera would: the PDF's first page rendered
    to pixels (pdfium) and the code decoded (zxing-cpp), with no knowledge of how it was drawn."""
    import pypdfium2
    import zxingcpp

    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=3).to_pil().convert("L")
    finally:
        doc.close()
    codes = [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, codes
    return codes[0].text


def _status_link(pdf: bytes) -> str:
    """The status link a notice prints beside its QR code (cases/templates/cases/notice.html)."""
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    found = re.search(r"https?://\S+?/track/\S+?/\S+?/", text.replace("\n", ""))
    assert found, text
    return found.group(0)
