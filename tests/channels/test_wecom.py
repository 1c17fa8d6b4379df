"""企业微信 for staff: text cards through the fake WeCom API (message/send as documented),
with the shared token, deep links into the workbench, and failures raised for retry."""

import pytest

from tests.core.factories import HandlerFactory
from yingshang.channels.models import AccessToken, StaffWeCom
from yingshang.channels.wecom import get_wecom_config, text_card
from yingshang.notifications import services as notify_services
from yingshang.notifications.models import Delivery, DeliveryStatus, Notification
from yingshang.notifications.senders import get_sender

pytestmark = pytest.mark.django_db

CORP, SECRET, AGENT = "ww1234567890abcdef", "wecom-app-secret-0001", 1000005


@pytest.fixture
def wecom(fake, settings):
    fake.wecom_corp_id, fake.wecom_secret, fake.wecom_agent_id = CORP, SECRET, AGENT
    fake.wecom_users = {"ZhangSan", "LiSi"}
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = (
        CORP,
        SECRET,
        str(AGENT),
    )
    from yingshang.channels.config import get_config

    settings.WECOM_API_BASE = get_config().api_base  # the fake serves WeCom's paths too
    settings.SITE_URL = "https://zwfw.example.gov.cn"
    return fake


@pytest.fixture
def handler(db):
    user = HandlerFactory()
    StaffWeCom.objects.create(user=user, userid="ZhangSan")
    return user


def remind(user, **kwargs):
    n = notify_services.notify(
        user,
        kwargs.get("title", "催办:510700-2026-000123 即将超期"),
        kwargs.get("body", "剩余 1 个工作日,请尽快办理。"),
        link=kwargs.get("link", "/staff/cases/510700-2026-000123/"),
        category="cases.reminder",
    )
    return n


def test_a_reminder_reaches_wecom_as_a_text_card_with_a_deep_link(wecom, handler):
    n = remind(handler)
    delivery = n.deliveries.get(channel="wecom")
    assert delivery.address == "ZhangSan"
    assert notify_services.attempt_delivery(delivery.pk) == DeliveryStatus.SENT
    [card] = [m for m in wecom.received if m["kind"] == "wecom"]
    assert card["touser"] == "ZhangSan" and card["msgtype"] == "textcard"
    assert card["textcard"]["url"] == "https://zwfw.example.gov.cn/staff/cases/510700-2026-000123/"
    assert card["textcard"]["title"].startswith("催办")
    delivery.refresh_from_db()
    assert delivery.provider_ref == card["msgid"]
    # the token is the shared row's, fetched once through gettoken
    assert AccessToken.objects.get(app_id=f"wecom:{CORP}:{AGENT}").refreshes == 1
    remind(handler)
    second = Delivery.objects.filter(channel="wecom").latest("pk")
    notify_services.attempt_delivery(second.pk)
    assert wecom.requests["/cgi-bin/gettoken"] == 1


def test_an_expired_token_is_refreshed_once(wecom, handler):
    first = remind(handler).deliveries.get(channel="wecom")
    notify_services.attempt_delivery(first.pk)
    wecom.expire_tokens()
    second = remind(handler).deliveries.get(channel="wecom")
    assert notify_services.attempt_delivery(second.pk) == DeliveryStatus.SENT
    assert wecom.requests["/cgi-bin/gettoken"] == 2


def test_a_userid_not_in_the_corp_fails_and_is_retried(wecom, handler):
    StaffWeCom.objects.filter(user=handler).update(userid="Departed")
    delivery = remind(handler).deliveries.get(channel="wecom")
    assert notify_services.attempt_delivery(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert "81013" in delivery.last_error


def test_wrong_agent_or_secret_fail_loudly(wecom, handler, settings):
    settings.WECOM_AGENT_ID = "1000999"
    delivery = remind(handler).deliveries.get(channel="wecom")
    notify_services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "40056" in delivery.last_error
    settings.WECOM_AGENT_ID, settings.WECOM_SECRET = str(AGENT), "wrong"
    AccessToken.objects.all().delete()
    from yingshang.channels.sender import forget_clients

    forget_clients()
    other = remind(handler).deliveries.get(channel="wecom")
    notify_services.attempt_delivery(other.pk)
    other.refresh_from_db()
    assert other.status == DeliveryStatus.FAILED and "40001" in other.last_error


def test_who_has_a_wecom_address(wecom, handler, settings):
    sender = get_sender("wecom")
    assert sender.address_for(handler) == "ZhangSan"
    StaffWeCom.objects.filter(user=handler).update(active=False)
    assert sender.address_for(handler) is None
    assert sender.address_for(HandlerFactory()) is None  # no binding
    StaffWeCom.objects.filter(user=handler).update(active=True)
    settings.WECOM_AGENT_ID = "not-a-number"
    assert get_wecom_config() is None and sender.address_for(handler) is None


def test_card_fields_are_cut_to_wecoms_byte_limits():
    n = Notification(title="标" * 60, body="长" * 300, link="")
    card = text_card(n)
    assert len(card["title"].encode()) <= 128 and card["title"].endswith("…")
    assert len(card["description"].encode()) <= 512
    assert card["url"].endswith("/")


def test_userid_is_masked_in_the_admin_list(wecom, handler, client, django_user_model):
    admin = django_user_model.objects.create_superuser("wecom_admin", password="x" * 12)
    client.force_login(admin)
    page = client.get("/admin/channels/staffwecom/").content.decode()
    assert "ZhangSan" not in page
