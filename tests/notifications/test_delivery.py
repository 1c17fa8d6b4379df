"""E-mail deliveries through a real SMTP server, retries with back-off, dead letters."""

import logging
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.utils import timezone

from yingshang.notifications import services
from yingshang.notifications.admin import DeliveryAdmin
from yingshang.notifications.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


def test_email_arrives_at_a_real_smtp_server(smtp_server, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(
            user, "您的申请已受理", "受理编号 SL-2026-0001", link="/portal/cases/1/"
        )
    assert len(smtp_server.messages) == 1
    mail_from, rcpt_tos, msg = smtp_server.messages[0]
    assert rcpt_tos == ["wang.fang@example.com"]
    assert msg["To"] == "wang.fang@example.com"
    assert msg["Subject"] == "您的申请已受理"
    body = msg.get_content()
    assert "受理编号 SL-2026-0001" in body and "/portal/cases/1/" in body
    delivery = n.deliveries.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_failing_server_retries_with_growing_backoff_then_dead(
    dead_smtp, user, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 4
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    with caplog.at_level(logging.WARNING, logger="yingshang.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            n = services.notify(user, "提醒", "内容")
        delivery = n.deliveries.get()
        # The first attempt ran when the transaction committed (ImmediateBackend in tests).
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
        assert "ConnectionRefusedError" in delivery.last_error

        gaps = []
        previous = now = timezone.now()
        for attempt in range(2, 5):
            due = delivery.next_attempt_at
            gaps.append(due - previous)
            # Not due yet: nothing happens.
            assert services.attempt_delivery(delivery.pk, now=due - timedelta(seconds=1)) is None
            now = due
            result = services.attempt_delivery(delivery.pk, now=now)
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            previous = now
            if attempt < 4:
                assert result == DeliveryStatus.FAILED
        assert result == DeliveryStatus.DEAD
    assert delivery.status == DeliveryStatus.DEAD and delivery.next_attempt_at is None
    # 1, 2, 4 minutes (the first gap is measured from just after the first attempt).
    assert gaps[0] <= timedelta(seconds=61)
    assert gaps[1] == timedelta(minutes=2) and gaps[2] == timedelta(minutes=4)
    # A dead delivery is never attempted again by itself …
    assert services.attempt_delivery(delivery.pk, now=now + timedelta(days=1)) is None
    assert not services.due_deliveries(now + timedelta(days=1)).exists()
    # … and the give-up is logged at ERROR, with the address masked.
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "dead after 4 attempts" in errors[0].getMessage()
    assert all("wang.fang@" not in r.getMessage() for r in caplog.records)
    assert "w********@example.com" in errors[0].getMessage()


def test_retry_job_reenqueues_only_due_failures(
    dead_smtp, user, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user, "提醒")
    delivery = n.deliveries.get()
    delivery.refresh_from_db()
    assert services.retry_due(timezone.now()) == 0  # back-off not over
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.retry_due() == 1  # immediate backend: attempt 2 ran
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.FAILED


def test_admin_lists_dead_deliveries_masked_and_retries_them(
    smtp_server, user, staff, login, django_capture_on_commit_callbacks
):
    n = services.notify(user, "旧消息", channels=("inapp",))
    dead = Delivery.objects.create(
        notification=n,
        channel="email",
        address="wang.fang@example.com",
        status=DeliveryStatus.DEAD,
        attempts=6,
        last_error="ConnectionRefusedError",
    )
    client = login(staff["admin"])
    response = client.get("/admin/notifications/delivery/?status__exact=dead")
    assert response.status_code == 200
    html = response.content.decode()
    assert "w********@example.com" in html and "wang.fang@example.com" not in html
    assert f"/admin/notifications/delivery/{dead.pk}/change/" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/delivery/",
            {"action": "retry", "_selected_action": [dead.pk]},
        )
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.SENT and dead.attempts == 7
    assert smtp_server.messages[0][2]["Subject"] == "旧消息"
    assert isinstance(site._registry[Delivery], DeliveryAdmin)


def test_lost_lease_is_recovered(user, django_capture_on_commit_callbacks):
    """A worker that died mid-send leaves a leased delivery: the retry job takes it over."""
    n = services.notify(user, "x")  # no on_commit execution: the enqueue got "lost"
    delivery = n.deliveries.get()
    later = timezone.now() + services.LEASE + timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - services.LEASE)
    assert list(services.due_deliveries(later)) == [delivery]
    assert services.attempt_delivery(delivery.pk, now=later) == DeliveryStatus.SENT
