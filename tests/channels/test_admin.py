"""The account's secrets are write-only in the admin; refusal counts are readable there."""

from yingshang.channels.config import clear_cache, get_config
from yingshang.channels.models import RefusalCount, WeChatAccount


def test_secrets_are_never_shown_back_and_blank_keeps_them(staff, login, wechat_env):
    account = WeChatAccount.objects.create(
        app_id="wxadmin000000001", app_secret="SUPER-SECRET-VALUE", token="tok-secret-123"
    )
    client = login(staff["admin"])
    page = client.get(f"/admin/channels/wechataccount/{account.pk}/change/").content.decode()
    assert "SUPER-SECRET-VALUE" not in page and "tok-secret-123" not in page
    assert "已设置" in page
    r = client.post(
        f"/admin/channels/wechataccount/{account.pk}/change/",
        {
            "app_id": "wxadmin000000002",
            "app_secret": "",
            "token": "",
            "encoding_aes_key": "",
            "original_id": "",
            "api_base": "",
            "enabled": "on",
        },
    )
    assert r.status_code == 302
    account.refresh_from_db()
    assert account.app_id == "wxadmin000000002"
    assert account.app_secret == "SUPER-SECRET-VALUE" and account.token == "tok-secret-123"
    clear_cache()
    assert get_config().app_id == "wxadmin000000002"  # the admin's row wins over the environment


def test_bad_aes_key_is_a_field_error(staff, login, wechat_env):
    client = login(staff["admin"])
    r = client.post(
        "/admin/channels/wechataccount/add/",
        {"app_id": "wx1", "encoding_aes_key": "short", "enabled": "on"},
    )
    assert r.status_code == 200
    assert "43" in r.content.decode()
    assert not WeChatAccount.objects.exists()


def test_refusal_counts_listed_for_supervisors(staff, login, phone):
    phone.plain("<xml>", token="wrong")
    assert RefusalCount.objects.get().count == 1
    page = login(staff["admin"]).get("/admin/channels/refusalcount/").content.decode()
    assert "签名错误或缺失" in page


def test_followers_are_masked_in_the_admin_list_and_page(staff, login, wechat_env):
    """A binding is personal data: the openid never appears whole in the admin."""
    from yingshang.channels.models import Follower

    openid = "oia2TjjewbmiOUlr6X-1crbLOvLw"
    follower = Follower.objects.create(openid=openid, user=staff["chengban"])
    client = login(staff["admin"])
    listing = client.get("/admin/channels/follower/")
    assert listing.status_code == 200
    page = client.get(f"/admin/channels/follower/{follower.pk}/change/")
    assert page.status_code == 200
    for response in (listing, page):
        text = response.content.decode()
        assert openid not in text and openid[:4] in text
