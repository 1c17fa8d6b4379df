"""Demo step of the monitoring app: the demo city's figures (marked as demo values) and a full
recompute of the indicator time series, so that `make run` opens on filled dashboards."""

from yingshang.demo.framework import Tally, demo_step
from yingshang.monitoring.models import CityFigure

DEMO_SOURCE = "演示值，非统计数据：请在管理后台“城市参数”中替换为本市公布的统计和评估数据"
# Illustrative figures for the Mianyang demo — NOT published statistics. The reference values
# follow Doing Business 2020's own assumption (50 × income per capita).
DEMO_FIGURES = {
    CityFigure.Key.INCOME: 40_000,
    CityFigure.Key.POPULATION: 4_870_000,
    CityFigure.Key.WAREHOUSE: 50 * 40_000,
    CityFigure.Key.PROPERTY: 50 * 40_000,
    CityFigure.Key.CP_INDEX: 12,
    CityFigure.Key.GE_INDEX: 6,
    CityFigure.Key.RP_INDEX: 20,
}


@demo_step(710, "monitoring: city figures (demo values), full recompute of the indicators")
def load_monitoring(options, tally: Tally, out):
    from django.utils import timezone

    from yingshang.monitoring import compute

    year = timezone.localdate().year - 1
    for key, value in DEMO_FIGURES.items():
        if CityFigure.objects.filter(key=key).exists():
            tally.add("city figures", "unchanged")  # never overwrite what the bureau entered
            continue
        CityFigure.objects.create(key=key, year=year, value=value, source=DEMO_SOURCE)
        tally.add("city figures", "created")
    start, end = compute.default_range()
    ranges = [(start, end)]
    # the appeals and ratings demo is the programme's year (2019): compute those days too
    earlier = _record_span(before=start)
    if earlier is not None:
        ranges.insert(0, earlier)
    for lo, hi in ranges:
        summary = compute.recompute(lo, hi)
        tally.add("indicator values", "created", summary.values)
        if out is not None and not options.get("quiet"):
            out.write(f"  {summary}\n")


def _record_span(before):
    """(first, last) local day of the appeals and ratings dated before ``before``, or None."""
    import datetime

    from django.db.models import Max, Min
    from django.utils import timezone

    from yingshang.monitoring.sources import day_bounds, model

    cutoff, _end = day_bounds(before, before)
    days = []
    for label, field in (
        ("appeals.Appeal", "submitted_at"),
        ("evaluations.Evaluation", "created_at"),
    ):
        records = model(label)
        if records is None:
            continue
        span = records.objects.filter(**{f"{field}__lt": cutoff}).aggregate(
            lo=Min(field), hi=Max(field)
        )
        days += [timezone.localdate(v) for v in span.values() if v is not None]
    if not days:
        return None
    return min(days), min(max(days), before - datetime.timedelta(days=1))


# WeChat and SMS pushes of the demo year: per day a few template messages and texts, a few
# given up after the retries — so that 微信消息送达率 and 短信送达率 have data like every other
# card (the deliveries the platform itself makes in the demo are none: no channel is set up).
PUSHES_PER_DAY = {"wechat": 4, "sms": 3}
GIVEN_UP_ONE_IN = {"wechat": 40, "sms": 25}
PUSH_KEY = "demo-push"


@demo_step(700, "monitoring: the year's WeChat and SMS push deliveries")
def load_push_deliveries(options, tally: Tally, out):
    import datetime
    import random

    from django.db import transaction
    from django.utils import timezone

    from yingshang.core.models import User
    from yingshang.monitoring import compute
    from yingshang.notifications.models import Delivery, DeliveryStatus, Notification

    if Notification.objects.filter(dedup_key__startswith=f"{PUSH_KEY}:").exists():
        tally.add("push deliveries", "unchanged")
        return
    recipient = (
        User.objects.filter(role="", is_active=True).order_by("pk").first()
        or User.objects.filter(is_active=True).order_by("pk").first()
    )
    if recipient is None:
        return
    rng = random.Random(options.get("seed", 2019))
    start, end = compute.default_range()
    tz = timezone.get_current_timezone()
    made = 0
    with transaction.atomic():
        day = start
        while day <= end:
            for channel, n in PUSHES_PER_DAY.items():
                for i in range(rng.randint(n - 1, n + 1)):
                    at = datetime.datetime.combine(
                        day, datetime.time(8 + rng.randrange(10), rng.randrange(60)), tz
                    )
                    note = Notification.objects.create(
                        recipient=recipient,
                        title="办件进度通知",
                        category="case",
                        in_app=False,  # the row only anchors the delivery
                        dedup_key=f"{PUSH_KEY}:{day.isoformat()}:{channel}:{i}",
                    )
                    dead = rng.randrange(GIVEN_UP_ONE_IN[channel]) == 0
                    delivery = Delivery.objects.create(
                        notification=note,
                        channel=channel,
                        address="oDEMO-openid" if channel == "wechat" else "19900000001",
                        status=DeliveryStatus.DEAD if dead else DeliveryStatus.SENT,
                        attempts=5 if dead else 1,
                        last_error="演示：对方号码无法接收" if dead else "",
                        sent_at=None if dead else at,
                    )
                    # created_at is auto_now_add: the day of the push is set afterwards
                    Notification.objects.filter(pk=note.pk).update(created_at=at)
                    Delivery.objects.filter(pk=delivery.pk).update(created_at=at)
                    made += 1
            day += datetime.timedelta(days=1)
    tally.add("push deliveries", "created", made)
