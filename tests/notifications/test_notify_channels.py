"""notify(): channels named twice make one delivery, a long title is cut to the column, the
template data is kept, and the API's unread filter and read flags."""

import pytest

from yingshang.notifications import services
from yingshang.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def test_a_channel_named_twice_is_one_delivery(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = services.notify(user, "提醒", channels=["email", "inapp", "email"])
    assert n.in_app
    assert list(Delivery.objects.filter(notification=n).values_list("channel", flat=True)) == [
        "email"
    ]
    assert len(callbacks) == 1  # one send enqueued after the commit


def test_title_is_cut_to_200_characters_and_data_is_kept(user):
    n = services.notify(user, "长" * 250 + "  ", channels=["inapp"], data={"ref": "A123456"})
    n.refresh_from_db()
    assert n.title == "长" * 200
    assert n.data == {"ref": "A123456"}
    assert not n.deliveries.exists()


@pytest.mark.parametrize(
    "value,unread_only", [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_api_unread_filter(login, user, value, unread_only):
    read = services.notify(user, "已读", channels=["inapp"])
    services.mark_read(read)
    services.notify(user, "未读", channels=["inapp"])
    data = login(user).get("/api/notifications/", {"unread": value}).json()
    rows = data["results"] if isinstance(data, dict) else data
    titles = [r["title"] for r in rows]
    assert titles == (["未读"] if unread_only else ["未读", "已读"])
    flags = {r["title"]: r["is_read"] for r in rows}
    assert flags.get("未读") is False and flags.get("已读", True) is True


def test_api_read_is_idempotent(login, user):
    n = services.notify(user, "一次", channels=["inapp"])
    client = login(user)
    first = client.post(f"/api/notifications/{n.pk}/read/").json()
    second = client.post(f"/api/notifications/{n.pk}/read/").json()
    assert first["is_read"] and first["read_at"] == second["read_at"]
