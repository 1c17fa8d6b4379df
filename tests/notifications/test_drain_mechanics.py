"""The notification centre's batch path, independent of any real channel: a test channel whose
sender keeps what it was given (a sender is a plug-in, registered like any other), so the
drain's claim, batching, outcome recording and the per-transaction drain task are checked on
their own. WeChat's own sender over HTTP is tested in tests/channels/test_drain.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingshang.notifications import services
from yingshang.notifications.models import Delivery, DeliveryStatus, Notification
from yingshang.notifications.senders import BaseSender, register, unregister

pytestmark = pytest.mark.django_db

CHANNEL = "testbatch"


class _Recorder(BaseSender):
    """Sends nothing: remembers the batches and fails the deliveries whose title says so."""

    batched = True
    batches: list[list[int]] = []

    def address_for(self, recipient):
        return f"user-{recipient.pk}"

    def send(self, delivery):
        if "失败" in delivery.notification.title:
            raise RuntimeError("refused by the test channel")


class _Batched(_Recorder):
    def send_many(self, deliveries):
        type(self).batches.append([d.pk for d in deliveries])
        return super().send_many(deliveries)


@pytest.fixture
def channel():
    _Batched.batches = []
    register(CHANNEL)(_Batched)
    yield _Batched
    unregister(CHANNEL)


@pytest.fixture
def person(db):
    from yingshang.core.models import User

    return User.objects.create_user("drain_person", password="x" * 12, full_name="收件人")


def _due(person, titles, *, at=None):
    at = at or timezone.now()
    notes = Notification.objects.bulk_create(
        [Notification(recipient=person, title=t) for t in titles]
    )
    return Delivery.objects.bulk_create(
        [Delivery(notification=n, channel=CHANNEL, address="x", next_attempt_at=at) for n in notes]
    )


def test_the_default_send_many_sends_one_by_one_and_keeps_each_outcome(person):
    ok, bad = _due(person, ["已受理", "发送失败"])
    outcome = _Recorder().send_many([ok, bad])
    assert outcome[ok.pk] is None
    assert isinstance(outcome[bad.pk], RuntimeError)


def test_drain_batches_in_claim_order_and_records_each_outcome(channel, person):
    rows = _due(person, [f"消息 {i}" for i in range(7)] + ["这条失败"])
    counts = services.drain(CHANNEL, limit=3)
    assert counts == {"sent": 7, "failed": 1, "dead": 0, "batches": 3}
    assert channel.batches == [[r.pk for r in rows[i : i + 3]] for i in (0, 3, 6)]
    failed = Delivery.objects.get(pk=rows[-1].pk)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert "refused by the test channel" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # back-off: not due again in this drain
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT)
    assert sent.count() == 7 and all(d.sent_at and d.attempts == 1 for d in sent)


def test_max_batches_stops_the_drain_early(channel, person):
    _due(person, [f"消息 {i}" for i in range(5)])
    assert services.drain(CHANNEL, limit=2, max_batches=1)["sent"] == 2
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3


def test_deliveries_not_yet_due_wait(channel, person):
    later = timezone.now() + timedelta(minutes=10)
    _due(person, ["稍后"], at=later)
    assert services.drain(CHANNEL)["batches"] == 0
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_a_channel_without_a_sender_fails_its_deliveries_for_a_retry(person):
    _due(person, ["无人发送"])
    counts = services.drain("nobody-registered")
    assert counts["batches"] == 0  # other channels' deliveries are never claimed
    Delivery.objects.update(channel="gone")
    counts = services.drain("gone")
    assert counts == {"sent": 0, "failed": 1, "dead": 0, "batches": 1}
    assert "no sender registered" in Delivery.objects.get().last_error


def test_a_sender_that_raises_for_the_batch_fails_each_delivery(channel, person, monkeypatch):
    rows = _due(person, ["一", "二"])

    def broken(self, deliveries):
        raise ConnectionError("the whole batch could not be sent")

    monkeypatch.setattr(channel, "send_many", broken)
    counts = services.drain(CHANNEL)
    assert counts["failed"] == 2
    for row in rows:
        row.refresh_from_db()
        assert "ConnectionError" in row.last_error and row.status == DeliveryStatus.FAILED


def test_the_last_allowed_attempt_makes_it_dead(channel, person, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    _due(person, ["总是失败"])
    assert services.drain(CHANNEL)["dead"] == 1
    assert Delivery.objects.get().status == DeliveryStatus.DEAD


def test_notify_queues_one_drain_for_a_transaction_and_a_task_per_message_otherwise(
    channel, person, settings, django_capture_on_commit_callbacks
):
    from django.tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            services.notify(person, f"批量 {i}", channels=(CHANNEL,))
    names = [r.task.name for r in default_task_backend.results]
    assert names == ["drain_channel"]
    assert default_task_backend.results[0].args == [CHANNEL]
    default_task_backend.clear()
    channel.batched = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(2):
                services.notify(person, f"逐条 {i}", channels=(CHANNEL,))
    finally:
        channel.batched = True
    assert [r.task.name for r in default_task_backend.results] == ["send_delivery"] * 2


def test_attempt_delivery_and_drain_record_the_same_way(channel, person):
    one, two = _due(person, ["单条", "批量"])
    assert services.attempt_delivery(one.pk) == DeliveryStatus.SENT
    assert services.drain(CHANNEL)["sent"] == 1
    one.refresh_from_db()
    two.refresh_from_db()
    for row in (one, two):
        assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
            DeliveryStatus.SENT,
            1,
            None,
            "",
        )
