"""The done-when test of #14: one person's whole journey through the 绵阳政事 official account on
a 390×844 phone in WeChat's in-app browser (its user agent), against the running server
(``live_server``), the fake WeChat API server (authorisation page, pushes) and the fake SMS
provider, all over HTTP. Staff act through the services. Pushes are sent by the real
``WeChatSender`` through the notification centre's delivery task (the immediate task backend of
the tests), never patched.

follow (signed subscribe event → welcome) → 我的办件 from the menu → web authorisation → bind
with an SMS code → apply with a photo → 受理 push → the notice on WeChat/Android → 补正 push,
answered from the phone after opening the push's link (logged in by the authorisation alone) →
办结 push → rating from the pushed link."""

import io
import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from .conftest import OPENID, ORIGINAL_ID, TOKEN, content_of, sha1_sorted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WeChat 8.0 on Android (XWeb): the user agent WeChat's in-app browser sends
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 XWEB/1260117 "
    "MMWEBSDK/20240404 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sms(settings, sms_server):
    """The fake SMS provider, Tencent's protocol (both are covered in test_binding.py)."""
    from ..notifications.conftest import configure_sms

    return configure_sms(settings, sms_server, "tencent")


@pytest.fixture
def account_on(fake, monkeypatch, settings, live_server):
    """The account pointed at the fake (API and authorisation page) and links at the server."""
    import os

    from yingshang.channels.config import clear_cache
    from yingshang.channels.models import TemplateMapping

    monkeypatch.setenv("WECHAT_OAUTH_BASE", os.environ["WECHAT_API_BASE"])
    clear_cache()
    settings.SITE_URL = live_server.url
    TemplateMapping.objects.create(
        category="case",
        kind="subscribe",
        template_id="CASE-TPL-1",
        fields={"thing1": "title", "thing2": "body", "time3": "created_at"},
    )
    return os.environ["WECHAT_API_BASE"]


@pytest.fixture
def item(catalog):
    from yingshang.catalog import services as cat

    return cat.create_item(
        implementation_code="000009510700CITYMARKET09",
        basic_code="000009510700",
        name="个体工商户设立登记",
        category="licensing",
        department=catalog["registration"].department,
        kind="committed",
        legal_limit_days=15,
        committed_limit_days=3,
        service_scope="city",
        materials=[
            {"name": "经营者身份证明", "requirement": "required"},
            {"name": "经营场所证明", "requirement": "required"},
        ],
    )


def _photo(width=4000, height=3000) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 90)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _image_size(material) -> tuple[int, int]:
    from PIL import Image

    with material.stored_name.open("rb") as fh:
        return Image.open(fh).size


def _at(base: str, path: str):
    """The page at ``path`` exactly (no query: the marker is gone). WeChat's ``#wechat_redirect``
    fragment stays on the address through the redirects, as it does in WeChat."""
    return re.compile(re.escape(base + path) + r"(#wechat_redirect)?$")


def _cut(value: str, limit: int = 20) -> str:
    """WeChat's limit of a ``thing`` value, as the sender applies it."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _follow(base: str) -> str:
    """WeChat's servers POST a signed 关注 event to the callback; the reply's text."""
    timestamp, nonce = str(int(time.time())), f"{time.time_ns() % 10**9}"
    xml = (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>"
    )
    r = requests.post(
        f"{base}/wechat/",
        params={
            "signature": sha1_sorted(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": OPENID,
        },
        data=xml.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    assert r.status_code == 200
    return content_of(r.content.decode())


def _pushes(fake_url: str) -> list[dict]:
    """What the fake WeChat API server received for the person, over HTTP."""
    r = requests.get(f"{fake_url}/_fake/messages", params={"touser": OPENID}, timeout=5)
    return r.json()["messages"]


def _code_exchanges(fake_url: str) -> int:
    """How many authorisation codes the server exchanged for an openid at the fake."""
    stats = requests.get(f"{fake_url}/_fake/stats", timeout=5).json()
    return stats["requests"].get("/sns/oauth2/access_token", 0)


def _check_push(push, notification, case, live_url):
    assert push["kind"] == "subscribe" and push["template_id"] == "CASE-TPL-1"
    assert push["touser"] == OPENID
    assert set(push["data"]) == {"thing1", "thing2", "time3"}
    assert push["data"]["thing1"]["value"] == _cut(notification.title)
    assert push["data"]["thing2"]["value"] == _cut(notification.body)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", push["data"]["time3"]["value"])
    # the case page on this site, with the marker that logs in through the authorisation
    assert push["page"] == f"{live_url}/my/cases/{case.number}/?wx=1"


def _latest(user, status_label):
    from yingshang.notifications.models import Notification

    return (
        Notification.objects.filter(recipient=user, title__endswith=f":{status_label}")
        .order_by("-id")
        .first()
    )


def test_a_person_follows_binds_applies_answers_a_supplement_and_rates_on_the_phone(
    live_server, browser_page, account_on, sms, item, staff, templates
):
    from tests.accounts.factories import PASSWORD, AccountFactory
    from tests.cases.conftest import RIC
    from yingshang.cases import workflow
    from yingshang.cases.models import Case, CaseEvent, Status
    from yingshang.channels import menu
    from yingshang.channels.models import Follower
    from yingshang.evaluations.models import Evaluation
    from yingshang.notifications.models import Delivery, DeliveryStatus

    base, fake_url = live_server.url, account_on
    person = AccountFactory().user
    phone_number = person.account.phone

    # 1. 关注: the signed event, the welcome text, the follower recorded (not bound yet)
    welcome = _follow(base)
    assert "欢迎关注" in welcome and "我的办件" in welcome
    follower = Follower.objects.get(openid=OPENID)
    assert follower.subscribed and follower.user is None

    # the menu's 我的办件 is the portal page itself
    menu.load_default()
    [service] = [b for b in menu.build()["button"] if b["name"] == "办事服务"]
    my_cases_url = next(s["url"] for s in service["sub_button"] if s["name"] == "我的办件")
    assert my_cases_url == f"{base}/my/cases/"

    # 2. the phone: WeChat's browser at 390×844
    browser = browser_page.context.browser
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, user_agent=WECHAT_UA, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(my_cases_url)
    # not logged in on a page that needs it: off to WeChat's authorisation page (the fake's,
    # which asks who holds the phone; real WeChat knows and is silent)
    page.wait_for_url(re.compile(r".*/connect/oauth2/authorize\?.*"))
    query = urlsplit(page.url).query
    assert "scope=snsapi_base" in query and "response_type=code" in query
    page.fill("input[name=openid]", OPENID)
    page.click("text=允许")
    # the openid is not bound: the binding page, which first asks the applicant to log in
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.fill("#id_pw-login", person.username)
    page.fill("#id_pw-password", PASSWORD)
    page.click("button[name=op][value=password]")
    page.wait_for_url(re.compile(r".*/wechat/bind/.*"))
    assert phone_number not in page.content()  # masked
    page.click("button[name=action][value=send]")
    page.wait_for_load_state()
    [sent] = sms.state.for_phone(phone_number)
    assert sent["template"] == "otp"
    page.fill("#id_code", sent["params"]["code"])
    page.check("#id_consent")
    page.click("button[name=action][value=bind]")
    # bound, and back on the page the menu opened, logged in
    page.wait_for_url(_at(base, "/my/cases/"))
    follower.refresh_from_db()
    assert follower.user == person and follower.bound_at is not None
    assert page.locator("a[target=_blank]").count() == 0  # no pop-ups in WeChat's browser

    # 3. apply with a photo from the camera (the guided application)
    page.goto(f"{base}/apply/guided/item/{item.implementation_code}/")
    page.wait_for_url(re.compile(r".*/applicant/$"))
    page.check("input[name=applicant_kind][value=person]")
    page.fill("#id_applicant_code", RIC)
    page.fill("#id_applicant_name", person.full_name)
    page.fill("#id_applicant_phone", phone_number)
    page.click("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/details/$"))
    page.select_option("#id_division", str(item.division_id or item.department.division_id))
    page.click("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/materials/$"))
    inputs = page.locator("input[type=file]")
    assert inputs.count() == 2 and "image/*" in inputs.first.get_attribute("accept")
    assert inputs.first.get_attribute("capture") is None  # the phone's chooser, camera included
    inputs.nth(0).set_input_files(
        {"name": "IMG_3001.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    inputs.nth(1).set_input_files(
        {"name": "IMG_3002.jpg", "mimeType": "image/jpeg", "buffer": _photo(800, 600)}
    )
    page.click("[data-testid=next]")
    page.wait_for_url(re.compile(r".*/review/$"))
    page.check("#id_confirm")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/my/cases/[^/]+/$"))
    case = Case.objects.get(user=person)
    assert case.channel == "wechat"  # applied inside the official account
    big = case.materials.get(original_name="IMG_3001.jpg")
    assert big.content_type == "image/jpeg" and max(_image_size(big)) == 2400  # downscaled
    assert _image_size(case.materials.get(original_name="IMG_3002.jpg")) == (800, 600)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 4. staff accept (services): the 受理 push, sent over HTTP by the real sender
    before = len(_pushes(fake_url))
    handler = staff["chengban"]
    case = workflow.transition(case, "accept", handler)
    pushes = _pushes(fake_url)
    assert len(pushes) == before + 1
    accepted = _latest(person, "已受理")
    assert accepted.title == f"办件 {case.number}:已受理"
    _check_push(pushes[-1], accepted, case, base)
    assert accepted.deliveries.get(channel="wechat").status == DeliveryStatus.SENT
    assert not accepted.deliveries.filter(channel="sms").exists()  # WeChat first, no SMS

    # the 受理通知书 from the case page: WeChat on Android shows no PDF, so a page says how to
    # open the same (signed) address in the phone's browser, where it is the PDF itself
    page.goto(f"{base}/my/cases/{case.number}/")
    page.click(f"a[href='/my/cases/{case.number}/notice/acceptance.pdf']")
    page.wait_for_selector("[data-testid=notice-in-wechat]")
    notice_url = page.locator("[data-testid=notice-url]").inner_text().strip()
    assert re.fullmatch(
        rf"{re.escape(base)}/track/{case.number}/[^/]+/notice/acceptance\.pdf", notice_url
    )
    outside = requests.get(notice_url, timeout=20)  # the phone's own browser: no WeChat
    assert outside.headers["Content-Type"] == "application/pdf"
    assert outside.headers["Content-Disposition"].startswith("inline;")
    assert outside.content.startswith(b"%PDF")

    # 5. 补正: requested by staff, pushed; the person opens the push's link in a new WeChat
    # session (no cookie of the site): the authorisation alone logs them in
    slot = case.version.materials.order_by("id").last()
    from yingshang.cases.services import material_slots

    key = next(s.key for s in material_slots([case.version]) if s.name == slot.name)
    case = workflow.transition(
        case, "request_supplement", handler, missing=[{"key": key, "name": slot.name}]
    )
    pushes = _pushes(fake_url)
    asked = _latest(person, "待补正")
    assert asked is not None and "经营场所证明" in asked.body
    _check_push(pushes[-1], asked, case, base)
    exchanges = _code_exchanges(fake_url)
    context.clear_cookies(name="sessionid")
    assert not [c for c in context.cookies() if c["name"] == "sessionid"]
    page.goto(pushes[-1]["page"])
    page.wait_for_url(_at(base, f"/my/cases/{case.number}/"))  # the marker is gone, logged in
    assert _code_exchanges(fake_url) == exchanges + 1  # through the authorisation
    assert page.locator("[data-testid=resubmit-form]").is_visible()
    page.set_input_files(
        f"[data-testid=supp-{key}]",
        {"name": "IMG_3003.jpg", "mimeType": "image/jpeg", "buffer": _photo(3000, 4000)},
    )
    page.click("[data-testid=resubmit]")
    page.wait_for_load_state()
    assert "补正材料已提交" in page.content()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    answer = CaseEvent.objects.get(case=case, action="resubmit")
    assert answer.channel == "wechat" and answer.actor == person  # counted as from the phone
    supplement = case.materials.get(round=1)
    assert max(_image_size(supplement)) == 2400  # the phone photo scaled down on this path too

    # 6. 办结: pushed; the person rates the service from the pushed link
    case = workflow.transition(case, "complete", handler, outcome="approved")
    done = _latest(person, "已办结")
    pushes = _pushes(fake_url)
    _check_push(pushes[-1], done, case, base)
    wechat = Delivery.objects.filter(notification__recipient=person, channel="wechat")
    assert wechat.count() == len(pushes)  # one push per status notification, all delivered
    assert set(wechat.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    exchanges = _code_exchanges(fake_url)
    context.clear_cookies(name="sessionid")
    page.goto(pushes[-1]["page"])
    page.wait_for_url(_at(base, f"/my/cases/{case.number}/"))
    assert _code_exchanges(fake_url) == exchanges + 1
    page.click("label[data-star='5']")
    page.fill("#rate-form textarea", "在微信里就办完了")
    page.click("[data-testid=rate]")
    page.wait_for_selector("[data-testid=rated]")
    rating = Evaluation.objects.get(object_id=str(case.pk))
    assert rating.level == 5 and rating.evaluator == person
    context.close()
