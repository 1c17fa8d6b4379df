"""Writes of the WeChat channel: refusal counters, replay nonces, rate buckets, followers."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Follower, RateBucket, RefusalCount, SeenNonce
from .protocol import REPLAY_WINDOW_SECONDS, Refused


def count_refusal(reason: str) -> None:
    """One more refused callback for ``reason`` today (nothing else of it is kept)."""
    now = timezone.now()
    day = timezone.localdate(now)
    updated = RefusalCount.objects.filter(reason=reason, day=day).update(
        count=F("count") + 1, last_at=now
    )
    if updated:
        return
    try:
        with transaction.atomic():
            RefusalCount.objects.create(reason=reason, day=day, count=1, last_at=now)
    except IntegrityError:  # another process created today's row first
        RefusalCount.objects.filter(reason=reason, day=day).update(
            count=F("count") + 1, last_at=now
        )


def remember_nonce(nonce: str, timestamp: int) -> None:
    """Record an accepted request's nonce; a nonce already seen within the replay window is a
    replay (Refused). Rows older than the window are reused, and pruned by a periodic job."""
    now = timezone.now()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(nonce=nonce[:64], timestamp=timestamp, seen_at=now)
        return
    except IntegrityError:
        pass
    stale = now - timedelta(seconds=2 * REPLAY_WINDOW_SECONDS)
    if SeenNonce.objects.filter(nonce=nonce[:64], seen_at__lt=stale).update(
        timestamp=timestamp, seen_at=now
    ):
        return
    from .models import RefusalReason

    raise Refused(RefusalReason.REPLAY)


def prune_nonces() -> int:
    cutoff = timezone.now() - timedelta(seconds=2 * REPLAY_WINDOW_SECONDS)
    deleted, _ = SeenNonce.objects.filter(seen_at__lt=cutoff).delete()
    minute = int(time.time() // 60) - 5
    RateBucket.objects.filter(minute__lt=minute).delete()
    return deleted


def rate_limit() -> int:
    return int(getattr(settings, "WECHAT_COMMANDS_PER_MINUTE", 20))


def take_rate_slot(openid: str) -> bool:
    """Count one command for ``openid`` in the current minute; False when over the limit."""
    minute = int(time.time() // 60)
    openid = openid[:64]
    if not RateBucket.objects.filter(openid=openid, minute=minute).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateBucket.objects.create(openid=openid, minute=minute, count=1)
            return True
        except IntegrityError:
            RateBucket.objects.filter(openid=openid, minute=minute).update(count=F("count") + 1)
    count = RateBucket.objects.filter(openid=openid, minute=minute).values_list("count", flat=True)[
        0
    ]
    return count <= rate_limit()


@transaction.atomic
def follow(openid: str, scene: str = "") -> Follower:
    now = timezone.now()
    follower, created = Follower.objects.select_for_update().get_or_create(
        openid=openid[:64], defaults={"subscribed_at": now, "scene": scene[:64]}
    )
    if not created:
        follower.subscribed = True
        follower.subscribed_at = now
        follower.unsubscribed_at = None
        if scene:
            follower.scene = scene[:64]
        follower.save(update_fields=["subscribed", "subscribed_at", "unsubscribed_at", "scene"])
    return follower


@transaction.atomic
def unfollow(openid: str) -> None:
    """取消关注: the binding is kept, pushes stop (the sender skips unsubscribed followers)."""
    now = timezone.now()
    updated = Follower.objects.filter(openid=openid[:64]).update(
        subscribed=False, unsubscribed_at=now
    )
    if not updated:
        Follower.objects.create(
            openid=openid[:64], subscribed=False, unsubscribed_at=now, subscribed_at=None
        )
