"""Inbox pages, the top-bar count and the API: everyone sees only their own notifications."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from yingshang.notifications import services
from yingshang.notifications.context import unread
from yingshang.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(user, other):
    mine = [
        services.notify(user, f"我的消息{i}", link="/staff/", channels=("inapp",)) for i in range(3)
    ]
    theirs = services.notify(other, "别人的消息", channels=("inapp",))
    services.notify(user, "仅邮件", channels=("email",))  # not in the inbox
    return mine, theirs


def test_inbox_lists_only_own_notifications(login, user, inbox):
    mine, theirs = inbox
    response = login(user).get(reverse("notifications:inbox"))
    html = response.content.decode()
    assert all(n.title in html for n in mine)
    assert "别人的消息" not in html and "仅邮件" not in html
    assert [n.pk for n in response.context["items"]] == [n.pk for n in reversed(mine)]
    assert str(response.context["unread_notifications"]) == "3"


def test_mark_read_and_open_link(login, user, inbox):
    mine, _ = inbox
    client = login(user)
    response = client.post(reverse("notifications:mark_read", args=[mine[0].pk]))
    assert response.status_code == 302 and response.url == reverse("notifications:inbox")
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None
    response = client.post(reverse("notifications:mark_read", args=[mine[1].pk]), {"open": "1"})
    assert response.url == "/staff/"
    response = client.get(reverse("notifications:inbox") + "?unread=1")
    assert [n.pk for n in response.context["items"]] == [mine[2].pk]


def test_off_site_link_is_not_followed(login, user):
    n = services.notify(user, "外链", link="https://evil.example/", channels=("inapp",))
    response = login(user).post(reverse("notifications:mark_read", args=[n.pk]), {"open": "1"})
    assert response.url == reverse("notifications:inbox")


def test_another_users_notification_is_404(login, user, inbox):
    _, theirs = inbox
    client = login(user)
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    api = reverse("notifications:notification-read", args=[theirs.pk])
    assert client.post(api).status_code == 404
    assert (
        client.get(reverse("notifications:notification-detail", args=[theirs.pk])).status_code
        == 404
    )


def test_mark_read_needs_post_and_login(client, login, user, inbox):
    mine, _ = inbox
    url = reverse("notifications:mark_read", args=[mine[0].pk])
    assert client.post(url).status_code == 302  # to the login page
    assert login(user).get(url).status_code == 405
    mine[0].refresh_from_db()
    assert mine[0].read_at is None


def test_mark_all_read_touches_only_own(login, user, other, inbox):
    response = login(user).post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.for_user(user).unread().exists()
    assert Notification.objects.for_user(other).unread().count() == 1


def test_api_list_read_and_counts(login, user, inbox):
    mine, _ = inbox
    client = login(user)
    data = client.get(reverse("notifications:notification-list")).json()
    assert data["count"] == 3
    assert {r["title"] for r in data["results"]} == {n.title for n in mine}
    assert all(r["is_read"] is False for r in data["results"])
    r = client.post(reverse("notifications:notification-read", args=[mine[0].pk])).json()
    assert r["is_read"] is True and r["read_at"]
    unread_list = client.get(reverse("notifications:notification-list") + "?unread=true").json()
    assert unread_list["count"] == 2
    count = client.get(reverse("notifications:notification-unread-count")).json()
    assert count == {"count": 2}
    assert client.post(reverse("notifications:notification-read-all")).json() == {"count": 2}
    assert client.get(reverse("notifications:notification-unread-count")).json() == {"count": 0}


def test_api_needs_authentication(client):
    assert client.get(reverse("notifications:notification-list")).status_code in (401, 403)


def test_api_schema_documents_the_endpoints(login, user):
    schema = login(user).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    list_path = reverse("notifications:notification-list")
    assert list_path in paths
    assert any(p.endswith("/read/") for p in paths if p.startswith(list_path))
    assert any(p.endswith("/read-all/") for p in paths if p.startswith(list_path))


def test_context_processor_counts_lazily(user, inbox, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(0):
        ctx = unread(request)
    with django_assert_num_queries(1):
        html = Template(
            "{% if unread_notifications %}[{{ unread_notifications }}]{% endif %}"
        ).render(Context(ctx))
    assert html == "[3]"


def test_context_processor_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert unread(request) == {"unread_notifications": 0}
