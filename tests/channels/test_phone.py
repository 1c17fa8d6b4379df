"""The phone simulator: it plays WeChat's servers against /wechat/ (signed, and encrypted in
安全模式), shows the account's answers and what the platform pushed to that person."""

import pytest

from yingshang.channels import phone
from yingshang.channels.config import get_config
from yingshang.channels.models import Follower, RefusalCount

pytestmark = pytest.mark.django_db

URL = "/staff/channels/phone/"
OPENID = "oSIMULATORtest000000001"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("phone_admin", password="x" * 12)


def test_follow_then_text_through_the_real_callback(wechat_env, client, superuser):
    client.force_login(superuser)
    response = client.post(URL, {"openid": OPENID, "kind": "subscribe", "content": ""})
    assert response.status_code == 200
    assert Follower.objects.filter(openid=OPENID, subscribed=True).exists()
    response = client.post(URL, {"openid": OPENID, "kind": "text", "content": "帮助"})
    history = client.session["wechat_phone"]
    assert [x["kind"] for x in history] == ["subscribe", "text"]
    assert all(x["status"] == 200 for x in history)
    assert history[0]["reply"] and history[1]["reply"]  # welcome, then the help text
    assert history[1]["reply"].splitlines()[0] in response.content.decode()
    assert not RefusalCount.objects.exists()  # the simulator's signatures are accepted


def test_encrypted_mode_round_trip(wechat_env, settings):
    config = get_config()
    assert config.encoding_aes_key  # the tests' account is in 安全模式
    exchange = phone.send(config, openid=OPENID, kind="subscribe")
    assert exchange.encrypted and exchange.status == 200
    assert "关注" in exchange.reply or exchange.reply  # a decrypted, readable welcome
    unsub = phone.send(config, openid=OPENID, kind="unsubscribe")
    assert (unsub.status, unsub.reply) == (200, "")
    assert not Follower.objects.get(openid=OPENID).subscribed


def test_menu_click_and_scan(wechat_env):
    config = get_config()
    phone.send(config, openid=OPENID, kind="subscribe")
    click = phone.send(config, openid=OPENID, kind="click", content="SEARCH")
    assert "关键词" in click.reply
    scan = phone.send(config, openid=OPENID, kind="scan", content="case:510700-2026-000001")
    assert "510700-2026-000001" in scan.reply


def test_bad_input_is_a_field_error_and_sends_nothing(wechat_env, client, superuser):
    client.force_login(superuser)
    response = client.post(URL, {"openid": "short", "kind": "text", "content": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"openid", "content"}
    assert "wechat_phone" not in client.session
    response = client.post(URL, {"openid": OPENID, "kind": "reboot", "content": "x"})
    assert "kind" in response.context["form"].errors


def test_english_errors(wechat_env, client, superuser):
    client.force_login(superuser)
    response = client.post(
        URL, {"openid": OPENID, "kind": "text", "content": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    [message] = response.context["form"].errors["content"]
    assert message.isascii()


def test_staff_and_anonymous_see_nothing(wechat_env, client, django_user_model):
    assert client.get(URL).status_code == 404
    staff = django_user_model.objects.create_user("phone_staff", password="x" * 12, is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"openid": OPENID, "kind": "subscribe"}).status_code == 404
    assert not Follower.objects.exists()


def test_unconfigured_account_is_404(client, superuser, monkeypatch):
    from yingshang.channels.config import clear_cache

    for name in ("WECHAT_APP_ID", "WECHAT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    clear_cache()
    client.force_login(superuser)
    assert client.get(URL).status_code == 404


def test_pushes_and_sms_are_read_back_from_the_fakes(
    fake, templates, sms, client, superuser, settings
):
    from yingshang.core.models import User
    from yingshang.notifications import services as notify_services

    person = User.objects.create_user("phone_person", password="x" * 12, phone="13800138000")
    Follower.objects.create(openid=OPENID, user=person, subscribed=True)
    settings.SMS_ONLY_AS_FALLBACK = False
    n = notify_services.notify(
        person,
        "您的办件已受理",
        category="case",
        data={"number": "510700-1", "status_label": "已受理"},
    )
    for delivery in n.deliveries.all():
        notify_services.attempt_delivery(delivery.pk)
    config = get_config()
    [push] = phone.pushes_for(config, OPENID)
    assert push["touser"] == OPENID
    [text] = phone.sms_for("13800138000")
    assert "已受理" in text["text"]
    client.force_login(superuser)
    page = client.get(URL + "?openid=" + OPENID)
    assert page.status_code == 200
    assert "已受理" in page.content.decode()


def test_nothing_is_fetched_from_a_non_local_api(settings):
    from yingshang.channels.config import Config

    real = Config(app_id="wx1", app_secret="s", token="t", api_base="https://api.weixin.qq.com")
    assert phone.pushes_for(real, OPENID) is None
    settings.SMS_ENDPOINT = "sms.tencentcloudapi.com"
    assert phone.sms_for("13800138000") is None
