"""The inbox's category tabs (order, unread/total counts, the current tab), paging that keeps
the filter, the empty states in both languages; messages sent only by other channels are
nobody's inbox item (pages, API, counts); the workbench card; the preferences page showing what
was saved; and when a WeChat push that is dead goes out by SMS instead — case by case."""

import pytest
from django.urls import reverse
from django.utils import timezone

from yingshang.notifications import selectors, senders, services
from yingshang.notifications.models import Delivery, DeliveryStatus, Notification, SmsMode
from yingshang.notifications.workbench import notification_cards

from .conftest import configure_sms
from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

INBOX = "/notifications/"


def _many(user, n, **fields):
    for i in range(n):
        NotificationFactory(recipient=user, title=f"消息{i:02d}", **fields)


# --------------------------------------------------------------------------- tabs


def test_tabs_put_unread_first_then_the_bigger_group(user, login):
    _many(user, 3, category="case")  # all read below: 0 unread / 3
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    _many(user, 1, category="appeals")  # 1 / 1
    _many(user, 2, category="evaluations")  # 2 / 2
    _many(user, 2, category="")  # 2 / 2; ties are broken by the name: 其他 before 好差评
    groups = selectors.categories_of(user)
    assert [(g["category"], g["unread"], g["total"]) for g in groups] == [
        ("", 2, 2),
        ("evaluations", 2, 2),
        ("appeals", 1, 1),
        ("case", 0, 3),
    ]
    assert {g["category"]: g["label"] for g in groups} == {
        "case": "办件进度",
        "appeals": "企业诉求",
        "evaluations": "好差评",
        "": "其他",
    }
    page = login(user).get(INBOX, {"category": "evaluations"}).content.decode()
    tab = page.split('id="category-evaluations"')[1].split("</a>")[0]
    assert 'aria-current="page"' in tab and "<strong>2</strong>/2" in tab
    read_tab = page.split('id="category-case"')[1].split("</a>")[0]
    assert "<strong>" not in read_tab and ">3<" in read_tab
    assert 'aria-current="page"' not in read_tab


def test_paging_keeps_the_unread_and_category_filter(user, login):
    _many(user, 35, category="case")
    _many(user, 3, category="appeals")
    client = login(user)
    first = client.get(INBOX, {"unread": "1", "category": "case"})
    assert len(first.context["items"]) == 30
    assert "?page=2&amp;unread=1&amp;category=case" in first.content.decode()
    second = client.get(INBOX, {"unread": "1", "category": "case", "page": "2"})
    assert len(second.context["items"]) == 5
    assert {n.category for n in second.context["items"]} == {"case"}
    assert "?page=1&amp;unread=1&amp;category=case" in second.content.decode()


@pytest.mark.parametrize(
    "language,params,text",
    [
        ("zh-hans", {}, "暂无消息。"),
        ("zh-hans", {"unread": "1"}, "没有未读消息。"),
        ("en", {}, "No messages yet."),
        ("en", {"unread": "1"}, "No unread messages."),
    ],
)
def test_empty_inbox_says_so(user, login, language, params, text):
    page = login(user).get(INBOX, params, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in page


# --------------------------------------------------------------------------- other-channel only


def test_a_message_sent_only_by_email_is_in_no_inbox(user, login):
    hidden = services.notify(user, "只发邮件", channels=["email"])
    shown = services.notify(user, "站内消息", channels=["inapp"])
    assert not hidden.in_app and hidden.deliveries.get().channel == "email"
    client = login(user)
    assert [n.pk for n in client.get(INBOX).context["items"]] == [shown.pk]
    rows = client.get("/api/notifications/").json()["results"]
    assert [r["id"] for r in rows] == [shown.pk]
    assert client.get(f"/api/notifications/{hidden.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{hidden.pk}/read/").status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[hidden.pk])).status_code == 404
    assert client.get("/api/notifications/unread-count/").json() == {"count": 1}
    assert client.post("/api/notifications/read-all/").json() == {"count": 1}
    hidden.refresh_from_db()
    assert hidden.read_at is None


# --------------------------------------------------------------------------- workbench card


def test_the_workbench_card_counts_unread_messages(user, other):
    _many(user, 4)
    services.mark_read(Notification.objects.filter(recipient=user).first())
    _many(other, 2)
    (card,) = notification_cards(user)
    assert card.key == "notifications.unread"
    assert card.count == 3
    assert card.url == "/notifications/?unread=1"


def test_no_card_for_anonymous_visitors():
    from django.contrib.auth.models import AnonymousUser

    assert notification_cards(AnonymousUser()) == []


# --------------------------------------------------------------------------- preferences page


def test_the_preferences_page_shows_what_was_saved(user, login):
    services.set_preference(user=user, email=False, wechat=True, sms=SmsMode.NEVER, digest=True)
    form = login(user).get("/notifications/preferences/").context["form"]
    assert form.initial == {"email": False, "wechat": True, "sms": "never", "digest": True}


@pytest.mark.parametrize(
    "language,hint",
    [
        ("zh-hans", "您的账号没有登记手机号，短信设置暂不生效。"),
        ("en", "Your account has no registered phone number"),
    ],
)
def test_without_a_phone_the_page_says_sms_has_no_effect(user, login, language, hint):
    page = login(user).get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE=language)
    assert hint in page.content.decode()
    user.phone = "13812345678"
    user.save()
    page = login(user).get("/notifications/preferences/", HTTP_ACCEPT_LANGUAGE=language)
    assert hint not in page.content.decode()


def test_a_preference_post_without_the_sms_choice_changes_nothing(user, login):
    services.set_preference(user=user, email=True, wechat=True, sms=SmsMode.ALWAYS)
    r = login(user).post("/notifications/preferences/", {"email": ""})
    assert r.status_code == 200
    assert "sms" in r.context["form"].errors
    assert services.preference_of(user).sms == SmsMode.ALWAYS
    assert services.preference_of(user).email is True


# --------------------------------------------------------------------------- WeChat → SMS


class DeadWeChat(senders.BaseSender):
    label = "wechat (always down)"

    def address_for(self, recipient):
        return "oAbCdEfGhIjKlMnOpQrStUvWxYz"

    def send(self, delivery):
        raise ConnectionError("api.weixin.qq.com unreachable")


@pytest.fixture
def dying(monkeypatch, settings):
    """A delivery on its last allowed attempt through a channel that always fails."""
    monkeypatch.setitem(senders._registry, "wechat", DeadWeChat)
    settings.NOTIFY_MAX_ATTEMPTS = 2

    def _dying(user, channel="wechat", address="oAbCdEfGhIjKlMnOpQrStUvWxYz"):
        n = services.notify(user, "办件已办结", category="case", channels=["inapp"])
        return Delivery.objects.create(
            notification=n,
            channel=channel,
            address=address,
            status=DeliveryStatus.FAILED,
            attempts=1,
            next_attempt_at=timezone.now(),
        )

    return _dying


@pytest.mark.parametrize(
    "case,fallback",
    [
        ("wechat dies", True),
        ("sms never", False),
        ("no phone", False),
        ("email dies", False),
        ("sms already sent", False),
        ("sms not configured", False),
    ],
)
def test_when_a_dead_push_falls_back_to_sms(
    user, dying, settings, sms_server, monkeypatch, case, fallback
):
    configure_sms(settings, sms_server, "tencent")
    user.phone = "" if case == "no phone" else "13812345678"
    user.save()
    if case == "sms never":
        services.set_preference(user=user, email=True, wechat=True, sms=SmsMode.NEVER)
    if case == "sms not configured":
        settings.SMS_PROVIDER = ""
    if case == "email dies":
        monkeypatch.setitem(senders._registry, "email", DeadWeChat)
        delivery = dying(user, channel="email", address="wang.fang@example.com")
    else:
        delivery = dying(user)
    if case == "sms already sent":
        Delivery.objects.create(
            notification=delivery.notification, channel="sms", address="13812345678"
        )
    before = Delivery.objects.filter(channel="sms").count()
    assert services.attempt_delivery(delivery.pk) == DeliveryStatus.DEAD
    new_sms = Delivery.objects.filter(channel="sms").count() - before
    assert new_sms == (1 if fallback else 0)
    if fallback:
        sms = Delivery.objects.get(channel="sms")
        assert sms.notification_id == delivery.notification_id
        assert (sms.address, sms.status) == ("13812345678", DeliveryStatus.PENDING)
