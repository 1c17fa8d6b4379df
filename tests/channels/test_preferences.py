"""Each person's channels: the inbox always; e-mail and WeChat on or off; SMS as WeChat's
fallback, always, or never — through both fakes, and the page where a person sets them."""

import pytest

from yingshang.channels.models import Follower
from yingshang.notifications import services as notify_services
from yingshang.notifications.models import ChannelPreference, DeliveryStatus, SmsMode
from yingshang.platform.models import AuditEntry

from .conftest import OPENID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake", "templates")]
URL = "/notifications/preferences/"


@pytest.fixture
def person(db):
    from yingshang.core.models import User

    user = User.objects.create_user(
        "pref_citizen", password="x" * 12, phone="13800138000", email="citizen@example.cn"
    )
    Follower.objects.create(openid=OPENID, user=user, subscribed=True)
    return user


def channels_of(user):
    n = notify_services.notify(
        user,
        "您的办件已受理",
        category="case",
        data={"number": "510700-9", "status_label": "已受理"},
    )
    assert n.in_app
    return sorted(n.deliveries.values_list("channel", flat=True))


def _set(person, email, wechat, mode):
    notify_services.set_preference(user=person, email=email, wechat=wechat, sms=mode)


@pytest.mark.parametrize(
    ("email", "wechat", "mode", "expected"),
    [
        (True, True, SmsMode.FALLBACK, ["email", "wechat"]),
        (True, True, SmsMode.ALWAYS, ["email", "sms", "wechat"]),
        (True, True, SmsMode.NEVER, ["email", "wechat"]),
        (False, True, SmsMode.FALLBACK, ["wechat"]),
        (True, False, SmsMode.FALLBACK, ["email", "sms"]),
        (False, False, SmsMode.NEVER, []),
    ],
)
def test_each_preference(sms, person, email, wechat, mode, expected):
    _set(person, email, wechat, mode)
    assert channels_of(person) == expected


def test_defaults_follow_the_city_setting(sms, person, settings):
    assert channels_of(person) == ["email", "wechat"]
    settings.SMS_ONLY_AS_FALLBACK = False
    assert channels_of(person) == ["email", "sms", "wechat"]


def test_never_means_no_fallback_when_wechat_dies(sms, person, settings, fake):
    _set(person, False, True, SmsMode.NEVER)
    settings.NOTIFY_MAX_ATTEMPTS = 1
    fake.fail("/cgi-bin/message/subscribe/bizsend", -1, times=5)
    fake.fail("/cgi-bin/message/template/send", -1, times=5)
    n = notify_services.notify(person, "您的办件已受理", category="case")
    wechat = n.deliveries.get(channel="wechat")
    assert notify_services.attempt_delivery(wechat.pk) == DeliveryStatus.DEAD
    assert not n.deliveries.filter(channel="sms").exists()


def test_the_page_saves_the_persons_own_preference_audited(sms, person, client):
    client.force_login(person)
    page = client.get(URL)
    assert page.status_code == 200 and page.context["form"].initial["sms"] == SmsMode.FALLBACK
    response = client.post(URL, {"email": "", "wechat": "on", "sms": "never"})
    assert response.status_code == 302
    saved = ChannelPreference.objects.get(user=person)
    assert (saved.email, saved.wechat, saved.sms) == (False, True, "never")
    assert AuditEntry.objects.filter(object_type__iendswith="channelpreference").exists()


def test_bad_choice_is_a_field_error(sms, person, client):
    client.force_login(person)
    response = client.post(URL, {"wechat": "on", "sms": "carrier-pigeon"})
    assert response.status_code == 200
    assert "sms" in response.context["form"].errors
    assert not ChannelPreference.objects.exists()


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
