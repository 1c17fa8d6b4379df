"""The real-name login's error paths without a live server: the client refuses to start
without a configured provider, the callback without a valid state goes back to the login page
with a message, and the demo provider refuses every malformed authorize, token and userinfo
request (client, response type, redirect URI, grant type, used or unknown codes)."""

import base64

import pytest

from yingshang.accounts import oidc

AUTHORIZE = "/accounts/demo-idp/authorize"
TOKEN = "/accounts/demo-idp/token"
CLIENT_ID, SECRET = "yingshang-test", "test-secret-0123456789"
CALLBACK = "http://testserver/accounts/oidc/callback/"


@pytest.fixture
def idp(settings):
    settings.ACCOUNTS_DEMO_IDP = True
    settings.ACCOUNTS_OIDC = {
        "issuer": "http://testserver/accounts/demo-idp",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }


def _authorize(client, **over):
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "state": "st",
        "nonce": "nn",
        "scope": "openid",
    }
    params.update(over)
    return client, params


def _code(client):
    client, params = _authorize(client)
    response = client.post(
        AUTHORIZE + "?" + "&".join(f"{k}={v}" for k, v in params.items()), {"identity": "1"}
    )
    assert response.status_code == 302
    assert response.url.startswith(CALLBACK + "?") and "state=st" in response.url
    return response.url.split("code=")[1].split("&")[0]


def _basic(cid=CLIENT_ID, secret=SECRET):
    return "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()


def test_the_client_and_the_provider_are_off_without_settings(client, db, settings):
    settings.ACCOUNTS_OIDC = {}
    settings.ACCOUNTS_DEMO_IDP = False
    assert client.get("/accounts/oidc/login/").status_code == 404
    assert client.get("/accounts/oidc/callback/").status_code == 404
    for url in (
        "/accounts/demo-idp/.well-known/openid-configuration",
        AUTHORIZE,
        "/accounts/demo-idp/jwks",
    ):
        assert client.get(url).status_code == 404
    settings.ACCOUNTS_OIDC = {"issuer": "https://idp.example"}  # no client id
    with pytest.raises(Exception) as exc:
        oidc.config()
    assert type(exc.value).__name__ == "Http404"


def test_config_defaults(settings):
    settings.ACCOUNTS_OIDC = {"issuer": "https://idp.example", "client_id": "c"}
    conf = oidc.config()
    assert conf["scopes"] == "openid profile"
    assert conf["claims"]["phone"] == "phone_number"


def test_a_callback_without_a_valid_state_goes_back_to_the_login_page(client, db, idp):
    response = client.get("/accounts/oidc/callback/", {"code": "x", "state": "forged"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("/accounts/login/")
    text = response.content.decode()
    assert "实名认证未完成" in text
    assert "_auth_user_id" not in client.session


def test_a_staff_session_is_sent_to_the_staff_login(client, idp, staff):
    client.force_login(staff["admin"])
    response = client.get("/accounts/oidc/callback/", {"code": "x", "state": "s"})
    assert response.status_code == 302 and "/accounts/login/" not in response.url


@pytest.mark.parametrize(
    ("over", "text"),
    [
        ({"client_id": "someone-else"}, "client_id"),
        ({"response_type": "token"}, "response_type"),
        ({"redirect_uri": "https://evil.example/steal"}, "redirect_uri"),
    ],
)
def test_authorize_refuses_bad_requests(client, db, idp, over, text):
    client, params = _authorize(client, **over)
    response = client.get(AUTHORIZE, params)
    assert response.status_code == 400 and text in response.content.decode()


def test_authorize_page_offers_the_demo_identities_and_refuses_an_unknown_one(client, db, idp):
    client, params = _authorize(client)
    page = client.get(AUTHORIZE, params)
    assert page.status_code == 200 and oidc.DEMO_IDENTITIES[0]["name"] in page.content.decode()
    query = "&".join(f"{k}={v}" for k, v in params.items())
    again = client.post(f"{AUTHORIZE}?{query}", {"identity": "99"})
    assert again.status_code == 200  # the form again, no code


def test_token_refuses_unknown_clients(client, db, idp):
    code = _code(client)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    assert client.post(TOKEN, data).status_code == 401  # no client authentication
    assert client.post(TOKEN, data, HTTP_AUTHORIZATION=_basic(secret="wrong")).status_code == 401
    assert client.post(TOKEN, data, HTTP_AUTHORIZATION="Basic %%%not-base64").status_code == 401
    post_auth = {**data, "client_id": CLIENT_ID, "client_secret": "wrong"}
    assert client.post(TOKEN, post_auth).json() == {"error": "invalid_client"}


def test_token_refuses_other_grants_and_wrong_redirects_and_uses_a_code_once(client, db, idp):
    code = _code(client)
    auth = {"HTTP_AUTHORIZATION": _basic()}
    wrong_grant = client.post(TOKEN, {"grant_type": "password", "code": code}, **auth)
    assert (
        wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    )
    code = _code(client)
    wrong_uri = client.post(
        TOKEN,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://x/cb"},
        **auth,
    )
    assert wrong_uri.json() == {"error": "invalid_grant"}
    code = _code(client)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    ok = client.post(TOKEN, data, **auth)
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["id_token"].count(".") == 2
    # client_secret_post works too, but the code is gone
    reused = client.post(TOKEN, {**data, "client_id": CLIENT_ID, "client_secret": SECRET})
    assert reused.json() == {"error": "invalid_grant"}
    info = client.get(
        "/accounts/demo-idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    )
    assert info.json()["name"] == oidc.DEMO_IDENTITIES[1]["name"]


@pytest.mark.parametrize("header", ["", "Bearer nope", "Basic abc"])
def test_userinfo_refuses_unknown_tokens(client, db, idp, header):
    response = client.get("/accounts/demo-idp/userinfo", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_discovery_and_jwks_describe_the_same_key(client, db, idp):
    meta = client.get("/accounts/demo-idp/.well-known/openid-configuration").json()
    assert meta["issuer"] == "http://testserver/accounts/demo-idp"
    assert meta["token_endpoint"] == meta["issuer"] + "/token"
    keys = client.get("/accounts/demo-idp/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]  # public only
