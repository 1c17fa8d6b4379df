"""WeChat pushes in batches (#14 speed): ``notify`` queues one drain per transaction for the
batched channel, ``drain`` claims due deliveries a batch at a time and ``WeChatSender.send_many``
pushes them concurrently to the fake WeChat API server over HTTP (never patched): every
delivery is sent exactly once, failures are recorded and retried per delivery, a refused token
is refreshed once for the batch."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from yingshang.channels.models import Follower, PushResult
from yingshang.notifications import services
from yingshang.notifications.models import Delivery, DeliveryStatus, Notification

from .conftest import OPENID

pytestmark = pytest.mark.django_db

OTHER_OPENID = "oOtherFollower0123456789abc"


@pytest.fixture
def citizen(db):
    from yingshang.core.models import User

    user = User.objects.create_user("wx_drain", password="x" * 12, full_name="关注者")
    Follower.objects.create(openid=OPENID, user=user, subscribed=True)
    return user


def _deliveries(user, n, *, address=OPENID, category="case"):
    """``n`` due WeChat deliveries written directly (a burst already queued)."""
    now = timezone.now()
    notes = Notification.objects.bulk_create(
        [
            Notification(recipient=user, title=f"办件状态变更 {i}", category=category)
            for i in range(n)
        ]
    )
    return Delivery.objects.bulk_create(
        [
            Delivery(notification=x, channel="wechat", address=address, next_attempt_at=now)
            for x in notes
        ]
    )


def test_notify_queues_one_drain_per_transaction_not_a_task_per_message(
    fake, citizen, templates, settings, django_capture_on_commit_callbacks
):
    from django.tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            services.notify(citizen, f"消息 {i}", channels=("wechat",))
    from django.tasks import default_task_backend as backend

    names = [r.task.name for r in backend.results]
    assert names.count("drain_channel") == 1
    assert "send_delivery" not in names
    assert Delivery.objects.filter(channel="wechat", status=DeliveryStatus.PENDING).count() == 5


def test_the_drain_task_sends_what_notify_wrote(
    fake, citizen, templates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            services.notify(citizen, f"您的办件 {i} 已受理", channels=("wechat",))
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3
    assert sorted(m["data"]["thing1"]["value"] for m in fake.received) == [
        f"您的办件 {i} 已受理" for i in range(3)
    ]


def test_drain_sends_every_due_delivery_once_in_batches(fake, citizen, templates, settings):
    settings.WECHAT_PUSH_CONCURRENCY = 4
    batch = _deliveries(citizen, 45)
    counts = services.drain("wechat", limit=10)
    assert counts == {"sent": 45, "failed": 0, "dead": 0, "batches": 5}
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 45
    assert len(fake.received) == 45
    titles = [m["data"]["thing1"]["value"] for m in fake.received]
    assert len(set(titles)) == 45  # no delivery twice
    # one answer per delivery, msgids as the fake numbered them
    results = PushResult.objects.filter(delivery__in=batch)
    assert results.count() == 45
    assert {r.msgid for r in results} == {str(m["msgid"]) for m in fake.received}
    assert fake.tokens_issued == 1
    assert services.drain("wechat") == {"sent": 0, "failed": 0, "dead": 0, "batches": 0}


def test_only_due_deliveries_are_claimed_and_a_claim_is_leased(fake, citizen):
    due, later = _deliveries(citizen, 2)
    Delivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    claimed = services.claim_due("wechat")
    assert [d.pk for d in claimed] == [due.pk]
    due.refresh_from_db()
    assert due.attempts == 1 and due.next_attempt_at > timezone.now()
    assert services.claim_due("wechat") == []  # leased: nobody else takes it


def test_a_refused_token_is_refreshed_once_for_the_whole_batch(fake, citizen, templates):
    services.drain("wechat") if _deliveries(citizen, 1) else None
    assert fake.tokens_issued == 1
    fake.expire_tokens()
    _deliveries(citizen, 12)
    counts = services.drain("wechat")
    assert counts["sent"] == 12
    assert fake.tokens_issued == 2
    assert len(fake.received) == 13


def test_a_person_who_refused_subscriptions_gets_the_template_message(fake, citizen, templates):
    from yingshang.core.models import User

    other = User.objects.create_user("wx_other", password="x" * 12)
    Follower.objects.create(openid=OTHER_OPENID, user=other, subscribed=True)
    fake.refused_openids.add(OTHER_OPENID)
    [mine] = _deliveries(citizen, 1)
    [theirs] = _deliveries(other, 1, address=OTHER_OPENID)
    assert services.drain("wechat")["sent"] == 2
    kinds = {(m["touser"], m["kind"]) for m in fake.received}
    assert kinds == {(OPENID, "subscribe"), (OTHER_OPENID, "template")}
    assert list(
        PushResult.objects.filter(delivery=theirs).order_by("pk").values_list("kind", "errcode")
    ) == [("subscribe", 43101), ("template", 0)]
    assert PushResult.objects.filter(delivery=mine).count() == 1


def test_one_failure_in_a_batch_is_retried_alone(fake, citizen, templates):
    fake.fail("/cgi-bin/message/subscribe/bizsend", 45009, times=1)
    _deliveries(citizen, 6)
    counts = services.drain("wechat", limit=6)
    assert counts["sent"] == 5 and counts["failed"] == 1
    [failed] = Delivery.objects.filter(status=DeliveryStatus.FAILED)
    assert "45009" in failed.last_error
    assert failed.next_attempt_at > timezone.now()  # back-off, not due again at once
    assert PushResult.objects.filter(delivery=failed, errcode=45009).count() == 1
    # its turn comes after the back-off: the next drain then sends it
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert services.drain("wechat")["sent"] == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 6


def test_undeliverable_ones_fail_with_the_reason_and_the_rest_go(fake, citizen, templates):
    Follower.objects.create(openid=OTHER_OPENID, subscribed=False)
    _deliveries(citizen, 2)
    [stopped] = _deliveries(citizen, 1, address=OTHER_OPENID)
    [untemplated] = _deliveries(citizen, 1, category="no-template-here")
    from yingshang.channels.models import TemplateMapping

    TemplateMapping.objects.filter(category="").delete()
    TemplateMapping.objects.create(category="case", kind="subscribe", template_id="CASE-TPL")
    counts = services.drain("wechat")
    assert counts["sent"] == 2 and counts["failed"] == 2
    stopped.refresh_from_db()
    untemplated.refresh_from_db()
    assert "unsubscribed" in stopped.last_error
    assert "no WeChat template" in untemplated.last_error
    assert len(fake.received) == 2


def test_an_unreachable_api_fails_the_batch_for_a_retry(fake, citizen, templates, monkeypatch):
    from yingshang.channels.config import clear_cache
    from yingshang.channels.sender import forget_clients

    services.drain("wechat") if _deliveries(citizen, 1) else None  # token stored
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    clear_cache()
    forget_clients()
    _deliveries(citizen, 3)
    counts = services.drain("wechat")
    assert counts == {"sent": 0, "failed": 3, "dead": 0, "batches": 1}
    assert all(
        d.attempts == 1 and d.last_error
        for d in Delivery.objects.filter(status=DeliveryStatus.FAILED)
    )


def test_a_push_that_stays_refused_dies_and_falls_back_to_sms(
    fake, citizen, templates, settings, sms
):
    type(citizen).objects.filter(pk=citizen.pk).update(phone="13890012345")
    settings.NOTIFY_MAX_ATTEMPTS = 1
    fake.fail("/cgi-bin/message/subscribe/bizsend", 45009, times=1)
    [delivery] = _deliveries(citizen, 1)
    counts = services.drain("wechat")
    assert counts["dead"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    [fallback] = Delivery.objects.filter(notification=delivery.notification, channel="sms")
    assert fallback.address == "13890012345"
    assert services.attempt_delivery(fallback.pk) == DeliveryStatus.SENT


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_drains_side_by_side_never_send_a_delivery_twice(fake, citizen, templates):
    _deliveries(citizen, 120)
    totals, errors = [], []

    def worker():
        try:
            totals.append(services.drain("wechat", limit=7)["sent"])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(totals) == 120
    assert len(fake.received) == 120
    titles = [m["data"]["thing1"]["value"] for m in fake.received]
    assert len(set(titles)) == 120
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 120


def test_a_forked_process_gets_its_own_push_threads(fake, citizen, templates, monkeypatch):
    """A worker forked after its parent pushed must not reuse the parent's thread pool (the
    threads do not survive a fork): the pool is keyed by the process id."""
    from yingshang.channels import sender

    _deliveries(citizen, 3)
    assert services.drain("wechat")["sent"] == 3
    parent_pool = sender._pool[1]
    monkeypatch.setattr(sender.os, "getpid", lambda: -12345)  # as if in a forked child
    _deliveries(citizen, 3)
    assert services.drain("wechat")["sent"] == 3
    assert sender._pool[1] is not parent_pool and sender._pool[0][0] == -12345
    assert len(fake.received) == 6
