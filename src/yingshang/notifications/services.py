"""Writes of the notification centre: notify, deliveries (attempt, retry), read marks."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ChannelPreference, Delivery, DeliveryStatus, Notification, SmsMode
from .senders import IN_APP, get_sender, mask_address

logger = logging.getLogger("yingshang.notifications")

# A claimed delivery is leased for this long: if the worker dies mid-send, the retry job picks
# the delivery up again once the lease has run out.
LEASE = timedelta(minutes=5)
# The inbox always; e-mail where the person has an address; WeChat where they follow the
# account; SMS only for people WeChat cannot reach (``SMS_ONLY_AS_FALLBACK``, default on) —
# and for a WeChat push that finally fails (see ``attempt_delivery``).
# Staff with a 企业微信 binding get their reminders there too ("wecom").
DEFAULT_CHANNELS = (IN_APP, "email", "wechat", "wecom", "sms")


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: base·2^(n−1), capped.
    With the defaults (60 s, cap 6 h): 1, 2, 4, 8, 16 minutes…"""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 60))
    cap = float(getattr(settings, "NOTIFY_RETRY_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _validate_link(link: str) -> None:
    if link and not (link.startswith("/") or link.startswith(("http://", "https://"))):
        raise ValidationError({"link": _("链接必须是以“/”开头的站内地址或 http(s) 地址。")})


@transaction.atomic
def notify(
    recipient,
    title: str,
    body: str = "",
    link: str = "",
    category: str = "",
    channels=DEFAULT_CHANNELS,
    data: dict | None = None,
    dedup_key: str = "",
    digest: bool = True,
) -> Notification:
    """Send a notification: the in-app message now, other channels after the surrounding
    transaction commits (nothing is sent when it rolls back). Channels without a registered
    sender, or for which the recipient has no address, are skipped (logged).

    ``dedup_key`` names the event (one message per event per person): when the person already
    has a message with that key, it is returned and nothing new is created or sent. When the
    person chose the daily digest, the other channels wait for the digest job (``digest=False``
    is the digest itself)."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("消息标题不能为空。")})
    if recipient is None or recipient.pk is None:
        raise ValidationError({"recipient": _("消息必须有接收人。")})
    _validate_link(link)
    channels = list(dict.fromkeys(channels))
    dedup_key = (dedup_key or "")[:200]
    if dedup_key:
        existing = Notification.objects.filter(recipient=recipient, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    preference = preference_of(recipient)
    held = digest and preference.digest and any(c != IN_APP for c in channels)
    fields = {
        "recipient": recipient,
        "title": title[:200],
        "body": body or "",
        "link": link or "",
        "category": category or "",
        "in_app": IN_APP in channels,
        "data": data or {},
        "dedup_key": dedup_key,
        "digest_pending": held,
    }
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin hits the unique constraint
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        if not dedup_key:
            raise
        return Notification.objects.get(recipient=recipient, dedup_key=dedup_key)
    if held:
        return notification
    now = timezone.now()
    created: set[str] = set()
    for channel in channels:
        if channel == IN_APP:
            continue
        if not wants(preference, channel, created):
            continue
        sender = get_sender(channel)
        if sender is None:
            logger.warning(
                "notification %s: no sender registered for channel %r, skipped",
                notification.pk,
                channel,
            )
            continue
        address = sender.address_for(recipient)
        if not address:
            logger.info(
                "notification %s: recipient %s has no %s address, skipped",
                notification.pk,
                recipient.pk,
                channel,
            )
            continue
        delivery = Delivery.objects.create(
            notification=notification, channel=channel, address=address, next_attempt_at=now
        )
        created.add(channel)
        if sender.batched:
            _drain_on_commit(channel)
        else:
            transaction.on_commit(partial(enqueue_delivery, delivery.pk), robust=True)
    return notification


def _drain_on_commit(channel: str) -> None:
    """One drain task per batched channel when the transaction commits, however many messages
    it wrote (a burst of 100,000 status pushes is a few drain tasks, not 100,000 tasks)."""
    queued = connection.run_on_commit if connection.in_atomic_block else []
    for _sids, func, _robust in queued:
        if getattr(func, "func", None) is enqueue_drain and func.args == (channel,):
            return
    transaction.on_commit(partial(enqueue_drain, channel), robust=True)


def enqueue_drain(channel: str) -> None:
    from .tasks import drain_channel

    drain_channel.enqueue(channel)


def sms_only_as_fallback() -> bool:
    return bool(getattr(settings, "SMS_ONLY_AS_FALLBACK", True))


def preference_of(user) -> ChannelPreference:
    """The person's channel preference (an unsaved default when they never set one)."""
    found = ChannelPreference.objects.filter(user=user).first()
    if found is not None:
        return found
    default_sms = SmsMode.FALLBACK if sms_only_as_fallback() else SmsMode.ALWAYS
    return ChannelPreference(user=user, sms=default_sms)


def wants(preference: ChannelPreference, channel: str, created: set[str]) -> bool:
    """Whether ``channel`` is wanted, given the channels already created for this message
    (channels are tried in order: WeChat before SMS)."""
    if channel == "email":
        return preference.email
    if channel == "wechat":
        return preference.wechat
    if channel == "sms":
        if preference.sms == SmsMode.NEVER:
            return False
        return preference.sms == SmsMode.ALWAYS or "wechat" not in created
    return True


@transaction.atomic
def set_preference(
    *, user, email: bool, wechat: bool, sms: str, digest: bool = False
) -> ChannelPreference:
    """Save the person's own channel preference (audited)."""
    if sms not in SmsMode.values:
        raise ValidationError({"sms": _("请选择短信接收方式。")})
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user, defaults={"email": email, "wechat": wechat, "sms": sms, "digest": digest}
    )
    return preference


DIGEST_CATEGORY = "digest"
DIGEST_LINES = 20  # at most this many titles in one digest (the rest: "and N more")


def send_digests(now: datetime | None = None) -> int:
    """The daily digest: for every person with messages waiting for it, one message through
    their other channels listing the unread ones by category; the waiting flags are cleared
    (also for messages read in the meantime, which are left out). Returns how many digests."""
    from yingshang.platform.labels import label

    sent = 0
    recipients = (
        Notification.objects.filter(digest_pending=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for recipient_id in list(recipients):
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update()
                .filter(recipient_id=recipient_id, digest_pending=True)
                .order_by("created_at", "id")
            )
            if not pending:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(digest_pending=False)
            unread = [n for n in pending if n.read_at is None]
            if not unread:
                continue
            lines = []
            by_category: dict[str, list[Notification]] = {}
            for n in unread:
                by_category.setdefault(n.category, []).append(n)
            for category, items in by_category.items():
                lines.append(f"{label('notifications.category', category)}（{len(items)}）")
                lines.extend(f"· {n.title}" for n in items[:DIGEST_LINES])
                if len(items) > DIGEST_LINES:
                    lines.append(_("……另有 %(n)d 条") % {"n": len(items) - DIGEST_LINES})
            notify(
                pending[0].recipient,
                _("每日消息汇总：%(n)d 条未读消息") % {"n": len(unread)},
                "\n".join(lines),
                link=reverse("notifications:inbox"),
                category=DIGEST_CATEGORY,
                channels=[c for c in DEFAULT_CHANNELS if c != IN_APP],
                digest=False,
            )
            sent += 1
    return sent


def _fall_back_to_sms(delivery: Delivery) -> int | None:
    """A WeChat push that is dead goes out by SMS instead (once), when the person has a phone
    SMS can reach. Returns the new delivery's id."""
    if delivery.channel != "wechat":
        return None
    if preference_of(delivery.notification.recipient).sms == SmsMode.NEVER:
        return None
    sender = get_sender("sms")
    address = sender.address_for(delivery.notification.recipient) if sender else None
    if not address:
        return None
    notification = delivery.notification
    if notification.deliveries.filter(channel="sms").exists():
        return None
    fallback = Delivery.objects.create(
        notification=notification, channel="sms", address=address, next_attempt_at=timezone.now()
    )
    transaction.on_commit(partial(enqueue_delivery, fallback.pk), robust=True)
    return fallback.pk


def enqueue_delivery(delivery_id: int) -> None:
    from .tasks import send_delivery

    send_delivery.enqueue(delivery_id)


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """Try to send one delivery that is due. Returns the new status, or None when the delivery
    was not due (already sent, dead, leased by another worker, or its retry time not reached).

    The claim is a conditional UPDATE (status pending/failed and due → attempts+1, leased), so
    two workers never send the same delivery at once. Failures are recorded, retried with
    exponential back-off and, after NOTIFY_MAX_ATTEMPTS, the delivery is dead (logged at
    ERROR, listed in the admin)."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    sender = get_sender(delivery.channel)
    try:
        if sender is None:
            raise LookupError(f"no sender registered for channel {delivery.channel!r}")
        sender.send(delivery)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        return _record_failure(delivery, exc, now)
    _record_sent([delivery])
    return DeliveryStatus.SENT


def _record_sent(deliveries) -> None:
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    for delivery in deliveries:
        logger.info(
            "delivery %s (%s to %s) sent",
            delivery.pk,
            delivery.channel,
            mask_address(delivery.channel, delivery.address),
        )


def _record_failure(delivery: Delivery, exc: Exception, now: datetime) -> str:
    """A failed attempt of a claimed delivery: retried with back-off, or dead after
    NOTIFY_MAX_ATTEMPTS (logged at ERROR, listed in the admin, a WeChat push falls back to SMS)."""
    masked = mask_address(delivery.channel, delivery.address)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    log_error = error.replace(delivery.address, masked) if delivery.address else error
    limit = max_attempts()
    if delivery.attempts >= limit:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DEAD, next_attempt_at=None, last_error=error
        )
        logger.error(
            "delivery %s (%s to %s) is dead after %d attempts: %s",
            delivery.pk,
            delivery.channel,
            masked,
            delivery.attempts,
            log_error,
        )
        _fall_back_to_sms(delivery)
        return DeliveryStatus.DEAD
    retry_at = now + backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, next_attempt_at=retry_at, last_error=error
    )
    logger.warning(
        "delivery %s (%s to %s) failed, attempt %d/%d, retry at %s: %s",
        delivery.pk,
        delivery.channel,
        masked,
        delivery.attempts,
        limit,
        retry_at.isoformat(),
        log_error,
    )
    return DeliveryStatus.FAILED


DRAIN_BATCH = 200  # deliveries claimed at once by a drain


def claim_due(channel: str, *, limit: int = DRAIN_BATCH, now: datetime | None = None) -> list:
    """Claim up to ``limit`` due deliveries of ``channel`` (attempts+1, leased for LEASE) and
    return them with their notifications. On PostgreSQL the candidates are
    locked with SKIP LOCKED, so drains running side by side never claim the same delivery; on
    SQLite (one writer at a time) each candidate is claimed by a conditional UPDATE, as
    ``attempt_delivery`` does."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        channel=channel,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    )
    lease = {"attempts": F("attempts") + 1, "next_attempt_at": now + LEASE}
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            Delivery.objects.filter(pk__in=ids).update(**lease)
        else:
            candidates = due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)
            ids = [pk for pk in list(candidates[:limit]) if due.filter(pk=pk).update(**lease)]
    if not ids:
        return []
    # the notification's text is what a sender needs; the recipient is read only for the few
    # that fail for good (the SMS fallback)
    return list(Delivery.objects.select_related("notification").filter(pk__in=ids).order_by("pk"))


def drain(channel: str, *, limit: int = DRAIN_BATCH, max_batches: int | None = None) -> dict:
    """Send every due delivery of ``channel`` in batches until none is due: claim a batch, hand
    it to the sender's ``send_many``, record the sent ones with one UPDATE and each failure as
    ``attempt_delivery`` does. Safe to run in several workers at once. Returns counts."""
    sender = get_sender(channel)
    counts = {"sent": 0, "failed": 0, "dead": 0, "batches": 0}
    while max_batches is None or counts["batches"] < max_batches:
        now = timezone.now()
        batch = claim_due(channel, limit=limit, now=now)
        if not batch:
            break
        counts["batches"] += 1
        if sender is None:
            missing = LookupError(f"no sender registered for channel {channel!r}")
            outcome = {d.pk: missing for d in batch}
        else:
            try:
                outcome = sender.send_many(batch)
            except Exception as exc:  # noqa: BLE001 - the whole batch failed: retried
                outcome = {d.pk: exc for d in batch}
        sent = [d for d in batch if d.pk in outcome and outcome[d.pk] is None]
        _record_sent(sent)
        counts["sent"] += len(sent)
        for delivery in batch:
            if delivery.pk in outcome and outcome[delivery.pk] is None:
                continue
            error = outcome.get(delivery.pk) or RuntimeError("the sender gave no outcome")
            status = _record_failure(delivery, error, now)
            counts["dead" if status == DeliveryStatus.DEAD else "failed"] += 1
    return counts


def due_deliveries(now: datetime | None = None):
    """Deliveries whose (re)try is due: failed ones whose back-off has passed, and pending ones
    whose first enqueue evidently got lost (older than the lease)."""
    now = now or timezone.now()
    return Delivery.objects.filter(next_attempt_at__lte=now).filter(
        Q(status=DeliveryStatus.FAILED)
        | Q(status=DeliveryStatus.PENDING, created_at__lte=now - LEASE)
    )


def retry_due(now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue a send task for every due retry (the periodic job). Returns how many."""
    ids = list(due_deliveries(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        enqueue_delivery(pk)
    return len(ids)


@transaction.atomic
def retry_now(deliveries) -> int:
    """Admin action: retry failed or dead deliveries at once (one more attempt each; a dead
    delivery that fails again is dead again)."""
    ids = list(
        deliveries.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.FAILED, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(enqueue_delivery, pk), robust=True)
    return len(ids)


@transaction.atomic
def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())
