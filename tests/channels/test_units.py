"""The WeChat channel's pieces on their own: the replay window, signatures, URL verification,
the effective configuration (admin row over environment, cache), the rate buckets, nonces,
refusal counters and followers."""

import hashlib
import time

import pytest
from django.utils import timezone

from yingshang.channels import config as cfg
from yingshang.channels import services
from yingshang.channels.config import Config, get_config
from yingshang.channels.models import (
    Follower,
    RateBucket,
    RefusalCount,
    RefusalReason,
    SeenNonce,
    WeChatAccount,
)
from yingshang.channels.protocol import (
    REPLAY_WINDOW_SECONDS,
    Refused,
    check_timestamp,
    parse_xml,
    verify_signature,
    verify_url,
)

CONFIG = Config(app_id="wx1", token="tok")


def _sign(token, timestamp, nonce):
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


# ---------------------------------------------------------------------------- protocol


@pytest.mark.parametrize("offset", [0, REPLAY_WINDOW_SECONDS, -REPLAY_WINDOW_SECONDS])
def test_timestamps_inside_the_window_pass(offset):
    now = 1_800_000_000
    assert check_timestamp(str(now + offset), now=now) == now + offset


@pytest.mark.parametrize(
    "timestamp, reason",
    [
        (str(1_800_000_000 + REPLAY_WINDOW_SECONDS + 1), RefusalReason.STALE),
        (str(1_800_000_000 - REPLAY_WINDOW_SECONDS - 1), RefusalReason.STALE),
        ("", RefusalReason.SIGNATURE),
        ("12ab", RefusalReason.SIGNATURE),
        (None, RefusalReason.SIGNATURE),
    ],
)
def test_timestamps_outside_the_window_or_not_numbers(timestamp, reason):
    with pytest.raises(Refused) as exc:
        check_timestamp(timestamp, now=1_800_000_000)
    assert exc.value.reason == reason and exc.value.status == 403


def test_signature_of_the_sorted_token_timestamp_and_nonce():
    verify_signature(CONFIG, _sign("tok", "1700000000", "n1"), "1700000000", "n1")
    for args in (
        (_sign("other", "1700000000", "n1"), "1700000000", "n1"),
        (_sign("tok", "1700000000", "n1"), "1700000001", "n1"),
        ("", "1700000000", "n1"),
        (_sign("tok", "1700000000", ""), "1700000000", ""),
    ):
        with pytest.raises(Refused) as exc:
            verify_signature(CONFIG, *args)
        assert exc.value.reason == RefusalReason.SIGNATURE


def test_url_verification_echoes_only_a_fresh_signed_request():
    ts, nonce = str(int(time.time())), "abc"
    params = {"signature": _sign("tok", ts, nonce), "timestamp": ts, "nonce": nonce}
    assert verify_url(CONFIG, {**params, "echostr": "hello"}) == "hello"
    with pytest.raises(Refused):
        verify_url(CONFIG, params)  # nothing to echo
    old = str(int(time.time()) - 10 * REPLAY_WINDOW_SECONDS)
    with pytest.raises(Refused) as exc:
        verify_url(
            CONFIG,
            {
                "signature": _sign("tok", old, nonce),
                "timestamp": old,
                "nonce": nonce,
                "echostr": "x",
            },
        )
    assert exc.value.reason == RefusalReason.STALE


@pytest.mark.parametrize(
    "text, reason",
    [
        ("<xml><a>1</a>", RefusalReason.MALFORMED),
        ("", RefusalReason.MALFORMED),
        ('<!DOCTYPE x [<!ENTITY e "boom">]><xml>&e;</xml>', RefusalReason.DANGEROUS),
    ],
)
def test_parse_xml_refuses_with_400(text, reason):
    with pytest.raises(Refused) as exc:
        parse_xml(text)
    assert (exc.value.reason, exc.value.status) == (reason, 400)


def test_parse_xml_reads_bytes_and_text():
    assert parse_xml(b"<xml><Content>\xe4\xbd\xa0</Content></xml>").find("Content").text == "你"
    assert parse_xml("<xml><A>1</A></xml>").find("A").text == "1"


# ---------------------------------------------------------------------------- configuration


@pytest.fixture
def fresh_config(settings, monkeypatch):
    settings.WECHAT_CONFIG_CACHE_SECONDS = 0
    for env in cfg.ENV.values():
        monkeypatch.delenv(env, raising=False)
    cfg.clear_cache()
    yield
    cfg.clear_cache()


def test_readiness():
    assert Config(app_id="a", token="t").callback_ready
    assert not Config(app_id="a").callback_ready
    assert Config(app_id="a", app_secret="s").push_ready
    assert not Config(app_secret="s").push_ready


@pytest.mark.django_db
def test_environment_fills_what_the_admin_row_leaves_blank(fresh_config, monkeypatch):
    monkeypatch.setenv("WECHAT_APP_ID", " wx-env ")
    monkeypatch.setenv("WECHAT_TOKEN", "env-token")
    monkeypatch.setenv("WECHAT_API_BASE", "http://fake.local/")
    assert get_config() == Config(app_id="wx-env", token="env-token", api_base="http://fake.local")
    WeChatAccount.objects.create(app_id="wx-row", token="")
    config = get_config()
    assert (config.app_id, config.token) == ("wx-row", "env-token")


@pytest.mark.django_db
def test_a_disabled_account_has_no_configuration(fresh_config):
    WeChatAccount.objects.create(app_id="wx-row", token="t", enabled=False)
    assert get_config() is None


@pytest.mark.django_db
def test_the_cache_holds_until_the_row_changes(fresh_config, settings):
    settings.WECHAT_CONFIG_CACHE_SECONDS = 3600
    assert get_config() == Config()
    row = WeChatAccount.objects.create(app_id="wx-new", token="t")  # the save clears the cache
    assert get_config().app_id == "wx-new"
    WeChatAccount.objects.filter(pk=row.pk).update(app_id="wx-silent")  # no signal
    assert get_config().app_id == "wx-new"
    row.delete()
    assert get_config() == Config()


# ---------------------------------------------------------------------------- services


@pytest.mark.django_db
def test_rate_slots_per_openid_and_minute(settings):
    settings.WECHAT_COMMANDS_PER_MINUTE = 2
    assert [services.take_rate_slot("o-a") for _ in range(3)] == [True, True, False]
    assert services.take_rate_slot("o-b")  # another follower has its own bucket
    assert RateBucket.objects.get(openid="o-a").count == 3


@pytest.mark.django_db
def test_a_nonce_is_accepted_once_within_the_window():
    services.remember_nonce("n-1", 1)
    with pytest.raises(Refused) as exc:
        services.remember_nonce("n-1", 2)
    assert exc.value.reason == RefusalReason.REPLAY
    SeenNonce.objects.filter(nonce="n-1").update(
        seen_at=timezone.now() - timezone.timedelta(seconds=3 * REPLAY_WINDOW_SECONDS)
    )
    services.remember_nonce("n-1", 3)  # an old row is taken over
    assert SeenNonce.objects.get(nonce="n-1").timestamp == 3


@pytest.mark.django_db
def test_prune_drops_old_nonces_and_buckets_only():
    old = timezone.now() - timezone.timedelta(seconds=3 * REPLAY_WINDOW_SECONDS)
    SeenNonce.objects.create(nonce="old", timestamp=1, seen_at=old)
    SeenNonce.objects.create(nonce="new", timestamp=1, seen_at=timezone.now())
    minute = int(time.time() // 60)
    RateBucket.objects.create(openid="o", minute=minute - 10, count=1)
    RateBucket.objects.create(openid="o", minute=minute, count=1)
    assert services.prune_nonces() == 1
    assert list(SeenNonce.objects.values_list("nonce", flat=True)) == ["new"]
    assert list(RateBucket.objects.values_list("minute", flat=True)) == [minute]


@pytest.mark.django_db
def test_refusals_are_counted_per_reason_and_day():
    for reason in (RefusalReason.STALE, RefusalReason.STALE, RefusalReason.REPLAY):
        services.count_refusal(reason)
    counts = dict(RefusalCount.objects.values_list("reason", "count"))
    assert counts == {RefusalReason.STALE: 2, RefusalReason.REPLAY: 1}


@pytest.mark.django_db
def test_follow_unfollow_follow_again():
    services.follow("o-1", scene="case:SQ1")
    services.unfollow("o-1")
    f = Follower.objects.get(openid="o-1")
    assert not f.subscribed and f.unsubscribed_at is not None and f.scene == "case:SQ1"
    services.follow("o-1")
    f.refresh_from_db()
    assert f.subscribed and f.unsubscribed_at is None
    assert f.scene == "case:SQ1"  # no new scene: the first one is kept


@pytest.mark.django_db
def test_unfollow_of_an_unknown_openid_records_it_and_long_ids_are_cut():
    services.unfollow("x" * 100)
    f = Follower.objects.get()
    assert f.openid == "x" * 64 and not f.subscribed and f.subscribed_at is None
