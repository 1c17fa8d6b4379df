"""The sender registry, the back-off maths (Hypothesis), a delivery through a flaky channel
until it is sent, what is due for a retry, the admin's "retry now", the e-mail body and links,
address masking, and the inbox filter."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from yingshang.notifications import selectors, senders, services
from yingshang.notifications.models import Delivery, DeliveryStatus
from yingshang.notifications.senders import BaseSender, register

from .factories import DeliveryFactory, NotificationFactory


class FlakySender(BaseSender):
    """A channel whose gateway refuses the first ``failures`` sends (per test)."""

    label = "flaky"
    failures = 0
    sent: list = []

    def address_for(self, recipient):
        return getattr(recipient, "phone", "") or None

    def send(self, delivery):
        if FlakySender.failures > 0:
            FlakySender.failures -= 1
            raise ConnectionError(f"gateway down for {delivery.address}")
        FlakySender.sent.append(delivery.address)


@pytest.fixture
def flaky():
    register("flaky")(FlakySender)
    FlakySender.failures, FlakySender.sent = 0, []
    yield FlakySender
    senders.unregister("flaky")


# ------------------------------------------------------------------------------ registry


def test_register_checks_its_input(flaky):
    assert "flaky" in senders.channels() and senders.channels() == sorted(senders.channels())
    assert isinstance(senders.get_sender("flaky"), FlakySender)
    assert senders.get_sender("flaky") is not senders.get_sender("flaky")  # a fresh instance
    register("flaky")(FlakySender)  # the same class again: accepted

    class Other(FlakySender):
        pass

    with pytest.raises(ValueError, match="already has sender"):
        register("flaky")(Other)
    with pytest.raises(ValueError, match="notification centre itself"):
        register(senders.IN_APP)(Other)
    with pytest.raises(TypeError):
        register("x")(object)
    senders.unregister("flaky")
    assert senders.get_sender("flaky") is None
    senders.unregister("flaky")  # unregistering twice is harmless


# ------------------------------------------------------------------------------ back-off


@given(st.integers(min_value=1, max_value=40))
def test_backoff_doubles_until_the_cap(attempts):
    delay = services.backoff(attempts).total_seconds()
    assert delay == min(60 * 2 ** (attempts - 1), 6 * 3600)
    assert services.backoff(attempts + 1).total_seconds() >= delay
    assert 60 <= delay <= 6 * 3600


def test_backoff_and_attempts_follow_the_settings(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_RETRY_MAX_SECONDS = 45
    assert [services.backoff(n).total_seconds() for n in range(0, 5)] == [10, 10, 20, 40, 45]
    settings.NOTIFY_MAX_ATTEMPTS = "3"
    assert services.max_attempts() == 3


# ------------------------------------------------------------------------------ delivery


@pytest.mark.django_db
def test_flaky_channel_is_retried_until_sent(flaky, user, settings, caplog,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    user.phone = "13812345678"
    user.save(update_fields=["phone"])
    flaky.failures = 2
    with caplog.at_level(logging.INFO, logger="yingshang.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            n = services.notify(user, "材料已补正", channels=["flaky"])
        assert not n.in_app  # other channels only: not in the inbox
        assert selectors.inbox_for(user).count() == 0
        delivery = n.deliveries.get()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
        assert delivery.last_error == "ConnectionError: gateway down for 13812345678"
        for expected_attempts in (2, 3):
            result = services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at)
            delivery.refresh_from_db()
            assert delivery.attempts == expected_attempts
        assert result == DeliveryStatus.SENT
    assert delivery.status == DeliveryStatus.SENT and delivery.last_error == ""
    assert delivery.sent_at is not None and delivery.next_attempt_at is None
    assert flaky.sent == ["13812345678"]
    # the logs never name the full number
    assert all("13812345678" not in r.getMessage() for r in caplog.records)
    assert any("138****5678" in r.getMessage() for r in caplog.records)
    # a sent delivery is not sent again
    assert services.attempt_delivery(delivery.pk, now=timezone.now() + timedelta(days=1)) is None


@pytest.mark.django_db
def test_a_channel_whose_sender_went_away_fails_and_is_retried(flaky, user):
    delivery = DeliveryFactory(channel="flaky", address="13800000000",
                               next_attempt_at=timezone.now())  # fmt: skip
    senders.unregister("flaky")
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("LookupError: no sender registered for channel 'flaky'")


@pytest.mark.django_db
def test_a_leased_delivery_is_not_claimed_twice(flaky):
    now = timezone.now()
    delivery = DeliveryFactory(channel="flaky", address="13800000001", next_attempt_at=now)
    # the first worker claims it (its lease runs LEASE from now) …
    claimed = Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + services.LEASE)
    assert claimed == 1
    # … a second worker within the lease gets nothing; after the lease it may retry
    assert services.attempt_delivery(delivery.pk, now=now + timedelta(minutes=1)) is None
    assert services.attempt_delivery(delivery.pk, now=now + services.LEASE) == DeliveryStatus.SENT


@pytest.mark.django_db
def test_due_deliveries_and_the_retry_job(flaky):
    now = timezone.now()
    past, future = now - timedelta(minutes=1), now + timedelta(minutes=1)
    failed_due = DeliveryFactory(
        channel="flaky", status=DeliveryStatus.FAILED, next_attempt_at=past
    )
    DeliveryFactory(channel="flaky", status=DeliveryStatus.FAILED, next_attempt_at=future)
    DeliveryFactory(channel="flaky", status=DeliveryStatus.DEAD, next_attempt_at=None)
    young = DeliveryFactory(channel="flaky", next_attempt_at=past)  # its first send is under way
    lost = DeliveryFactory(channel="flaky", next_attempt_at=past)
    Delivery.objects.filter(pk=lost.pk).update(
        created_at=now - services.LEASE - timedelta(seconds=1)
    )
    assert set(services.due_deliveries(now)) == {failed_due, lost}
    assert young not in services.due_deliveries(now)
    from yingshang.notifications.jobs import retry_failed_deliveries

    assert retry_failed_deliveries.call() == 2  # the immediate task backend sends them now
    assert sorted(flaky.sent) == sorted([failed_due.address, lost.address])
    assert services.retry_due(now, limit=5) == 0


@pytest.mark.django_db
def test_retry_now_only_touches_failed_and_dead(flaky, django_capture_on_commit_callbacks):
    dead = DeliveryFactory(channel="flaky", status=DeliveryStatus.DEAD, attempts=6)
    failed = DeliveryFactory(channel="flaky", status=DeliveryStatus.FAILED,
                             next_attempt_at=timezone.now() + timedelta(hours=1))  # fmt: skip
    sent = DeliveryFactory(channel="flaky", status=DeliveryStatus.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_now(Delivery.objects.all()) == 2
    for d in (dead, failed):
        d.refresh_from_db()
        assert d.status == DeliveryStatus.SENT
    assert dead.attempts == 7
    sent.refresh_from_db()
    assert sent.attempts == 0


# ------------------------------------------------------------------------------ e-mail


@pytest.mark.parametrize(
    "link,site,expected",
    [
        ("/staff/cases/T1/", "https://yingshang.example.cn/", "https://yingshang.example.cn/staff/cases/T1/"),
        ("staff/cases/", "https://a.example", "https://a.example/staff/cases/"),
        ("https://other.example/x", "https://a.example", "https://other.example/x"),
        ("", "https://a.example", ""),
        ("/x", "", "http://127.0.0.1:8000/x"),
    ],
)  # fmt: skip
def test_absolute_link(settings, link, site, expected):
    settings.SITE_URL = site
    assert senders.absolute_link(link) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,link,expected",
    [
        ("请查看", "/staff/cases/", "请查看\n\nhttps://ys.example/staff/cases/"),
        ("", "/staff/cases/", "https://ys.example/staff/cases/"),
        ("只有正文", "", "只有正文"),
    ],
)
def test_email_body_carries_the_absolute_link(settings, body, link, expected):
    settings.SITE_URL = "https://ys.example"
    delivery = DeliveryFactory(notification=NotificationFactory(body=body, link=link),
                               address="zhang@example.com", next_attempt_at=timezone.now())  # fmt: skip
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    (message,) = mail.outbox
    assert message.body == expected and message.to == ["zhang@example.com"]
    assert message.subject == delivery.notification.title


@pytest.mark.parametrize(
    "channel,address,masked",
    [
        ("email", "a@example.com", "a*@example.com"),
        ("wechat", "oAbC1234efgh5678WXYZ", "oAbC****WXYZ"),
        ("wechat", "short", "*****"),
        ("sms", "13812345678", "138****5678"),
    ],
)
def test_mask_address(channel, address, masked):
    assert senders.mask_address(channel, address) == masked


def test_mask_email_without_a_domain_hides_everything():
    assert senders.mask_email("nodomain") == "********"
    assert senders.mask_email("") == ""


# ------------------------------------------------------------------------------ inbox filter


@pytest.mark.django_db
def test_inbox_unread_filter_and_bad_values(login, user):
    read = NotificationFactory(recipient=user, title="已读消息")
    services.mark_read(read)
    NotificationFactory(recipient=user, title="未读消息")
    client = login(user)
    page = client.get("/notifications/", {"unread": "1"})
    assert [n.title for n in page.context["items"]] == ["未读消息"]
    page = client.get("/notifications/", {"unread": "0"})
    assert {n.title for n in page.context["items"]} == {"已读消息", "未读消息"}
    page = client.get("/notifications/", {"unread": "maybe"})
    assert page.status_code == 200 and "unread" in page.context["filter_form"].errors
    assert len(page.context["items"]) == 2  # the bad filter is left out
    page = client.get("/notifications/", {"page": "9"})
    assert "页码超出范围" in page.context["filter_form"].errors["page"][0]


@pytest.mark.django_db
def test_api_filters_and_others_are_404(login, user, other):
    NotificationFactory(recipient=user, category="cases", title="办件")
    NotificationFactory(recipient=user, category="appeals", title="诉求")
    theirs = NotificationFactory(recipient=other)
    client = login(user)
    rows = client.get("/api/notifications/", {"category": "appeals"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [r["title"] for r in rows] == ["诉求"]
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/notifications/read-all/").json() == {"count": 2}
    assert client.get("/api/notifications/unread-count/").json() == {"count": 0}
