"""Identity binding (#14 item 2): WeChat's web authorisation against the fake WeChat server over
HTTP (its authorisation page redirects with a code, ``/sns/oauth2/access_token`` exchanges it),
the one-time code to the account's phone through the fake SMS provider (both protocols, each
request's signature checked by the fake), consent, unbinding, and the refusals: forged,
replayed or expired state, a refused code, no consent, a wrong code, staff, another person's
binding."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.accounts.factories import AccountFactory
from yingshang.channels import binding, handlers
from yingshang.channels.models import Follower, RefusalCount, RefusalReason
from yingshang.platform.models import AuditEntry

from .conftest import APP_ID, OPENID

pytestmark = pytest.mark.django_db

OTHER_OPENID = "oXyZ0123456789abcdefGHIJ"


@pytest.fixture
def applicant(db):
    return AccountFactory().user


def _authorise(client, fake_url: str, openid: str = OPENID, next_url: str = "/my/cases/"):
    """The round trip a phone makes: our start page → WeChat's authorisation page (the fake,
    over HTTP) → our callback with the code and the state."""
    start = client.get("/wechat/oauth/", {"next": next_url})
    assert start.status_code == 302
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == fake_url
    assert authorize.path == "/connect/oauth2/authorize"
    assert authorize.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert query["appid"] == APP_ID
    assert query["scope"] == "snsapi_base" and query["response_type"] == "code"
    assert query["redirect_uri"].endswith("/wechat/oauth/callback/")
    answer = requests.get(
        f"{fake_url}/connect/oauth2/authorize",
        params={**query, "openid": openid},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    back_query = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert back_query["state"] == query["state"]
    return client.get(back.path, back_query)


@pytest.fixture
def fake_url(fake, monkeypatch):
    import os

    from yingshang.channels.config import clear_cache

    url = os.environ["WECHAT_API_BASE"]
    monkeypatch.setenv("WECHAT_OAUTH_BASE", url)
    clear_cache()
    return url


def _code_sent(sms_server, phone: str) -> str:
    messages = sms_server.state.for_phone(phone)
    assert messages, f"no SMS to {phone}"
    assert messages[-1]["template"] == "otp"
    return messages[-1]["params"]["code"]


def test_bind_with_a_code_then_the_authorisation_logs_the_person_in(
    client, fake_url, sms, applicant
):
    phone = applicant.account.phone
    r = _authorise(client, fake_url)
    assert r.status_code == 302 and r["Location"].startswith("/wechat/bind/")
    # not logged in: the applicant login page first, back to the binding afterwards
    r = client.get(r["Location"])
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    client.force_login(applicant)
    page = client.get("/wechat/bind/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "绑定说明" in text and phone not in text  # the phone is shown masked
    assert phone[:3] + "****" + phone[-4:] in text
    r = client.post("/wechat/bind/", {"action": "send"})
    assert r.status_code == 200
    code = _code_sent(sms, phone)
    r = client.post("/wechat/bind/", {"action": "bind", "code": code, "consent": "on"})
    assert r.status_code == 302 and r["Location"] == "/my/cases/"
    follower = Follower.objects.get(openid=OPENID)
    assert follower.user == applicant and follower.bound_at is not None
    entry = AuditEntry.objects.filter(
        object_type="channels.Follower", object_id=str(follower.pk)
    ).last()
    assert entry is not None and OPENID not in str(entry.changes)

    # another browser (a push's link opened later): the authorisation alone logs in
    from django.test import Client

    phone_browser = Client()
    r = _authorise(phone_browser, fake_url, next_url="/my/cases/")
    assert r.status_code == 302 and r["Location"] == "/my/cases/"
    assert int(phone_browser.session["_auth_user_id"]) == applicant.pk


def test_a_forged_state_is_refused_counted_and_stores_nothing(client, fake_url, fake):
    code = fake.add_oauth_code(OPENID)
    r = client.get("/wechat/oauth/callback/", {"code": code, "state": "forged"})
    assert r.status_code == 400
    assert "授权" in r.content.decode()
    assert binding.SESSION_OPENID not in client.session
    assert not Follower.objects.exists()
    assert RefusalCount.objects.get(reason=RefusalReason.OAUTH).count == 1


def test_a_state_from_another_browser_or_used_twice_is_refused(client, fake_url, fake):
    from django.test import Client

    start = client.get("/wechat/oauth/", {"next": "/my/cases/"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    # a state signed by us, but asked for by another browser (its session has no nonce)
    other = Client()
    r = other.get("/wechat/oauth/callback/", {"code": fake.add_oauth_code(OPENID), "state": state})
    assert r.status_code == 400
    # the right browser: accepted once …
    r = client.get("/wechat/oauth/callback/", {"code": fake.add_oauth_code(OPENID), "state": state})
    assert r.status_code == 302
    # … and not again (the nonce is used up)
    r = client.get("/wechat/oauth/callback/", {"code": fake.add_oauth_code(OPENID), "state": state})
    assert r.status_code == 400


def test_an_expired_state_is_refused(client, fake_url, fake, settings):
    start = client.get("/wechat/oauth/", {"next": "/my/cases/"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    settings.WECHAT_OAUTH_STATE_SECONDS = -1
    r = client.get("/wechat/oauth/callback/", {"code": fake.add_oauth_code(OPENID), "state": state})
    assert r.status_code == 400


def test_a_code_the_server_refuses_is_refused(client, fake_url):
    start = client.get("/wechat/oauth/", {"next": "/my/cases/"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    r = client.get("/wechat/oauth/callback/", {"code": "never-issued", "state": state})
    assert r.status_code == 400  # the fake answered errcode 40029
    assert binding.SESSION_OPENID not in client.session


def test_the_next_page_is_kept_on_this_site(client, fake_url):
    start = client.get("/wechat/oauth/", {"next": "https://evil.example/steal"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    from django.core import signing

    data = signing.loads(state, salt=binding.STATE_SALT)
    assert data["next"] == "/my/cases/"


def test_without_configuration_the_pages_do_not_exist(client, db):
    assert client.get("/wechat/oauth/").status_code == 404
    assert client.get("/wechat/oauth/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_the_fake_authorisation_page_refuses_another_appid(fake_url):
    r = requests.get(
        f"{fake_url}/connect/oauth2/authorize",
        params={
            "appid": "wx-someone-else",
            "redirect_uri": "http://testserver/wechat/oauth/callback/",
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "s",
            "openid": OPENID,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert r.status_code == 400


def _bound_session(client, fake_url, user):
    _authorise(client, fake_url)
    client.force_login(user)
    session = client.session
    session[binding.SESSION_OPENID] = OPENID
    session.save()


@pytest.mark.parametrize(
    ("data", "field", "zh", "en"),
    [
        ({"code": "123456"}, "consent", "请阅读并同意绑定说明", "Please read and agree"),
        ({"code": "12ab", "consent": "on"}, "code", "6 位数字", "6 digits"),
    ],
)
def test_bind_form_errors_are_beside_the_field(client, fake_url, applicant, data, field, zh, en):
    _bound_session(client, fake_url, applicant)
    r = client.post("/wechat/bind/", {"action": "bind", **data})
    assert r.status_code == 400
    assert zh in str(r.context["form"].errors[field])
    r = client.post("/wechat/bind/", {"action": "bind", **data}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert en in str(r.context["form"].errors[field])
    assert not Follower.objects.filter(user=applicant).exists()


def test_a_wrong_code_binds_nothing(client, fake_url, sms, applicant):
    _bound_session(client, fake_url, applicant)
    client.post("/wechat/bind/", {"action": "send"})
    right = _code_sent(sms, applicant.account.phone)
    wrong = "000000" if right != "000000" else "111111"
    r = client.post("/wechat/bind/", {"action": "bind", "code": wrong, "consent": "on"})
    assert r.status_code == 400
    assert r.context["form"].errors["code"]
    assert not Follower.objects.filter(user=applicant).exists()


def test_staff_cannot_bind_here(client, fake_url, staff):
    _bound_session(client, fake_url, staff["admin"])
    r = client.get("/wechat/bind/")
    assert r.status_code == 403


def test_without_an_authorisation_the_bind_page_explains(client, applicant):
    client.force_login(applicant)
    r = client.get("/wechat/bind/")
    assert r.status_code == 400
    assert "公众号" in r.content.decode()


def test_unbind_own_binding_only(client, applicant):
    other = AccountFactory().user
    mine = Follower.objects.create(openid=OPENID, user=applicant)
    theirs = Follower.objects.create(openid=OTHER_OPENID, user=other)
    client.force_login(applicant)
    page = client.get("/accounts/wechat/").content.decode()
    assert OPENID not in page and OPENID[:4] + "****" + OPENID[-4:] in page
    assert client.post(f"/accounts/wechat/{theirs.pk}/unbind/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.user == other
    r = client.post(f"/accounts/wechat/{mine.pk}/unbind/")
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.user is None and mine.bound_at is None
    assert AuditEntry.objects.filter(
        object_type="channels.Follower", object_id=str(mine.pk)
    ).exists()


def test_my_cases_in_the_chat_for_a_bound_and_an_unbound_follower(wechat_env, submitted):
    user = submitted.user
    AccountFactory(user=user, phone="13890010077")
    Follower.objects.create(openid=OPENID, user=user)
    answer = handlers.answer_text("我的办件", OPENID)
    assert submitted.number in answer
    assert "/wechat/oauth/" in answer
    unbound = handlers.answer_text("我的办件", OTHER_OPENID)
    assert submitted.number not in unbound
    assert "/wechat/oauth/" in unbound and "绑定" in unbound


def test_a_deleted_account_is_not_logged_in_by_its_binding(applicant):
    Follower.objects.create(openid=OPENID, user=applicant)
    assert binding.bound_user(OPENID) == applicant
    applicant.account.status = "deleted"
    applicant.account.save()
    assert binding.bound_user(OPENID) is None


def test_a_second_code_too_soon_is_a_message_not_an_error_page(client, fake_url, sms, applicant):
    """The send button twice within 60 s: the second is refused in words on the page (the
    accounts' resend limit), nothing else is sent."""
    _bound_session(client, fake_url, applicant)
    assert client.post("/wechat/bind/", {"action": "send"}).status_code == 200
    r = client.post("/wechat/bind/", {"action": "send"})
    assert r.status_code == 400
    assert "重新获取" in " ".join(r.context["form"].non_field_errors())
    assert len(sms.state.for_phone(applicant.account.phone)) == 1


def test_a_brute_forced_code_is_refused_after_the_allowed_tries_and_counted(
    client, fake_url, sms, applicant, settings
):
    """Every wrong try counts — even though binding is one transaction that a wrong code rolls
    back — so after ACCOUNTS_CODE_MAX_ATTEMPTS wrong codes the right one binds nothing either;
    each refused try is counted for the supervisors (拒绝统计, reason ``code``)."""
    from yingshang.accounts.models import OneTimeCode

    settings.ACCOUNTS_CODE_MAX_ATTEMPTS = 5
    _bound_session(client, fake_url, applicant)
    client.post("/wechat/bind/", {"action": "send"})
    right = _code_sent(sms, applicant.account.phone)
    wrong = [f"{(int(right) + n) % 10**6:06d}" for n in range(1, 6)]
    for code in wrong:
        r = client.post("/wechat/bind/", {"action": "bind", "code": code, "consent": "on"})
        assert r.status_code == 400 and r.context["form"].errors["code"]
    assert OneTimeCode.objects.get(phone=applicant.account.phone).attempts == 5
    r = client.post("/wechat/bind/", {"action": "bind", "code": right, "consent": "on"})
    assert r.status_code == 400
    assert "次数过多" in str(r.context["form"].errors["code"])
    assert not Follower.objects.filter(user=applicant).exists()
    counted = RefusalCount.objects.get(reason=RefusalReason.CODE)
    assert counted.count == 6
