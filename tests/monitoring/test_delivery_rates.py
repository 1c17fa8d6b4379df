"""Push delivery rates (消息推送送达率) from notifications.Delivery: sent / (sent + dead) per
channel, by the day the delivery was created, city level.

D1: wechat sent, sent, dead, pending (not final); sms sent, dead.  D2: wechat sent; e-mail
dead (not a counted channel).
"""

import pytest

from yingshang.monitoring import compute
from yingshang.monitoring.models import IndicatorValue
from yingshang.monitoring.sources.notifications import NotificationsSource

from .conftest import D1, D2, at, days

pytestmark = pytest.mark.django_db


def v(indicator, kind, start, member):
    row = IndicatorValue.objects.filter(
        indicator=indicator,
        period_kind=kind,
        period_start=start,
        dimension="city",
        dimension_id=member,
    ).first()
    return None if row is None else (row.value, row.numerator, row.denominator)


@pytest.fixture
def deliveries(dataset):
    from tests.notifications.factories import DeliveryFactory
    from yingshang.notifications.models import Delivery

    for day, channel, status in (
        (D1, "wechat", "sent"),
        (D1, "wechat", "sent"),
        (D1, "wechat", "dead"),
        (D1, "wechat", "pending"),
        (D1, "sms", "sent"),
        (D1, "sms", "dead"),
        (D2, "wechat", "sent"),
        (D2, "email", "dead"),
    ):
        d = DeliveryFactory(channel=channel, status=status)
        Delivery.objects.filter(pk=d.pk).update(created_at=at(day, 23, 30))
    return dataset


def test_facts_per_channel_and_day(deliveries):
    facts = {f.day: f for f in NotificationsSource().facts(D1, D2, None)}
    assert set(facts) == {D1, D2}
    city = deliveries["city"].pk
    assert (facts[D1].division_id, facts[D1].department_id, facts[D1].item_id) == (city, None, None)
    assert dict(facts[D1].data) == {
        "wechat_sent": 2,
        "wechat_final": 3,
        "sms_sent": 1,
        "sms_final": 2,
    }
    assert facts[D2].data["wechat_final"] == 1 and facts[D2].data["sms_final"] == 0


def test_delivery_rates_by_day_and_month(deliveries):
    compute.recompute(D1 - days(5), D2)
    city = deliveries["city"].pk
    assert v("channels.wechat_delivery_rate", "day", D1, city) == pytest.approx((200 / 3, 2, 3))
    assert v("channels.sms_delivery_rate", "day", D1, city) == pytest.approx((50.0, 1, 2))
    assert v("channels.wechat_delivery_rate", "day", D2, city) == pytest.approx((100.0, 1, 1))
    # no SMS final on D2: no data, not 0
    assert v("channels.sms_delivery_rate", "day", D2, city)[0] is None
    month = D1.replace(day=1)
    assert v("channels.wechat_delivery_rate", "month", month, city) == pytest.approx((75.0, 3, 4))
    assert not IndicatorValue.objects.filter(
        indicator="channels.wechat_delivery_rate", dimension="division"
    ).exists()


def test_a_push_wechat_later_reports_as_failed_is_not_delivered(deliveries):
    """WeChat accepts a subscription message (errcode 0) and reports its fate afterwards
    (subscribe_msg_sent_event): a ``failed:…`` report makes the sent delivery undelivered —
    still final, no longer in the numerator. A ``success`` report, or none yet, keeps it."""
    from yingshang.channels.models import PushResult
    from yingshang.notifications.models import Delivery

    sent = list(Delivery.objects.filter(channel="wechat", status="sent").order_by("id"))
    d1_first, d1_second = sent[0], sent[1]
    PushResult.objects.create(delivery=d1_first, kind="subscribe", errcode=0, msgid="1")
    PushResult.objects.create(
        delivery=d1_first, kind="subscribe", errcode=0, msgid="2", report="failed:user block"
    )
    PushResult.objects.create(
        delivery=d1_second, kind="subscribe", errcode=0, msgid="3", report="success"
    )
    facts = {f.day: f for f in NotificationsSource().facts(D1, D2, None)}
    assert facts[D1].data["wechat_sent"] == 1 and facts[D1].data["wechat_final"] == 3
