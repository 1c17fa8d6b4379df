"""The portal inside WeChat's in-app browser (channels/inbrowser.py and the cases pages): the
login through the web authorisation, the push marker, the channel recorded on what is sent from
WeChat, notices WeChat can show, and the fake authorisation page's memory of the phone."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from tests.cases.conftest import upload
from yingshang.channels import binding
from yingshang.channels.inbrowser import mark
from yingshang.channels.models import Follower

from .conftest import OPENID
from .test_binding import _authorise

pytestmark = pytest.mark.django_db

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0 Mobile Safari/537.36 XWEB/1260117 MicroMessenger/8.0.49.2600"
    "(0x28003133) NetType/WIFI Language/zh_CN"
)
IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture
def configured(wechat_env):
    return True


def _next_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["next"][0]


def test_mark_adds_the_marker_once_and_leaves_other_links():
    assert mark("/my/cases/X-1/") == "/my/cases/X-1/?wx=1"
    assert mark("/track/?number=1&wx=1") == "/track/?number=1&wx=1"
    assert mark("/a/?b=2#top") == "/a/?b=2&wx=1#top"
    assert mark("https://example.cn/x") == "https://example.cn/x"
    assert mark("//evil.example/x") == "//evil.example/x"
    assert mark("") == ""


def test_a_page_needing_login_goes_through_the_authorisation_in_wechat(client, configured):
    r = client.get("/my/cases/?page=2", HTTP_USER_AGENT=IOS)
    assert r.status_code == 302
    assert urlsplit(r["Location"]).path == "/wechat/oauth/"
    assert _next_of(r["Location"]) == "/my/cases/?page=2"


def test_outside_wechat_the_login_page_as_before(client, configured):
    r = client.get("/my/cases/", HTTP_USER_AGENT=DESKTOP)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    r = client.get("/?wx=1", HTTP_USER_AGENT=DESKTOP)
    assert r.status_code == 200  # the marker means nothing outside WeChat


def test_without_the_account_nothing_changes(client, db):
    r = client.get("/my/cases/", HTTP_USER_AGENT=IOS)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.get("/?wx=1", HTTP_USER_AGENT=IOS).status_code == 200


def test_the_marker_logs_in_first_on_a_public_page_and_is_dropped(client, configured):
    r = client.get("/services/?q=营业执照&wx=1", HTTP_USER_AGENT=ANDROID)
    assert r.status_code == 302 and urlsplit(r["Location"]).path == "/wechat/oauth/"
    assert unquote(_next_of(r["Location"])) == "/services/?q=营业执照"
    # without the marker a public page is simply shown
    assert client.get("/services/", HTTP_USER_AGENT=ANDROID).status_code == 200


def test_a_logged_in_person_is_left_alone(client, configured, portal_users):
    client.force_login(portal_users["shimin"])
    assert client.get("/my/cases/?wx=1", HTTP_USER_AGENT=IOS).status_code == 200


def test_a_known_unbound_openid_goes_to_the_binding_page(client, configured):
    session = client.session
    session[binding.SESSION_OPENID] = OPENID
    session.save()
    r = client.get("/my/cases/", HTTP_USER_AGENT=IOS)
    assert r.status_code == 302 and urlsplit(r["Location"]).path == "/wechat/bind/"
    assert _next_of(r["Location"]) == "/my/cases/"


def test_binding_and_login_pages_and_posts_are_not_redirected(client, configured):
    session = client.session
    session[binding.SESSION_OPENID] = OPENID
    session.save()
    # the binding page sends an anonymous person to the login page: no loop back to it
    r = client.get("/wechat/bind/", HTTP_USER_AGENT=IOS)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/", HTTP_USER_AGENT=IOS).status_code == 200
    r = client.post("/my/cases/X-1/action/", {"action": "withdraw"}, HTTP_USER_AGENT=IOS)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_bound_openid_comes_back_logged_in_on_the_same_page(
    client, configured, fake, monkeypatch
):
    import os

    from tests.accounts.factories import AccountFactory
    from yingshang.channels.config import clear_cache

    monkeypatch.setenv("WECHAT_OAUTH_BASE", os.environ["WECHAT_API_BASE"])
    clear_cache()
    person = AccountFactory().user
    Follower.objects.create(openid=OPENID, user=person, subscribed=True)
    r = client.get("/my/cases/?page=1&wx=1", HTTP_USER_AGENT=IOS)
    assert urlsplit(r["Location"]).path == "/wechat/oauth/"
    # the rest of the round trip as the binding tests make it (over HTTP at the fake)
    r = _authorise(client, os.environ["WECHAT_API_BASE"], next_url=_next_of(r["Location"]))
    assert r.status_code == 302 and r["Location"] == "/my/cases/?page=1"
    assert int(client.session["_auth_user_id"]) == person.pk


def test_the_fake_authorisation_remembers_the_phone(fake_server_url):
    params = {
        "appid": "wx5823bf96d3bd56c7",
        "redirect_uri": "http://testserver/wechat/oauth/callback/",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "s",
    }
    session = requests.Session()
    first = session.get(f"{fake_server_url}/connect/oauth2/authorize", params=params, timeout=5)
    assert first.status_code == 200 and "OpenID" in first.text  # who holds the phone?
    r = session.get(
        f"{fake_server_url}/connect/oauth2/authorize",
        params={**params, "openid": OPENID},
        allow_redirects=False,
        timeout=5,
    )
    assert r.status_code == 302
    # the same browser again: silent, as snsapi_base is on a phone
    again = session.get(
        f"{fake_server_url}/connect/oauth2/authorize",
        params=params,
        allow_redirects=False,
        timeout=5,
    )
    assert again.status_code == 302 and "code=" in again.headers["Location"]
    assert requests.get(
        f"{fake_server_url}/connect/oauth2/authorize", params=params, timeout=5
    ).text.count("OpenID")  # another browser is asked


@pytest.fixture
def fake_server_url(fake):
    import os

    return os.environ["WECHAT_API_BASE"]


# --------------------------------------------------------------------------- cases pages


def _ask_for_a_supplement(case, handler):
    """The handler asks for the first material again; its upload slot."""
    from yingshang.cases import workflow
    from yingshang.cases.services import material_slots

    slot = material_slots([case.version])[0]
    workflow.transition(
        case, "request_supplement", handler, missing=[{"key": slot.key, "name": slot.name}]
    )
    return slot


def test_a_supplement_from_wechat_is_recorded_as_wechat_and_its_photo_scaled(
    client, submitted, staff, portal_users
):
    import io

    from PIL import Image

    from yingshang.cases.models import CaseEvent

    slot = _ask_for_a_supplement(submitted, staff["chengban"])
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 20, 30)).save(buf, "JPEG", quality=90)
    client.force_login(portal_users["qiye"])
    r = client.post(
        f"/my/cases/{submitted.number}/action/",
        {
            "action": "resubmit",
            f"material_{slot.key}": upload("IMG_1.jpg", buf.getvalue(), "image/jpeg"),
        },
        HTTP_USER_AGENT=ANDROID,
    )
    assert r.status_code == 302
    event = CaseEvent.objects.get(case=submitted, action="resubmit")
    assert event.channel == "wechat"
    material = submitted.materials.get(round=1)
    with material.stored_name.open("rb") as fh:
        assert max(Image.open(fh).size) == 2400


def test_a_supplement_from_a_desktop_browser_is_online(client, submitted, staff, portal_users):
    from yingshang.cases.models import CaseEvent

    slot = _ask_for_a_supplement(submitted, staff["chengban"])
    client.force_login(portal_users["qiye"])
    import io

    from PIL import Image as PILImage

    small = io.BytesIO()
    PILImage.new("RGB", (64, 48), "white").save(small, "PNG")
    client.post(
        f"/my/cases/{submitted.number}/action/",
        {
            "action": "resubmit",
            f"material_{slot.key}": upload("a.png", small.getvalue(), "image/png"),
        },
        HTTP_USER_AGENT=DESKTOP,
    )
    assert CaseEvent.objects.get(case=submitted, action="resubmit").channel == "online"
    assert submitted.materials.get(round=1).original_name == "a.png"


def test_notices_in_wechat_on_android_and_ios(client, submitted, staff, portal_users):
    from yingshang.cases import workflow

    workflow.transition(submitted, "accept", staff["chengban"])
    client.force_login(portal_users["qiye"])
    url = f"/my/cases/{submitted.number}/notice/acceptance.pdf"
    # iOS WeChat (WKWebView) shows a PDF itself: served inline
    r = client.get(url, HTTP_USER_AGENT=IOS)
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'inline; filename="{submitted.number}-acceptance.pdf"'
    # Android WeChat neither shows nor downloads it: the signed address, as a page saying how
    # to open it in the phone's browser
    r = client.get(url, HTTP_USER_AGENT=ANDROID)
    assert r.status_code == 302
    signed = r["Location"]
    assert signed.startswith(f"/track/{submitted.number}/") and signed.endswith("/acceptance.pdf")
    page = client.get(signed, HTTP_USER_AGENT=ANDROID)
    assert page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "在浏览器打开" in text and f"http://testserver{signed}" in text
    # the same address in the phone's browser (another session, no login): the PDF
    from django.test import Client

    outside = Client().get(signed, HTTP_USER_AGENT=DESKTOP)
    assert outside["Content-Type"] == "application/pdf" and outside.content.startswith(b"%PDF")
    en = client.get(signed, HTTP_USER_AGENT=ANDROID, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open in Browser" in en


def test_an_application_from_wechat_is_a_wechat_case(client, catalog, portal_users):
    from tests.cases.conftest import RIC
    from yingshang.cases.models import Case
    from yingshang.cases.services import material_slots

    item = catalog["immediate"]
    [slot] = material_slots([item.current_version])
    client.force_login(portal_users["shimin"])
    r = client.post(
        f"/apply/{item.implementation_code}/",
        {
            "applicant_kind": "person",
            "applicant_code": RIC,
            "applicant_name": "张三",
            "applicant_phone": "13900001234",
            "division": item.department.division_id,
            f"material_{slot.key}": upload(),
        },
        HTTP_USER_AGENT=IOS,
    )
    assert r.status_code == 302, r.content[:2000]
    assert Case.objects.get(user=portal_users["shimin"]).channel == "wechat"
