"""Push notifications (消息推送) → facts: deliveries that reached a final state, by the day the
delivery was created and by channel (one GROUP BY). A delivery is delivered (``sent``) or given
up (``dead``, retries exhausted); pending and failed-but-retrying ones are not counted yet.
Deliveries carry no division or department, so the facts are city level only: they are filed
under the city division (the first division of level 市), which no county or department
dimension picks up. A WeChat push that WeChat later reported as failed (``subscribe_msg_sent_event``
``failed:user block`` / ``failed:system failed``) is final but not delivered."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import TruncDate

from . import FactRow, Source, day_bounds, merge, model, tz

CHANNELS = ("wechat", "sms")


class NotificationsSource(Source):
    name = "notifications"

    def available(self) -> bool:
        return model("notifications.Delivery") is not None

    def facts(self, start: datetime.date, end: datetime.date, defs) -> list[FactRow]:
        if not self.available():
            return []
        Delivery = model("notifications.Delivery")
        lo, hi = day_bounds(start, end)
        aggregates = {}
        # WeChat accepts a subscription message first and reports its fate later
        # (subscribe_msg_sent_event, channels.PushResult.report): "failed:…" is not delivered
        results = model("channels.PushResult")
        reported_failed = (
            Exists(results.objects.filter(delivery=OuterRef("pk"), report__startswith="failed"))
            if results is not None
            else Value(False)
        )
        for channel in CHANNELS:
            aggregates[f"{channel}_sent"] = Count(
                "id", filter=Q(channel=channel, status="sent", reported_failed=False)
            )
            aggregates[f"{channel}_final"] = Count(
                "id", filter=Q(channel=channel, status__in=("sent", "dead"))
            )
        rows = (
            Delivery.objects.filter(created_at__gte=lo, created_at__lt=hi, channel__in=CHANNELS)
            .annotate(reported_failed=reported_failed)
            .annotate(day=TruncDate("created_at", tzinfo=tz()))
            .values("day")
            .annotate(**aggregates)
            .order_by()
        )
        city = (
            model("core.Division")
            .objects.filter(level=2)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        out = merge(rows, division="-", department="-", item=None)
        return [FactRow(f.day, city, None, None, f.data) for f in out.values()]
