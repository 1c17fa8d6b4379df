"""One message per event per person (dedup_key, unique), the daily digest preference and job,
and the inbox grouped by category with human names."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from yingshang.notifications import services
from yingshang.notifications.jobs import daily_digest
from yingshang.notifications.models import Delivery, Notification
from yingshang.platform import jobs

pytestmark = pytest.mark.django_db


def test_same_event_reaches_a_person_once(user, other):
    first = services.notify(user, "办件 1：已受理", category="case", dedup_key="case:1:accepted")
    again = services.notify(user, "办件 1-1：已受理", category="case", dedup_key="case:1:accepted")
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=user).count() == 1
    assert Delivery.objects.filter(notification__recipient=user).count() == 1  # e-mail once
    # another person, or another event, is another message
    services.notify(other, "办件 1：已受理", dedup_key="case:1:accepted")
    services.notify(user, "办件 1：已办结", dedup_key="case:1:completed")
    assert Notification.objects.filter(recipient=user).count() == 2
    assert Notification.objects.filter(recipient=other).count() == 1


def test_the_database_refuses_a_duplicate_event_but_not_messages_without_key(user):
    services.notify(user, "a", channels=["inapp"])
    services.notify(user, "a", channels=["inapp"])  # no key: no de-duplication
    Notification.objects.create(recipient=user, title="x", dedup_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, title="y", dedup_key="k")


def test_bundle_sub_case_and_roll_up_notify_the_applicant_once(mianyang):
    """The applicant of a bundle case gets one message when a sub-case change rolls up to the
    same status on the bundle case."""
    from tests.cases.factories import CaseEventFactory, CaseFactory
    from tests.core.factories import UserFactory
    from yingshang.cases.workflow import notify_status

    applicant = UserFactory()
    parent = CaseFactory(number="B-1", status="accepted", user=applicant)
    child = CaseFactory(number="B-1-1", status="accepted", user=applicant, parent=parent)
    at = child.submitted_at
    CaseEventFactory(case=child, action="accept", to_state="accepted", at=at)
    CaseEventFactory(case=parent, action="roll_up", to_state="accepted", at=at)
    notify_status(child.pk)
    notify_status(parent.pk)
    assert Notification.objects.filter(recipient=applicant).count() == 1


def test_digest_holds_other_channels_and_sends_one_summary(user, login):
    services.set_preference(user=user, email=True, wechat=True, sms="never", digest=True)
    a = services.notify(user, "办件 A：已受理", category="case")
    services.notify(user, "诉求 B：已答复", category="appeals")
    read = services.notify(user, "已读的消息", category="case")
    services.mark_read(read)
    # the inbox shows them at once; nothing went out by e-mail yet
    assert a.in_app and a.digest_pending
    assert not Delivery.objects.exists()
    assert services.send_digests() == 1
    digest = Notification.objects.get(category=services.DIGEST_CATEGORY)
    assert not digest.in_app  # only the other channels
    assert "办件 A：已受理" in digest.body and "诉求 B：已答复" in digest.body
    assert "已读的消息" not in digest.body
    assert "企业诉求（1）" in digest.body and "办件进度（1）" in digest.body
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]
    assert not Notification.objects.filter(digest_pending=True).exists()
    assert services.send_digests() == 0  # nothing waiting: no second digest


def test_without_digest_messages_go_out_at_once(user):
    n = services.notify(user, "即时")
    assert not n.digest_pending
    assert Delivery.objects.filter(notification=n, channel="email").exists()
    assert services.send_digests() == 0


def test_digest_is_a_daily_job():
    jobs.autodiscover()
    job = jobs.registry.get("notifications.daily_digest")
    assert job is not None
    assert daily_digest is not None


def test_preference_page_saves_the_digest(login, user):
    client = login(user)
    response = client.post(
        reverse("notifications:preferences"),
        {"email": "on", "sms": "fallback", "digest": "on"},
    )
    assert response.status_code == 302
    assert services.preference_of(user).digest is True
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "每日汇总" in page


def test_inbox_groups_by_category_with_names(login, user):
    services.notify(user, "办件消息", category="case", channels=["inapp"])
    services.notify(user, "诉求消息", category="appeals", channels=["inapp"])
    services.notify(user, "其他消息", channels=["inapp"])
    client = login(user)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "办件进度" in page and "企业诉求" in page and "其他" in page
    assert ">case<" not in page
    only = client.get(reverse("notifications:inbox"), {"category": "appeals"}).content.decode()
    assert "诉求消息" in only and "办件消息" not in only
    none = client.get(reverse("notifications:inbox"), {"category": ""}).content.decode()
    assert "其他消息" in none and "办件消息" not in none
