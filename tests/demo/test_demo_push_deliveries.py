"""The demo's WeChat and SMS push deliveries (yingshang.demo.monitoring): every day of the
demo year has some of each channel, a few given up, so that the 微信消息送达率 and 短信送达率
cards have values like every other card; a rerun changes nothing; nothing shows in an inbox."""

import datetime

import pytest
from django.utils import timezone

from yingshang.demo import monitoring as demo
from yingshang.demo.framework import Tally
from yingshang.monitoring import compute
from yingshang.monitoring.sources.notifications import NotificationsSource
from yingshang.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def test_every_day_has_pushes_of_both_channels_and_a_rerun_adds_none(mianyang):
    tally = Tally()
    demo.load_push_deliveries({"seed": 2019}, tally, None)
    start, end = compute.default_range()
    days = {
        (timezone.localdate(at), channel)
        for at, channel in Delivery.objects.values_list("created_at", "channel")
    }
    every_day = {start + datetime.timedelta(days=i) for i in range((end - start).days + 1)}
    for channel in ("wechat", "sms"):
        assert {d for d, c in days if c == channel} == every_day
        statuses = set(Delivery.objects.filter(channel=channel).values_list("status", flat=True))
        assert statuses == {"sent", "dead"}
    # the rows only anchor the deliveries: nobody's inbox lists them
    assert not Notification.objects.filter(in_app=True).exists()
    count = Delivery.objects.count()
    demo.load_push_deliveries({"seed": 2019}, Tally(), None)
    assert Delivery.objects.count() == count

    # the monitoring source counts them: both rates have a denominator on the last day
    facts = NotificationsSource().facts(end, end, None)
    data = {k: v for f in facts for k, v in f.data.items()}
    assert data["wechat_final"] >= 1 and data["sms_final"] >= 1
    assert 0 < data["wechat_sent"] <= data["wechat_final"]
