"""Writes of the WeChat channel: refusal counters, replay nonces, rate buckets, followers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import Follower, RateBucket, RefusalCount, RefusalReason, SeenNonce
from .protocol import REPLAY_WINDOW_SECONDS, Refused


def count_refusal(reason: str, n: int = 1) -> None:
    """``n`` more refused callbacks for ``reason`` today (nothing else of them is kept)."""
    now = timezone.now()
    day = timezone.localdate(now)
    updated = RefusalCount.objects.filter(reason=reason, day=day).update(
        count=F("count") + n, last_at=now
    )
    if updated:
        return
    try:
        with transaction.atomic():
            RefusalCount.objects.create(reason=reason, day=day, count=n, last_at=now)
    except IntegrityError:  # another process created today's row first
        RefusalCount.objects.filter(reason=reason, day=day).update(
            count=F("count") + n, last_at=now
        )


def _write_counts(counts: Counter) -> None:
    for reason, n in sorted(counts.items()):
        with transaction.atomic():
            relax_commit()
            count_refusal(reason, n)


class _Tally:
    """The callback's own refusals, added up in this process and written by a timer thread at
    most once per ``WECHAT_REFUSAL_FLUSH_SECONDS``: the day's counter row is shared by every
    request, and one UPDATE per refusal serialised a flood of them on that row (the callback
    fell from about 750 to 320 messages/s when every message was an unbound 我的办件). A process
    that dies loses at most that last second of counts, never domain data."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: Counter = Counter()
        self.timer: threading.Timer | None = None

    def add(self, reason: str, interval: float) -> None:
        with self.lock:
            self.pending[reason] += 1
            if self.timer is None:
                self.timer = threading.Timer(interval, self._flush_in_thread)
                self.timer.daemon = True
                self.timer.start()

    def flush(self) -> None:
        """Write what was added up (the timer calls it; so may a test or a shutdown hook)."""
        with self.lock:
            counts, self.pending = self.pending, Counter()
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        if counts:
            _write_counts(counts)

    def _flush_in_thread(self) -> None:
        try:
            self.flush()
        finally:
            connection.close()  # the timer thread's own database connection


tally = _Tally()


def count_refusal_after_commit(reason: str) -> None:
    """One more refusal of the callback's hot path, once the current transaction commits: added
    up in the process (``_Tally``) and written in a short transaction of its own that does not
    wait for the WAL flush (``relax_commit``); with ``WECHAT_REFUSAL_FLUSH_SECONDS = 0`` written
    at once after the commit."""
    interval = settings.WECHAT_REFUSAL_FLUSH_SECONDS

    def count():
        if interval > 0:
            tally.add(reason, interval)
        else:
            _write_counts(Counter({reason: 1}))

    transaction.on_commit(count)


# Tables whose rows only guard the callback (replay nonces, per-openid rate buckets): a
# transaction that wrote nothing else may commit without waiting for the disk.
GUARD_TABLES = (SeenNonce._meta.db_table, RateBucket._meta.db_table)
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class DomainWrites:
    """Watches the statements of a block (``connection.execute_wrapper``): ``seen`` turns true
    at the first write that is not to the callback's guard tables."""

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        if not self.seen:
            head = sql.lstrip()[:6].upper()
            if head.startswith(_WRITE_VERBS) and not any(t in sql[:120] for t in GUARD_TABLES):
                self.seen = True
        return execute(sql, params, many, context)


def relax_commit() -> None:
    """On PostgreSQL, let the current transaction commit without waiting for its WAL flush
    (``SET LOCAL synchronous_commit TO OFF``). Only for transactions that wrote nothing but
    replay nonces and rate buckets: a crash can lose the last fraction of a second of those —
    a message replayed within that moment after a crash would be answered again — never a
    follower, a binding, an appeal or any other domain data."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def remember_nonce(nonce: str, timestamp: int) -> None:
    """Record an accepted request's nonce; a nonce already seen within the replay window is a
    replay (Refused). One statement: rows older than the window are taken over (the periodic
    job prunes them anyway)."""
    now = timezone.now()
    stale = now - timedelta(seconds=2 * REPLAY_WINDOW_SECONDS)
    table = connection.ops.quote_name(SeenNonce._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (nonce, timestamp, seen_at) VALUES (%s, %s, %s) "
            f"ON CONFLICT (nonce) DO UPDATE SET timestamp = EXCLUDED.timestamp, "
            f"seen_at = EXCLUDED.seen_at WHERE {table}.seen_at < %s RETURNING id",
            [nonce[:64], timestamp, now, stale],
        )
        if cursor.fetchone() is None:
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
    """Count one command for ``openid`` in the current minute (one upsert shared by every server
    process); False when over the limit."""
    minute = int(time.time() // 60)
    table = connection.ops.quote_name(RateBucket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (openid, minute, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (openid, minute) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [openid[:64], minute],
        )
        (count,) = cursor.fetchone()
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


def follower(openid: str):
    """The follower row of ``openid`` (with its bound user), or None."""
    return Follower.objects.select_related("user").filter(openid=openid).first()


def record_push_reports(openid: str, entries) -> int:
    """WeChat's subscribe_msg_sent_event: one report per message sent (MsgID, ErrorCode,
    ErrorStatus), written onto the push result with that msgid — only for a push to this
    openid (a report cannot touch another person's push). Returns how many were recorded."""
    from .models import PushResult

    if isinstance(entries, dict):
        entries = [entries]
    recorded = 0
    now = timezone.now()
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        msgid = str(entry.get("MsgID") or "")[:64]
        if not msgid:
            continue
        try:
            errcode = int(entry.get("ErrorCode"))
        except (TypeError, ValueError):
            errcode = None
        recorded += PushResult.objects.filter(msgid=msgid, delivery__address=openid).update(
            report=str(entry.get("ErrorStatus") or "")[:40],
            report_errcode=errcode,
            reported_at=now,
        )
    return recorded


def defer_answer(openid: str, content: str) -> None:
    """Queue the answer to a text command once the callback's transaction commits (the task
    ``channels.tasks.answer_later`` sends it as a customer-service message)."""
    from .tasks import answer_later

    openid, content = openid[:64], (content or "")[:600]
    transaction.on_commit(lambda: answer_later.enqueue(openid, content))
