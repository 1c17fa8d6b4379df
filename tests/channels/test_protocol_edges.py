"""The official-account protocol and the push plumbing at their edges, without the network:
the replay window to the second (Hypothesis), signatures that differ by one character, the
envelope checks in the order they are made, the sealed reply read back with the official
algorithm, the shared access token's memo / row / refresh rules, the one retry on 40001/42001
and the WeCom byte cuts."""

import datetime
import hashlib
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.exceptions import WeChatClientException

from tests.channels.conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN, decrypt, encrypt
from yingshang.channels import sender, wecom
from yingshang.channels.config import Config
from yingshang.channels.models import AccessToken, RefusalReason
from yingshang.channels.protocol import (
    REPLAY_WINDOW_SECONDS,
    Inbound,
    Refused,
    check_timestamp,
    open_envelope,
    seal,
    verify_signature,
    verify_url,
)

CONFIG = Config(app_id=APP_ID, app_secret="s", token=TOKEN, encoding_aes_key=AES_KEY)
NOW = 1_800_000_000
MESSAGE = (
    f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
    "<FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[营业执照]]></Content></xml>"
)


def _sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _refusal(call) -> Refused:
    with pytest.raises(Refused) as exc:
        call()
    return exc.value


# --------------------------------------------------------------------------- replay window


@given(st.integers(min_value=-REPLAY_WINDOW_SECONDS, max_value=REPLAY_WINDOW_SECONDS))
def test_every_timestamp_inside_the_window_is_accepted(offset):
    assert check_timestamp(str(NOW + offset), now=NOW) == NOW + offset


@given(
    st.one_of(
        st.integers(min_value=REPLAY_WINDOW_SECONDS + 1, max_value=10**9),
        st.integers(min_value=-(10**9), max_value=-REPLAY_WINDOW_SECONDS - 1),
    )
)
def test_every_timestamp_outside_the_window_is_stale(offset):
    err = _refusal(lambda: check_timestamp(str(NOW + offset), now=NOW))
    assert (err.reason, err.status) == (RefusalReason.STALE, 403)


def test_the_window_boundary_with_fractions_of_a_second():
    assert check_timestamp(str(NOW), now=NOW + 300.0) == NOW
    assert _refusal(lambda: check_timestamp(str(NOW), now=NOW + 300.001)).reason == "stale"


@pytest.mark.parametrize("timestamp", ["", None, "12.5", "1e9", "now", " "])
def test_a_timestamp_that_is_no_integer_is_a_signature_refusal(timestamp):
    err = _refusal(lambda: check_timestamp(timestamp, now=NOW))
    assert err.reason == RefusalReason.SIGNATURE


# --------------------------------------------------------------------------- signatures


@settings(max_examples=60)
@given(
    timestamp=st.integers(min_value=0, max_value=2**31).map(str),
    nonce=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=16),
    position=st.integers(min_value=0, max_value=39),
)
def test_a_signature_differing_in_one_character_is_refused(timestamp, nonce, position):
    good = _sign(TOKEN, timestamp, nonce)
    verify_signature(CONFIG, good, timestamp, nonce)
    flipped = good[:position] + ("0" if good[position] != "0" else "1") + good[position + 1 :]
    err = _refusal(lambda: verify_signature(CONFIG, flipped, timestamp, nonce))
    assert err.reason == RefusalReason.SIGNATURE


def test_the_signature_is_of_the_token_not_the_app_secret():
    other = Config(app_id=APP_ID, token="another-token")
    signature = _sign(TOKEN, "1", "n")
    _refusal(lambda: verify_signature(other, signature, "1", "n"))


@pytest.mark.parametrize("missing", ["signature", "timestamp", "nonce"])
def test_a_missing_part_is_refused_before_any_hashing(missing):
    parts = {"signature": _sign(TOKEN, "1", "n"), "timestamp": "1", "nonce": "n"}
    parts[missing] = ""
    err = _refusal(lambda: verify_signature(CONFIG, **parts))
    assert err.reason == RefusalReason.SIGNATURE


def test_url_verification_needs_an_echostr(monkeypatch):
    import time

    ts = str(int(time.time()))
    params = {"signature": _sign(TOKEN, ts, "n1"), "timestamp": ts, "nonce": "n1"}
    assert _refusal(lambda: verify_url(CONFIG, params)).reason == RefusalReason.SIGNATURE
    assert verify_url(CONFIG, {**params, "echostr": "hello"}) == "hello"
    old = str(int(time.time()) - 3600)
    stale = {"signature": _sign(TOKEN, old, "n1"), "timestamp": old, "nonce": "n1", "echostr": "x"}
    assert _refusal(lambda: verify_url(CONFIG, stale)).reason == RefusalReason.STALE


# --------------------------------------------------------------------------- envelopes


def _plain_params(ts):
    return {"signature": _sign(TOKEN, ts, "n2"), "timestamp": ts, "nonce": "n2"}


def _aes_params(ts, encrypted, nonce="n3"):
    return {
        "encrypt_type": "AES",  # case does not matter
        "msg_signature": _sign(TOKEN, ts, nonce, encrypted),
        "timestamp": ts,
        "nonce": nonce,
    }


def _now():
    import time

    return str(int(time.time()))


def test_a_plain_message_without_an_original_id_configured_is_not_checked_for_it():
    ts = _now()
    body = MESSAGE.replace(ORIGINAL_ID, "gh_someone_else").encode()
    inbound = open_envelope(CONFIG, body, _plain_params(ts))
    assert inbound == Inbound(body.decode(), False, "n2", int(ts))
    strict = Config(app_id=APP_ID, token=TOKEN, original_id=ORIGINAL_ID)
    assert _refusal(lambda: open_envelope(strict, body, _plain_params(ts))).reason == "appid"
    assert open_envelope(strict, MESSAGE.encode(), _plain_params(ts)).xml == MESSAGE


def test_a_plain_message_is_checked_signature_first_then_time_then_xml():
    ts = _now()
    bad_sig = {**_plain_params(ts), "signature": "0" * 40}
    assert _refusal(lambda: open_envelope(CONFIG, b"<not xml", bad_sig)).reason == "signature"
    old = str(int(ts) - 3600)
    assert _refusal(lambda: open_envelope(CONFIG, b"<not xml", _plain_params(old))).reason == (
        "stale"
    )
    err = _refusal(lambda: open_envelope(CONFIG, b"<not xml", _plain_params(ts)))
    assert (err.reason, err.status) == (RefusalReason.MALFORMED, 400)


def test_an_encrypted_message_opens_and_the_reply_is_sealed_for_wechat():
    ts = _now()
    encrypted = encrypt(MESSAGE)
    body = f"<xml><ToUserName>{ORIGINAL_ID}</ToUserName><Encrypt>{encrypted}</Encrypt></xml>"
    inbound = open_envelope(CONFIG, body.encode(), _aes_params(ts, encrypted))
    assert inbound.encrypted and inbound.xml == MESSAGE and inbound.nonce == "n3"
    reply = "<xml><Content><![CDATA[您好]]></Content></xml>"
    sealed = seal(CONFIG, inbound, reply)
    assert reply not in sealed and "<Encrypt>" in sealed
    cipher = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    message, app_id = decrypt(cipher)
    assert (message, app_id) == (reply, APP_ID)
    assert seal(CONFIG, inbound, "") == ""  # no reply: nothing to encrypt


def test_a_plain_request_gets_a_plain_reply():
    inbound = Inbound("<xml/>", False, "n", 1)
    assert seal(CONFIG, inbound, "<xml>hi</xml>") == "<xml>hi</xml>"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msg_signature": ""}, "signature"),
        ({"nonce": ""}, "signature"),
        ({"msg_signature": "0" * 40}, "signature"),
    ],
)
def test_encrypted_envelope_refusals(change, reason):
    ts = _now()
    encrypted = encrypt(MESSAGE)
    body = f"<xml><Encrypt>{encrypted}</Encrypt></xml>".encode()
    params = {**_aes_params(ts, encrypted), **change}
    assert _refusal(lambda: open_envelope(CONFIG, body, params)).reason == reason


def test_an_encrypted_message_needs_the_aes_key_configured():
    ts = _now()
    encrypted = encrypt(MESSAGE)
    body = f"<xml><Encrypt>{encrypted}</Encrypt></xml>".encode()
    no_key = Config(app_id=APP_ID, token=TOKEN)
    err = _refusal(lambda: open_envelope(no_key, body, _aes_params(ts, encrypted)))
    assert err.reason == RefusalReason.SIGNATURE


def test_an_encrypted_message_for_another_app_or_with_another_key():
    ts = _now()
    other_app = encrypt(MESSAGE, app_id="wx0000000000000000")
    body = f"<xml><Encrypt>{other_app}</Encrypt></xml>".encode()
    assert _refusal(lambda: open_envelope(CONFIG, body, _aes_params(ts, other_app))).reason == (
        "appid"
    )
    other_key = encrypt(MESSAGE, aes_key="A" * 43)
    body = f"<xml><Encrypt>{other_key}</Encrypt></xml>".encode()
    err = _refusal(lambda: open_envelope(CONFIG, body, _aes_params(ts, other_key)))
    assert err.reason in (RefusalReason.DECRYPT, RefusalReason.APPID) and err.status in (400, 403)


def test_an_encrypted_message_whose_plain_text_is_not_xml_is_malformed():
    ts = _now()
    encrypted = encrypt("this is not xml <")
    body = f"<xml><Encrypt>{encrypted}</Encrypt></xml>".encode()
    err = _refusal(lambda: open_envelope(CONFIG, body, _aes_params(ts, encrypted)))
    assert (err.reason, err.status) == (RefusalReason.MALFORMED, 400)


# --------------------------------------------------------------------------- shared token


class FakeClient:
    """Just what ``shared_token`` uses: the config's AppID and a token fetch that counts."""

    def __init__(self, app_id="wx-token-test", expires_in=7200):
        self.config = SimpleNamespace(app_id=app_id)
        self.fetched = 0
        self.expires_in = expires_in

    def fetch_token_from_api(self):
        self.fetched += 1
        return {"access_token": f"token-{self.fetched}", "expires_in": self.expires_in}


@pytest.fixture
def fresh_tokens():
    sender.forget_clients()
    yield
    sender.forget_clients()


@pytest.mark.django_db
def test_the_token_is_fetched_once_then_remembered(fresh_tokens):
    client = FakeClient()
    assert sender.shared_token(client) == "token-1"
    assert sender.shared_token(client) == "token-1"
    assert client.fetched == 1
    row = AccessToken.objects.get(app_id="wx-token-test")
    assert row.token == "token-1" and row.refreshes == 1


@pytest.mark.django_db
def test_a_refused_token_is_fetched_again_once(fresh_tokens):
    client = FakeClient()
    first = sender.shared_token(client)
    assert sender.shared_token(client, stale=first) == "token-2"
    assert sender.shared_token(client, stale=first) == "token-2"  # not refetched for old stale
    assert client.fetched == 2
    assert AccessToken.objects.get(app_id="wx-token-test").refreshes == 2


@pytest.mark.django_db
def test_another_workers_token_in_the_row_is_used_without_fetching(fresh_tokens):
    from django.utils import timezone

    AccessToken.objects.create(
        app_id="wx-token-test",
        token="from-another-worker",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client = FakeClient()
    assert sender.shared_token(client) == "from-another-worker"
    assert client.fetched == 0


@pytest.mark.django_db
def test_a_token_inside_the_safety_margin_is_refreshed(fresh_tokens):
    from django.utils import timezone

    AccessToken.objects.create(
        app_id="wx-token-test",
        token="nearly-expired",
        expires_at=timezone.now() + sender.TOKEN_MARGIN - datetime.timedelta(seconds=1),
    )
    client = FakeClient(expires_in=60)
    assert sender.shared_token(client) == "token-1"
    # WeChat gave 60 s, inside the margin: the next call refreshes again
    assert sender.shared_token(client) == "token-2"


class ScriptedPost:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.tokens = []

    def __call__(self, endpoint, params=None, data=None):
        self.tokens.append(params["access_token"])
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _api_client(monkeypatch, post):
    client = sender.ApiClient(
        Config(app_id="wx-call-test", app_secret="s", api_base="http://127.0.0.1:9")
    )
    monkeypatch.setattr(client, "post", post)
    tokens = iter(["t1", "t2", "t3"])
    monkeypatch.setattr(sender, "shared_token", lambda c, stale=None: next(tokens))
    return client


@pytest.mark.parametrize("errcode", sorted(sender.TOKEN_ERRORS))
def test_a_token_error_is_retried_once_with_a_new_token(monkeypatch, errcode):
    post = ScriptedPost(WeChatClientException(errcode, "token"), {"errcode": 0, "msgid": 7})
    client = _api_client(monkeypatch, post)
    assert client.call("message/template/send", {"x": 1}) == {"errcode": 0, "msgid": 7}
    assert post.tokens == ["t1", "t2"]


def test_a_second_token_error_is_not_retried_again(monkeypatch):
    post = ScriptedPost(WeChatClientException(40001, "a"), WeChatClientException(42001, "b"))
    client = _api_client(monkeypatch, post)
    with pytest.raises(WeChatClientException) as exc:
        client.call("message/template/send", {})
    assert exc.value.errcode == 42001 and len(post.tokens) == 2


@pytest.mark.parametrize("errcode", [43101, 45009, 40003, -1])
def test_other_errors_are_not_retried(monkeypatch, errcode):
    post = ScriptedPost(WeChatClientException(errcode, "no"))
    client = _api_client(monkeypatch, post)
    with pytest.raises(WeChatClientException) as exc:
        client.call("message/subscribe/bizsend", {})
    assert exc.value.errcode == errcode and post.tokens == ["t1"]


# --------------------------------------------------------------------------- WeCom cuts


@given(st.text(max_size=400), st.integers(min_value=4, max_value=200))
def test_wecom_cut_fits_the_bytes_and_keeps_a_prefix(text, limit):
    out = wecom._cut(text, limit)
    assert len(out.encode("utf-8")) <= limit
    if len(text.encode("utf-8")) <= limit:
        assert out == text
    else:
        assert out.endswith("…") and text.startswith(out[:-1])


def test_wecom_cut_never_splits_a_chinese_character():
    out = wecom._cut("营业执照" * 10, 10)  # 7 bytes kept: two characters and a partial one
    assert out == "营业…"
    assert wecom._cut(None, 10) == ""


def test_text_card_falls_back_to_the_title_and_the_home_page():
    card = wecom.text_card(SimpleNamespace(title="办件超期提醒", body="", link=""))
    assert card["description"] == "办件超期提醒"
    assert card["url"].endswith("/") and card["btntxt"]
