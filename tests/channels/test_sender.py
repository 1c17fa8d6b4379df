"""WeChatSender over HTTP against the fake WeChat API server (never patched)."""

import threading

import pytest
from django.db import connection

from yingshang.channels.models import AccessToken, Follower, PushResult, TemplateMapping
from yingshang.notifications import services as notify_services
from yingshang.notifications.models import Delivery, DeliveryStatus
from yingshang.notifications.senders import get_sender, mask_address

from .conftest import APP_ID, APP_SECRET, OPENID


@pytest.fixture
def citizen(db):
    from yingshang.core.models import User

    user = User.objects.create_user("wx_citizen", password="x" * 12, full_name="关注者")
    Follower.objects.create(openid=OPENID, user=user, subscribed=True)
    return user


def push(user, title="您的办件已受理", category="case", link="/my/cases/SL-1/"):
    n = notify_services.notify(
        user, title, "受理编号 SL-1", link=link, category=category, channels=("wechat",)
    )
    delivery = Delivery.objects.get(notification=n, channel="wechat")
    # the queue's task (enqueued on commit) runs the same service call
    notify_services.attempt_delivery(delivery.pk)
    return delivery


def test_sender_is_registered_and_needs_an_openid(fake, db):
    from yingshang.core.models import User

    sender = get_sender("wechat")
    assert sender is not None and sender.label == "微信"
    nobody = User.objects.create_user("no_wechat", password="x" * 12)
    assert sender.address_for(nobody) is None
    n = notify_services.notify(nobody, "标题", channels=("wechat",))
    assert not n.deliveries.exists()  # not WeChat-deliverable: skipped cleanly


def test_unsubscribed_follower_is_not_deliverable(fake, citizen):
    Follower.objects.filter(openid=OPENID).update(subscribed=False)
    assert get_sender("wechat").address_for(citizen) is None


def test_subscription_message_sent_and_recorded(fake, citizen, templates):
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    [msg] = fake.received
    assert msg["kind"] == "subscribe" and msg["touser"] == OPENID
    assert msg["template_id"] == "SUB-TPL-1"
    assert msg["data"]["thing1"]["value"] == "您的办件已受理"
    assert msg["page"].endswith("/my/cases/SL-1/?wx=1")
    [result] = PushResult.objects.filter(delivery=delivery)
    assert result.errcode == 0 and result.msgid == str(msg["msgid"])
    assert fake.tokens_issued == 1
    assert mask_address("wechat", OPENID) == "oia2****OvLw"


def test_token_is_shared_and_not_refetched(fake, citizen, templates):
    from yingshang.channels.sender import forget_clients

    for _ in range(3):
        push(citizen)
    forget_clients()  # another worker process: no token in memory, the shared row has it
    push(citizen)
    assert len(fake.received) == 4
    assert fake.tokens_issued == 1
    assert AccessToken.objects.get(app_id=APP_ID).refreshes == 1


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_expired_or_invalid_token_is_refreshed_and_retried(fake, citizen, templates, errcode):
    push(citizen)
    if errcode == 42001:
        fake.expire_tokens()
    else:
        fake.tokens.clear()  # the platform invalidated every token (e.g. secret reset elsewhere)
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(fake.received) == 2
    assert fake.tokens_issued == 2
    assert fake.requests["/cgi-bin/message/subscribe/bizsend"] == 3  # 1 + refused + retried


def test_user_refused_subscription_falls_back_to_template(fake, citizen, templates):
    fake.refused_openids.add(OPENID)
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    [msg] = fake.received
    assert msg["kind"] == "template" and msg["template_id"] == "OLD-TPL-1"
    assert msg["data"]["first"]["value"] == "您的办件已受理"
    assert msg["url"].endswith("/my/cases/SL-1/?wx=1")
    results = list(
        PushResult.objects.filter(delivery=delivery).order_by("id").values_list("kind", "errcode")
    )
    assert results == [("subscribe", 43101), ("template", 0)]


def test_refusal_without_template_fallback_fails_and_is_retried(fake, citizen):
    TemplateMapping.objects.create(category="", kind="subscribe", template_id="SUB-ONLY")
    fake.refused_openids.add(OPENID)
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "43101" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_category_specific_template_wins(fake, citizen, templates):
    TemplateMapping.objects.create(category="appeal", kind="subscribe", template_id="APPEAL-TPL")
    push(citizen, category="appeal")
    push(citizen, category="case")
    assert [m["template_id"] for m in fake.received] == ["APPEAL-TPL", "SUB-TPL-1"]


def test_template_from_settings_when_none_in_admin(fake, citizen, settings):
    settings.WECHAT_TEMPLATES = {"case": {"subscribe": {"template_id": "FROM-SETTINGS"}}}
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert fake.received[0]["template_id"] == "FROM-SETTINGS"
    assert set(fake.received[0]["data"]) == {"thing1", "thing2", "time3"}


def test_no_template_mapped_is_a_visible_failure(fake, citizen):
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "no WeChat template" in delivery.last_error
    assert not fake.received


def test_server_failure_retried_until_dead_and_visible(fake, citizen, templates, settings):
    from django.utils import timezone

    settings.NOTIFY_MAX_ATTEMPTS = 3
    fake.fail("/cgi-bin/message/subscribe/bizsend", -1, times=10)  # 系统繁忙
    delivery = push(citizen)
    for _ in range(2):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        notify_services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 3
    assert "errcode -1" in delivery.last_error
    assert PushResult.objects.filter(delivery=delivery, errcode=-1).count() == 3
    assert not fake.received


def test_failed_push_succeeds_on_retry(fake, citizen, templates):
    from django.utils import timezone

    fake.fail("/cgi-bin/message/subscribe/bizsend", 45009)  # API daily limit
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert notify_services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    assert len(fake.received) == 1


def test_unsubscribe_after_queueing_stops_the_push(fake, citizen, templates):
    from yingshang.channels.services import unfollow

    delivery = push(citizen)
    unfollow(OPENID)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    from django.utils import timezone

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    notify_services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert "unsubscribed" in delivery.last_error
    assert len(fake.received) == 1  # only the first push, before unfollowing


def test_invalid_openid_is_a_visible_failure(fake, citizen, templates):
    Follower.objects.filter(openid=OPENID).update(openid="bad")
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "40003" in delivery.last_error


def test_wrong_secret_fails_the_token_fetch(fake, citizen, templates, monkeypatch):
    from yingshang.channels.config import clear_cache

    monkeypatch.setenv("WECHAT_APP_SECRET", "wrong")
    clear_cache()
    delivery = push(citizen)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "40001" in delivery.last_error


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_fetch_the_token_once(fake, citizen, templates):
    from yingshang.channels.config import get_config
    from yingshang.channels.sender import ApiClient, shared_token

    config = get_config()
    tokens, errors = [], []

    def worker():
        try:
            tokens.append(shared_token(ApiClient(config)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(tokens)) == 1 and fake.tokens_issued == 1


def test_fake_server_protocol_shapes(fake):
    """The fake answers as documented: token JSON, errcodes for bad input, menu and OAuth."""
    import requests

    from yingshang.channels.config import get_config

    base = get_config().api_base
    r = requests.get(
        f"{base}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
        timeout=5,
    ).json()
    assert set(r) == {"access_token", "expires_in"} and r["expires_in"] == 7200
    token = r["access_token"]
    bad = requests.get(
        f"{base}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APP_ID, "secret": "x"},
        timeout=5,
    ).json()
    assert bad["errcode"] == 40001
    menu = requests.post(
        f"{base}/cgi-bin/menu/create",
        params={"access_token": token},
        json={"button": [{"type": "click", "name": "我的办件", "key": "MY_CASES"}]},
        timeout=5,
    ).json()
    assert menu == {"errcode": 0, "errmsg": "ok"}
    custom = requests.post(
        f"{base}/cgi-bin/message/custom/send",
        params={"access_token": token},
        json={"touser": OPENID, "msgtype": "text", "text": {"content": "hi"}},
        timeout=5,
    ).json()
    assert custom["errcode"] == 0
    no_token = requests.post(
        f"{base}/cgi-bin/message/custom/send", params={"access_token": "nope"}, json={}, timeout=5
    ).json()
    assert no_token["errcode"] == 40001
    code = fake.add_oauth_code(OPENID)
    oauth = requests.get(
        f"{base}/sns/oauth2/access_token",
        params={
            "appid": APP_ID,
            "secret": APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()
    assert oauth["openid"] == OPENID
    reused = requests.get(
        f"{base}/sns/oauth2/access_token",
        params={
            "appid": APP_ID,
            "secret": APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()
    assert reused["errcode"] == 40029
    assert fake.requests["/cgi-bin/token"] == 2
