"""snsapi_userinfo and the open platform's UnionID (#14 item 2): the scope is configured, the
UnionID comes from the token answer or from ``/sns/userinfo`` (the fake WeChat server answers
as WeChat does: 48001 for an snsapi_base token, 40003 for another openid), it is kept on the
binding and nothing else of the profile is stored, a second openid of the same WeChat user is
recognised through it, and unbinding removes the bindings that share it."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.accounts.factories import AccountFactory
from yingshang.channels import binding
from yingshang.channels.config import clear_cache, get_config
from yingshang.channels.models import Follower, RefusalCount, RefusalReason
from yingshang.platform.models import AuditEntry

from .conftest import APP_ID, APP_SECRET, OPENID

pytestmark = pytest.mark.django_db

# the same WeChat user as OPENID, seen through another account (or mini program) of the
# city's open platform
SIBLING_OPENID = "oSiBLiNg0123456789abcdefXY"
UNIONID = "oUnion0123456789abcdefghij"


@pytest.fixture
def fake_url(fake, monkeypatch):
    import os

    url = os.environ["WECHAT_API_BASE"]
    monkeypatch.setenv("WECHAT_OAUTH_BASE", url)
    clear_cache()
    return url


@pytest.fixture
def userinfo_scope(fake_url, monkeypatch):
    monkeypatch.setenv("WECHAT_OAUTH_SCOPE", "snsapi_userinfo")
    clear_cache()
    yield fake_url
    clear_cache()


@pytest.fixture
def applicant(db):
    return AccountFactory().user


def _authorise(client, fake_url, openid=OPENID, next_url="/my/cases/"):
    """Our start page → the fake's authorisation page over HTTP → our callback."""
    start = client.get("/wechat/oauth/", {"next": next_url})
    assert start.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    answer = requests.get(
        f"{fake_url}/connect/oauth2/authorize",
        params={**query, "openid": openid},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return query, client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def _bind(client, fake_url, sms, user, openid=OPENID):
    _query, r = _authorise(client, fake_url, openid)
    assert r.status_code == 302 and r["Location"].startswith("/wechat/bind/")
    client.force_login(user)
    session = client.session
    # force_login cycled the session: what the callback remembered is put back, as a login
    # through the applicant login page keeps it
    session[binding.SESSION_OPENID] = openid
    session.save()
    return session


def _send_and_bind(client, sms, user):
    client.post("/wechat/bind/", {"action": "send"})
    code = sms.state.for_phone(user.account.phone)[-1]["params"]["code"]
    return client.post("/wechat/bind/", {"action": "bind", "code": code, "consent": "on"})


def test_the_authorisation_asks_for_the_configured_scope(userinfo_scope, client):
    query, _r = _authorise(client, userinfo_scope)
    assert query["scope"] == "snsapi_userinfo"
    assert query["appid"] == APP_ID


def test_snsapi_base_is_the_default_and_gives_no_unionid(fake_url, fake, client):
    query, r = _authorise(client, fake_url)
    assert query["scope"] == "snsapi_base"
    assert r.status_code == 302
    assert client.session[binding.SESSION_OPENID] == OPENID
    assert binding.SESSION_UNIONID not in client.session
    assert fake.requests["/sns/userinfo"] == 0


def test_a_wrong_scope_in_the_environment_is_a_configuration_error(fake_url, monkeypatch):
    monkeypatch.setenv("WECHAT_OAUTH_SCOPE", "snsapi_login")
    clear_cache()
    with pytest.raises(ImproperlyConfigured, match="WECHAT_OAUTH_SCOPE"):
        get_config()


def test_the_unionid_from_the_token_answer_is_kept_on_the_binding(
    userinfo_scope, fake, client, sms, applicant
):
    fake.unionids[OPENID] = UNIONID
    _bind(client, userinfo_scope, sms, applicant)
    session = client.session
    session[binding.SESSION_UNIONID] = UNIONID
    session.save()
    r = _send_and_bind(client, sms, applicant)
    assert r.status_code == 302
    follower = Follower.objects.get(openid=OPENID)
    assert follower.user == applicant and follower.unionid == UNIONID
    # the token answer carried it: /sns/userinfo was not needed
    assert fake.requests["/sns/userinfo"] == 0
    # only the UnionID is kept: the nickname the profile carries is stored nowhere
    assert "微信用户" not in str(Follower.objects.filter(pk=follower.pk).values().first())
    audit = AuditEntry.objects.filter(object_type="channels.Follower", object_id=str(follower.pk))
    assert audit.exists()
    assert all(UNIONID not in str(e.changes) for e in audit)


def test_the_callback_remembers_the_unionid_for_the_binding_page(userinfo_scope, fake, client):
    fake.unionids[OPENID] = UNIONID
    _query, r = _authorise(client, userinfo_scope)
    assert r.status_code == 302 and r["Location"].startswith("/wechat/bind/")
    assert client.session[binding.SESSION_UNIONID] == UNIONID
    assert not Follower.objects.exists()  # nothing stored before the person binds


def test_without_unionid_in_the_token_answer_userinfo_is_asked(userinfo_scope, fake, client):
    fake.unionid_in_token = False
    fake.unionids[OPENID] = UNIONID
    _query, r = _authorise(client, userinfo_scope)
    assert r.status_code == 302
    assert fake.requests["/sns/userinfo"] == 1
    assert client.session[binding.SESSION_UNIONID] == UNIONID


def test_a_known_follower_gets_its_unionid_at_the_next_authorisation(
    userinfo_scope, fake, client, applicant
):
    row = Follower.objects.create(openid=OPENID, user=applicant, subscribed=True)
    fake.unionids[OPENID] = UNIONID
    _query, r = _authorise(client, userinfo_scope)
    assert r.status_code == 302 and r["Location"] == "/my/cases/"
    row.refresh_from_db()
    assert row.unionid == UNIONID and row.user == applicant


def test_the_same_wechat_user_in_another_account_is_recognised_by_unionid(
    userinfo_scope, fake, applicant
):
    Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID, subscribed=True)
    fake.unionids[SIBLING_OPENID] = UNIONID
    phone = Client()
    _query, r = _authorise(phone, userinfo_scope, openid=SIBLING_OPENID)
    assert r.status_code == 302 and r["Location"] == "/my/cases/"
    assert int(phone.session["_auth_user_id"]) == applicant.pk
    sibling = Follower.objects.get(openid=SIBLING_OPENID)
    assert sibling.user == applicant and sibling.unionid == UNIONID
    assert sibling.bound_at is not None and sibling.subscribed is False
    assert AuditEntry.objects.filter(
        object_type="channels.Follower", object_id=str(sibling.pk)
    ).exists()


def test_another_unionid_is_not_recognised(userinfo_scope, fake, applicant):
    Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID)
    fake.unionids[SIBLING_OPENID] = "oUnionSomebodyElse0123456789"
    phone = Client()
    _query, r = _authorise(phone, userinfo_scope, openid=SIBLING_OPENID)
    assert r["Location"].startswith("/wechat/bind/")
    assert "_auth_user_id" not in phone.session
    assert not Follower.objects.filter(openid=SIBLING_OPENID).exists()


def test_a_deactivated_person_is_not_recognised_by_unionid(userinfo_scope, fake, applicant):
    Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID)
    applicant.is_active = False
    applicant.save(update_fields=["is_active"])
    fake.unionids[SIBLING_OPENID] = UNIONID
    phone = Client()
    _query, r = _authorise(phone, userinfo_scope, openid=SIBLING_OPENID)
    assert r["Location"].startswith("/wechat/bind/")
    assert "_auth_user_id" not in phone.session


def test_with_snsapi_base_a_unionid_stored_earlier_does_not_log_in(fake_url, fake, applicant):
    """Recognition needs WeChat's word in this authorisation: snsapi_base gives no UnionID."""
    Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID)
    fake.unionids[SIBLING_OPENID] = UNIONID
    phone = Client()
    _query, r = _authorise(phone, fake_url, openid=SIBLING_OPENID)
    assert r["Location"].startswith("/wechat/bind/")


def test_unbinding_removes_the_bindings_that_share_the_unionid(userinfo_scope, fake, applicant):
    mine = Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID)
    sibling = Follower.objects.create(openid=SIBLING_OPENID, user=applicant, unionid=UNIONID)
    other_person = AccountFactory().user
    theirs = Follower.objects.create(
        openid="oTheirs0123456789abcdefXYZ", user=other_person, unionid=UNIONID
    )
    browser = Client()
    browser.force_login(applicant)
    assert browser.post(f"/accounts/wechat/{mine.pk}/unbind/").status_code == 302
    mine.refresh_from_db()
    sibling.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.user is None and sibling.user is None
    assert mine.unbound_at is not None and sibling.unbound_at is not None
    assert theirs.user == other_person  # another person's row is never touched
    # and the UnionID does not bind it again behind the person's back (even though another
    # row with that UnionID is still bound)
    fake.unionids[OPENID] = UNIONID
    phone = Client()
    _query, r = _authorise(phone, userinfo_scope, openid=OPENID)
    assert r["Location"].startswith("/wechat/bind/")
    mine.refresh_from_db()
    assert mine.user is None


def test_a_unionid_bound_to_two_people_recognises_nobody(userinfo_scope, fake, applicant):
    other_person = AccountFactory().user
    Follower.objects.create(openid=OPENID, user=applicant, unionid=UNIONID)
    Follower.objects.create(openid="oTheirs0123456789abcdefXYZ", user=other_person, unionid=UNIONID)
    fake.unionids[SIBLING_OPENID] = UNIONID
    phone = Client()
    _query, r = _authorise(phone, userinfo_scope, openid=SIBLING_OPENID)
    assert r["Location"].startswith("/wechat/bind/")
    assert "_auth_user_id" not in phone.session
    assert not Follower.objects.filter(openid=SIBLING_OPENID).exists()


def test_binding_again_with_a_code_clears_the_unbinding(
    userinfo_scope, fake, client, sms, applicant
):
    row = Follower.objects.create(openid=OPENID, unionid=UNIONID, unbound_at="2026-01-01T00:00Z")
    fake.unionids[OPENID] = UNIONID
    _bind(client, userinfo_scope, sms, applicant)
    assert _send_and_bind(client, sms, applicant).status_code == 302
    row.refresh_from_db()
    assert row.user == applicant and row.unbound_at is None


def test_a_malformed_unionid_is_refused_and_stores_nothing(userinfo_scope, fake, client):
    fake.unionids[OPENID] = "not a unionid; drop table"
    _query, r = _authorise(client, userinfo_scope)
    assert r.status_code == 400
    assert binding.SESSION_OPENID not in client.session
    assert not Follower.objects.exists()
    assert RefusalCount.objects.get(reason=RefusalReason.OAUTH).count == 1


# ---- the fake server answers /sns/userinfo as WeChat does ----


def _token(fake_url, fake, scope, openid=OPENID):
    code = fake.add_oauth_code(openid, scope)
    answer = requests.get(
        f"{fake_url}/sns/oauth2/access_token",
        params={
            "appid": APP_ID,
            "secret": APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()
    assert answer["openid"] == openid and answer["scope"] == scope
    return answer


def test_fake_userinfo_refuses_an_snsapi_base_token_with_48001(fake_url, fake):
    answer = _token(fake_url, fake, "snsapi_base")
    assert "unionid" not in answer
    info = requests.get(
        f"{fake_url}/sns/userinfo",
        params={"access_token": answer["access_token"], "openid": OPENID, "lang": "zh_CN"},
        timeout=5,
    ).json()
    assert info["errcode"] == 48001


def test_fake_userinfo_answers_the_profile_for_its_own_openid_only(fake_url, fake):
    fake.unionids[OPENID] = UNIONID
    answer = _token(fake_url, fake, "snsapi_userinfo")
    assert answer["unionid"] == UNIONID
    info = requests.get(
        f"{fake_url}/sns/userinfo",
        params={"access_token": answer["access_token"], "openid": OPENID, "lang": "zh_CN"},
        timeout=5,
    ).json()
    assert info["openid"] == OPENID and info["unionid"] == UNIONID
    assert set(info) >= {"nickname", "headimgurl", "privilege"}
    other = requests.get(
        f"{fake_url}/sns/userinfo",
        params={"access_token": answer["access_token"], "openid": SIBLING_OPENID},
        timeout=5,
    ).json()
    assert other["errcode"] == 40003
    unknown = requests.get(
        f"{fake_url}/sns/userinfo", params={"access_token": "nope", "openid": OPENID}, timeout=5
    ).json()
    assert unknown["errcode"] == 40001


def test_fake_code_exchange_refuses_a_wrong_grant_type_and_a_reused_code(fake_url, fake):
    code = fake.add_oauth_code(OPENID, "snsapi_userinfo")
    params = {"appid": APP_ID, "secret": APP_SECRET, "code": code}
    wrong = requests.get(
        f"{fake_url}/sns/oauth2/access_token",
        params={**params, "grant_type": "client_credential"},
        timeout=5,
    ).json()
    assert wrong["errcode"] == 40002
    ok = requests.get(
        f"{fake_url}/sns/oauth2/access_token",
        params={**params, "grant_type": "authorization_code"},
        timeout=5,
    ).json()
    assert ok["openid"] == OPENID
    again = requests.get(
        f"{fake_url}/sns/oauth2/access_token",
        params={**params, "grant_type": "authorization_code"},
        timeout=5,
    ).json()
    assert again["errcode"] == 40029


def test_identity_from_code_against_the_fake(userinfo_scope, fake):
    fake.unionid_in_token = False
    fake.unionids[OPENID] = UNIONID
    config = get_config()
    identity = binding.identity_from_code(config, fake.add_oauth_code(OPENID, "snsapi_userinfo"))
    assert identity == binding.Identity(openid=OPENID, unionid=UNIONID)
    base = binding.identity_from_code(config, fake.add_oauth_code(OPENID, "snsapi_base"))
    assert base == binding.Identity(openid=OPENID, unionid="")
    with pytest.raises(binding.OAuthRefused):
        binding.identity_from_code(config, "x" * 129)
    with pytest.raises(binding.OAuthRefused, match="40029"):
        binding.identity_from_code(config, "never-issued")
