"""WeChat first, SMS as the fallback, the inbox always — with both fake providers over HTTP
(the fake WeChat API and the fake SMS provider), no sender patched."""

import pytest

from yingshang.channels.models import Follower
from yingshang.notifications import services as notify_services
from yingshang.notifications.models import Delivery, DeliveryStatus

from .conftest import OPENID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake", "templates")]


@pytest.fixture
def person(db):
    from yingshang.core.models import User

    return User.objects.create_user(
        "wx_sms_citizen", password="x" * 12, full_name="关注者", phone="13800138000"
    )


def _case_notice(user):
    return notify_services.notify(
        user,
        "办件 510700-2026-000123:已受理",
        category="case",
        data={"number": "510700-2026-000123", "status_label": "已受理"},
    )


def test_a_follower_is_pushed_by_wechat_not_by_sms(sms, person):
    Follower.objects.create(openid=OPENID, user=person, subscribed=True)
    notification = _case_notice(person)
    assert sorted(notification.deliveries.values_list("channel", flat=True)) == ["wechat"]
    assert notification.in_app  # the inbox always


def test_without_a_wechat_binding_the_sms_carries_it(sms, person):
    notification = _case_notice(person)
    [delivery] = notification.deliveries.all()
    assert delivery.channel == "sms"
    assert notify_services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    assert sms.state.messages[0]["template"] == "case_status"


def test_both_when_the_city_turns_the_fallback_rule_off(sms, person, settings):
    settings.SMS_ONLY_AS_FALLBACK = False
    Follower.objects.create(openid=OPENID, user=person, subscribed=True)
    channels = _case_notice(person).deliveries.values_list("channel", flat=True)
    assert sorted(channels) == ["sms", "wechat"]


def test_a_wechat_push_that_dies_goes_out_by_sms_once(
    fake,
    templates,
    sms,
    person,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    Follower.objects.create(openid=OPENID, user=person, subscribed=True)
    fake.fail("/cgi-bin/message/subscribe/bizsend", -1, times=10)  # 系统繁忙, every time
    fake.fail("/cgi-bin/message/template/send", -1, times=10)
    notification = _case_notice(person)
    wechat = notification.deliveries.get(channel="wechat")
    assert notify_services.attempt_delivery(wechat.pk) == DeliveryStatus.FAILED
    wechat.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        dead = notify_services.attempt_delivery(wechat.pk, now=wechat.next_attempt_at)
    assert dead == DeliveryStatus.DEAD
    fallback = notification.deliveries.get(channel="sms")
    assert fallback.address == "13800138000"
    assert notify_services.attempt_delivery(fallback.pk) == DeliveryStatus.SENT
    assert [m["phone"] for m in sms.state.messages] == ["13800138000"]
    # dying again (an administrator's retry) does not send a second SMS
    notify_services.retry_now(Delivery.objects.filter(pk=wechat.pk))
    notify_services.attempt_delivery(wechat.pk)
    assert notification.deliveries.filter(channel="sms").count() == 1
