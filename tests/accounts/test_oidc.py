"""Real-name login over OpenID Connect, end to end with real protocol messages: the client
(Authlib) against the project's own demo provider served by a live server — discovery,
authorize, token (client_secret_basic), JWKS (RS256 ID token, nonce) and userinfo."""

from urllib.parse import parse_qs, urlsplit

import pytest

from yingshang.accounts.models import Account


@pytest.fixture
def idp(live_server, settings):
    settings.ACCOUNTS_DEMO_IDP = True
    settings.ACCOUNTS_OIDC = {
        "label": "演示身份认证平台",
        "issuer": f"{live_server.url}/accounts/demo-idp",
        "client_id": "yingshang-test",
        "client_secret": "test-secret-0123456789",
        "scopes": "openid profile phone",
        "claims": {"name": "name", "phone": "phone_number", "id_number": "id_number"},
    }
    return live_server


def _sign_in(client, identity="0"):
    resp = client.get("/accounts/oidc/login/?next=/my/cases/")
    assert resp.status_code == 302
    url = urlsplit(resp.url)
    query = parse_qs(url.query)
    assert url.path == "/accounts/demo-idp/authorize"
    assert query["response_type"] == ["code"] and "nonce" in query and "state" in query
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and "演示身份认证平台" in page.content.decode()
    resp = client.post(f"{url.path}?{url.query}", {"identity": identity})
    assert resp.status_code == 302
    back = urlsplit(resp.url)
    assert back.path == "/accounts/oidc/callback/" and "code" in parse_qs(back.query)
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.django_db(transaction=True)
def test_real_name_login_creates_a_verified_account(client, idp):
    resp = _sign_in(client)
    assert resp.status_code == 302 and resp.url == "/my/cases/"
    account = Account.objects.get(realname_subject="demo-person-1")
    assert account.real_name == "张明" and account.realname_verified_at
    assert account.realname_issuer == f"{idp.url}/accounts/demo-idp"
    assert account.phone == "19900000001"
    assert not account.user.has_usable_password()
    # signing in again finds the same account
    client.logout()
    _sign_in(client)
    assert Account.objects.filter(realname_subject="demo-person-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_forged_state_or_reused_code_is_refused(client, idp):
    resp = client.get("/accounts/oidc/login/")
    url = urlsplit(resp.url)
    resp = client.post(f"{url.path}?{url.query}", {"identity": "1"})
    back = urlsplit(resp.url)
    code = parse_qs(back.query)["code"][0]
    forged = client.get(f"/accounts/oidc/callback/?code={code}&state=forged")
    assert forged.status_code == 302 and forged.url == "/accounts/login/"
    assert not Account.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_token_endpoint_checks_the_client(client, idp):
    resp = client.post(
        "/accounts/demo-idp/token",
        {
            "grant_type": "authorization_code",
            "code": "x",
            "client_id": "yingshang-test",
            "client_secret": "wrong",
        },
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    resp = client.get("/accounts/demo-idp/userinfo", HTTP_AUTHORIZATION="Bearer nope")
    assert resp.status_code == 401


def test_demo_provider_is_off_by_default(client, db):
    assert client.get("/accounts/demo-idp/.well-known/openid-configuration").status_code == 404
    assert client.get("/accounts/oidc/login/").status_code == 404


def test_a_staff_session_cannot_finish_a_real_name_login(client, staff, settings):
    settings.ACCOUNTS_OIDC = {"issuer": "http://127.0.0.1:9/idp", "client_id": "x"}
    client.force_login(staff["chuangkou"])
    resp = client.get("/accounts/oidc/callback/?code=abc&state=def")
    assert resp.status_code == 302 and resp.url == "/login/"
    assert not Account.objects.exists()
