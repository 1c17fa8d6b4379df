"""/wechat/ against the official algorithm written in the tests (not wechatpy)."""

import time

import pytest

from yingshang.channels.models import Follower, RefusalCount, SeenNonce

from .conftest import (
    AES_KEY,
    APP_ID,
    OPENID,
    TOKEN,
    content_of,
    decrypt,
    encrypt,
    event_xml,
    sha1_sorted,
    text_xml,
)

# The published sample of WeChat's 消息加解密 sample code (WXBizMsgCrypt Sample.py).
OFFICIAL = {
    "token": "spamtest",
    "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "app_id": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "encrypt": (
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
        "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332j"
        "isa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgav"
        "jIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewpus"
        "jZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
    ),
}


def refusals() -> dict[str, int]:
    return {r.reason: r.count for r in RefusalCount.objects.all()}


def test_official_sample_vector_with_the_test_algorithm():
    """Our test-side algorithm reproduces the published sample: signature and decryption."""
    o = OFFICIAL
    assert sha1_sorted(o["token"], o["timestamp"], o["nonce"], o["encrypt"]) == o["msg_signature"]
    message, app_id = decrypt(o["encrypt"], aes_key=o["aes_key"])
    assert app_id == o["app_id"]
    assert "<Content><![CDATA[abcdteT]]></Content>" in message
    assert "oyORnuP8q7ou2gfYjqLzSIWZf0rs" in message


def test_official_sample_vector_through_our_interface(monkeypatch):
    """The project's protocol layer opens the published sample (its timestamp is 2014, so the
    replay window is moved to that moment)."""
    from yingshang.channels import protocol
    from yingshang.channels.config import Config

    o = OFFICIAL
    config = Config(app_id=o["app_id"], token=o["token"], encoding_aes_key=o["aes_key"])
    monkeypatch.setattr(protocol.time, "time", lambda: int(o["timestamp"]) + 10)
    body = f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{o['encrypt']}]]></Encrypt></xml>"
    params = {
        "timestamp": o["timestamp"],
        "nonce": o["nonce"],
        "encrypt_type": "aes",
        "msg_signature": o["msg_signature"],
    }
    inbound = protocol.open_envelope(config, body.encode(), params)
    assert inbound.encrypted and "abcdteT" in inbound.xml
    wrong = Config(app_id="wx0000000000000000", token=o["token"], encoding_aes_key=o["aes_key"])
    with pytest.raises(protocol.Refused) as exc:
        protocol.open_envelope(wrong, body.encode(), params)
    assert exc.value.reason == "appid"


def test_url_verification(phone, client):
    ts, nonce = str(int(time.time())), "4512379"
    good = sha1_sorted(TOKEN, ts, nonce)
    r = client.get(
        "/wechat/", {"signature": good, "timestamp": ts, "nonce": nonce, "echostr": "e123"}
    )
    assert r.status_code == 200 and r.content == b"e123"
    bad = client.get(
        "/wechat/", {"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "e123"}
    )
    assert bad.status_code == 403 and b"e123" not in bad.content
    missing = client.get("/wechat/", {"timestamp": ts, "nonce": nonce, "echostr": "e123"})
    assert missing.status_code == 403 and missing.content == b""
    old = str(int(time.time()) - 400)
    stale = client.get(
        "/wechat/",
        {
            "signature": sha1_sorted(TOKEN, old, nonce),
            "timestamp": old,
            "nonce": nonce,
            "echostr": "x",
        },
    )
    assert stale.status_code == 403
    assert refusals() == {"signature": 2, "stale": 1}


def test_unconfigured_answers_404_and_the_platform_is_unaffected(client, db, monkeypatch):
    from yingshang.channels.config import clear_cache

    for name in ("WECHAT_APP_ID", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    clear_cache()
    assert client.get("/wechat/").status_code == 404
    assert client.post("/wechat/", data="<xml/>", content_type="text/xml").status_code == 404
    assert client.get("/services/").status_code == 200
    clear_cache()


def test_disabled_in_admin_answers_404(phone, client):
    from yingshang.channels.models import WeChatAccount

    WeChatAccount.objects.create(enabled=False)
    ts, nonce = str(int(time.time())), "1"
    r = client.get(
        "/wechat/",
        {
            "signature": sha1_sorted(TOKEN, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": "e",
        },
    )
    assert r.status_code == 404


def test_plain_text_message_answers_in_plain(phone):
    r = phone.plain(text_xml("我的办件"))
    assert r.status_code == 200
    reply = r.content.decode()
    assert "<Encrypt>" not in reply
    assert "绑定" in content_of(reply)
    assert f"<ToUserName><![CDATA[{OPENID}]]></ToUserName>" in reply


def test_encrypted_message_both_ways(phone):
    """The test encrypts, our server decrypts; our reply is decrypted by the test, whose
    signature and appid are checked (Phone.reply_of)."""
    r = phone.encrypted(text_xml("我的办件"))
    assert r.status_code == 200
    assert b"<Encrypt>" in r.content
    reply = phone.reply_of(r)
    assert "绑定" in content_of(reply)
    assert f"<ToUserName><![CDATA[{OPENID}]]></ToUserName>" in reply


def test_encrypted_for_another_appid_is_refused(phone):
    r = phone.encrypted(text_xml("我的办件"), app_id="wx0123456789abcdef")
    assert r.status_code == 403
    assert refusals() == {"appid": 1}
    assert not SeenNonce.objects.exists() and not Follower.objects.exists()


def test_plain_message_for_another_account_is_refused(phone):
    r = phone.plain(text_xml("我的办件", to="gh_someoneelse0"))
    assert r.status_code == 403
    assert refusals() == {"appid": 1}


@pytest.mark.parametrize(
    "kind", ["wrong_token", "missing", "tampered_msg_signature", "plain_signature_as_msg"]
)
def test_bad_signatures_are_refused(phone, kind):
    xml = event_xml("subscribe")
    if kind == "wrong_token":
        r = phone.plain(xml, token="not-the-token")
    elif kind == "missing":
        r = phone.plain(xml, signature="")
    elif kind == "tampered_msg_signature":
        r = phone.encrypted(xml, msg_signature="a" * 40)
    else:
        ts, nonce = str(int(time.time())), "777"
        r = phone.encrypted(
            xml, timestamp=ts, nonce=nonce, msg_signature=sha1_sorted(TOKEN, ts, nonce)
        )
    assert r.status_code == 403 and r.content == b""
    assert refusals() == {"signature": 1}
    assert not Follower.objects.exists()


# a future stamp shrinks while the request travels (and int() cuts up to 1 s): margin of 10 s
@pytest.mark.parametrize("offset", [-301, +310, -3600])
def test_stale_or_future_timestamp_is_refused(phone, offset):
    r = phone.encrypted(event_xml("subscribe"), timestamp=int(time.time()) + offset)
    assert r.status_code == 403
    assert refusals() == {"stale": 1}
    assert not Follower.objects.exists()


def test_replayed_nonce_is_refused(phone):
    ts = int(time.time())
    first = phone.encrypted(event_xml("subscribe"), timestamp=ts, nonce="99887766")
    assert first.status_code == 200
    again = phone.encrypted(event_xml("unsubscribe"), timestamp=ts, nonce="99887766")
    assert again.status_code == 403
    assert refusals() == {"replay": 1}
    assert Follower.objects.get(openid=OPENID).subscribed  # the replayed unsubscribe did nothing


def test_old_nonce_rows_do_not_block_a_later_message(phone):
    from datetime import timedelta

    from django.utils import timezone

    SeenNonce.objects.create(nonce="55", timestamp=1, seen_at=timezone.now() - timedelta(hours=1))
    assert phone.plain(event_xml("subscribe"), nonce="55").status_code == 200
    from yingshang.channels.services import prune_nonces

    SeenNonce.objects.filter(nonce="55").update(seen_at=timezone.now() - timedelta(hours=1))
    assert prune_nonces() == 1


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh_7f083739789a</ToUserName><FromUserName>x</FromUserName><MsgType>text</MsgType><Content>&lol3;</Content></xml>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_7f083739789a</ToUserName><FromUserName>x</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""


@pytest.mark.parametrize("body", [BOMB, XXE], ids=["bomb", "external-entity"])
def test_xml_bomb_and_external_entity_are_refused_plain(phone, body):
    r = phone.plain(body)
    assert r.status_code == 400
    assert refusals() == {"dangerous": 1}
    assert not SeenNonce.objects.exists()


@pytest.mark.parametrize("body", [BOMB, XXE], ids=["bomb", "external-entity"])
def test_xml_bomb_inside_the_encrypted_message_is_refused(phone, body):
    r = phone.encrypted(body)
    assert r.status_code == 400
    assert refusals() == {"dangerous": 1}


def test_dtd_in_the_envelope_is_refused(phone):
    envelope = '<!DOCTYPE xml [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'
    r = phone.encrypted(event_xml("subscribe"), envelope=envelope)
    assert r.status_code == 400
    assert refusals() == {"dangerous": 1}


@pytest.mark.parametrize("body", ["<xml><ToUserName>", "not xml at all", ""])
def test_malformed_xml_is_400(phone, body):
    r = phone.plain(body)
    assert r.status_code == 400
    assert refusals() == {"malformed": 1}


def test_encrypted_envelope_without_encrypt_or_with_garbage(phone):
    ts, nonce = str(int(time.time())), "31337"
    r = phone.encrypted(event_xml("subscribe"), envelope="<xml><ToUserName>x</ToUserName></xml>")
    assert r.status_code == 400
    garbage = "!!notbase64!!"
    r2 = phone.encrypted(
        event_xml("subscribe"),
        timestamp=ts,
        nonce=nonce,
        envelope=f"<xml><Encrypt>{garbage}</Encrypt></xml>",
        msg_signature=sha1_sorted(TOKEN, ts, nonce, garbage),
    )
    assert r2.status_code == 400
    assert refusals() == {"malformed": 1, "decrypt": 1}


def test_oversized_body_is_413(phone, settings):
    settings.WECHAT_MAX_BODY_BYTES = 2048
    r = phone.plain(text_xml("x" * 4000))
    assert r.status_code == 413
    assert refusals() == {"oversize": 1}


def test_refusal_count_accumulates_per_day(phone):
    for _ in range(3):
        phone.plain(event_xml("subscribe"), token="wrong")
    assert refusals() == {"signature": 3}


def test_test_side_encryption_interoperates_with_wechatpy_only_through_the_wire():
    """Sanity of the independent implementation: round trip with itself and a wrong key fails."""
    enc = encrypt("<xml>hi</xml>")
    assert decrypt(enc) == ("<xml>hi</xml>", APP_ID)
    with pytest.raises(AssertionError):
        decrypt(enc, aes_key=AES_KEY[::-1])


def test_get_with_unknown_method_not_allowed(phone, client):
    assert client.put("/wechat/").status_code == 405
