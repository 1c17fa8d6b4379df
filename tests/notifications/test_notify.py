import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from yingshang.notifications import services
from yingshang.notifications.models import Delivery, DeliveryStatus, Notification
from yingshang.notifications.senders import mask_address, mask_email

pytestmark = pytest.mark.django_db


def test_notify_creates_in_app_notification_and_email(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        n = services.notify(
            user, "办件即将超期", "请尽快办理。", link="/staff/cases/7/", category="deadline"
        )
    assert len(callbacks) == 1  # the e-mail is only enqueued on commit
    n.refresh_from_db()
    assert (n.recipient, n.title, n.category, n.in_app, n.read_at) == (
        user,
        "办件即将超期",
        "deadline",
        True,
        None,
    )
    delivery = n.deliveries.get()
    assert (delivery.channel, delivery.address, delivery.status, delivery.attempts) == (
        "email",
        "wang.fang@example.com",
        DeliveryStatus.SENT,
        1,
    )
    assert delivery.sent_at is not None
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.subject == "办件即将超期" and msg.to == ["wang.fang@example.com"]
    assert "请尽快办理。" in msg.body and "/staff/cases/7/" in msg.body


def test_rollback_means_no_notification_no_delivery_no_mail(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.notify(user, "不会发出")
                raise RuntimeError("the surrounding use case failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_in_app_only_and_email_only(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inapp = services.notify(user, "仅站内", channels=("inapp",))
        mailonly = services.notify(user, "仅邮件", channels=("email",))
    assert not inapp.deliveries.exists()
    assert mailonly.in_app is False
    assert list(Notification.objects.for_user(user)) == [inapp]
    assert [m.subject for m in mail.outbox] == ["仅邮件"]


def test_no_address_and_unknown_channel_are_skipped_and_logged(
    django_user_model, caplog, django_capture_on_commit_callbacks
):
    nomail = django_user_model.objects.create_user("nomail", password="x")
    with caplog.at_level(logging.INFO, logger="yingshang.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            n = services.notify(nomail, "标题", channels=("inapp", "email", "sms", "fax"))
    assert not n.deliveries.exists()
    assert mail.outbox == []
    assert any("no sender registered for channel 'fax'" in r.message for r in caplog.records)
    assert any("has no email address" in r.message for r in caplog.records)
    assert any("has no sms address" in r.message for r in caplog.records)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x", "link": "javascript:alert(1)"}, "link"),
        ({"title": "x", "link": "staff/cases/"}, "link"),
    ],
)
def test_bad_input_is_rejected(user, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.notify(user, **kwargs)
    assert field in exc.value.message_dict
    assert not Notification.objects.exists()


def test_address_masking():
    assert mask_email("wang.fang@example.com") == "w********@example.com"
    assert mask_address("sms", "13812345678") == "138****5678"
    assert mask_address("email", "") == ""
