"""The notification centre's admin (read-only, addresses masked everywhere, retry messages) and
the inbox's mark-read redirects."""

import pytest
from django.contrib.messages import get_messages

from yingshang.notifications.models import DeliveryStatus, Notification

from .factories import DeliveryFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_notifications_are_read_only_in_the_admin(admin_client):
    n = NotificationFactory(title="只读消息")
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403
    assert admin_client.get("/admin/notifications/delivery/add/").status_code == 403
    page = admin_client.get(f"/admin/notifications/notification/{n.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "只读消息" in html and 'name="title"' not in html  # shown, not editable
    r = admin_client.post(f"/admin/notifications/notification/{n.pk}/change/", {"title": "改"})
    assert r.status_code == 403
    assert Notification.objects.get(pk=n.pk).title == "只读消息"


def test_addresses_are_masked_in_the_inline_and_the_change_form(admin_client):
    d = DeliveryFactory(address="zhang.san@mianyang.gov.cn", status=DeliveryStatus.FAILED,
                        last_error="SMTPRecipientsRefused")  # fmt: skip
    for url in (
        f"/admin/notifications/notification/{d.notification.pk}/change/",
        f"/admin/notifications/delivery/{d.pk}/change/",
        "/admin/notifications/delivery/",
    ):
        html = admin_client.get(url).content.decode()
        assert "z********@mianyang.gov.cn" in html, url
        assert "zhang.san@" not in html, url


def test_filters_and_search(admin_client):
    read = NotificationFactory(title="已读的通知")
    read.read_at = read.created_at
    read.save(update_fields=["read_at"])
    NotificationFactory(title="未读的通知")
    html = admin_client.get("/admin/notifications/notification/", {"read_at__isnull": "True"})
    assert "未读的通知" in html.content.decode() and "已读的通知" not in html.content.decode()
    html = admin_client.get("/admin/notifications/notification/", {"q": "已读"}).content.decode()
    assert "已读的通知" in html and "未读的通知" not in html
    dead = DeliveryFactory(status=DeliveryStatus.DEAD, notification=read)
    link = f"/admin/notifications/delivery/{dead.pk}/change/"
    assert link in admin_client.get("/admin/notifications/delivery/",
                                    {"status__exact": "dead"}).content.decode()  # fmt: skip
    assert link not in admin_client.get("/admin/notifications/delivery/",
                                        {"status__exact": "sent"}).content.decode()  # fmt: skip


def test_retry_action_with_nothing_to_retry_warns(admin_client):
    sent = DeliveryFactory(status=DeliveryStatus.SENT)
    r = admin_client.post("/admin/notifications/delivery/",
                          {"action": "retry", "_selected_action": [sent.pk]}, follow=True)  # fmt: skip
    assert messages_of(r) == ["已安排 0 条投递重试。"]
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.SENT and sent.attempts == 0


@pytest.mark.parametrize(
    "link,open_,target",
    [
        ("/staff/cases/T1/", "1", "/staff/cases/T1/"),
        ("/staff/cases/T1/", "", "/notifications/"),  # marked read, stays in the inbox
        ("http://testserver/portal/track/", "1", "http://testserver/portal/track/"),
        ("https://evil.example/phish", "1", "/notifications/"),  # never off-site
        ("", "1", "/notifications/"),
    ],
)
def test_mark_read_redirects(login, user, link, open_, target):
    n = NotificationFactory(recipient=user, link=link)
    r = login(user).post(f"/notifications/{n.pk}/read/", {"open": open_})
    assert r.status_code == 302 and r["Location"] == target
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read_message_counts_only_unread(login, user):
    NotificationFactory(recipient=user)
    NotificationFactory(recipient=user)
    client = login(user)
    r = client.post("/notifications/read-all/", follow=True)
    assert messages_of(r) == ["已将 2 条消息标记为已读。"]
    r = client.post("/notifications/read-all/", follow=True)
    assert messages_of(r) == ["已将 0 条消息标记为已读。"]
