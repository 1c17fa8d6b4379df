"""The account menu: WeChat's limits checked before publishing, the menu/create body, and the
publication through the fake WeChat API (which applies the same documented limits)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.channels import menu
from yingshang.channels.fake_server import check_menu
from yingshang.channels.models import MenuItem, MenuKind, MenuPublication
from yingshang.platform.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_default_menu_builds_the_documented_shape(settings):
    settings.SITE_URL = "https://zwfw.mianyang.gov.cn"
    assert menu.load_default() == 6
    assert menu.load_default() == 0  # never over an existing menu
    payload = menu.build()
    assert [b["name"] for b in payload["button"]] == ["办事服务", "诉求直通车", "好差评"]
    service = payload["button"][0]
    assert [s["name"] for s in service["sub_button"]] == ["搜索事项", "我的办件", "办事指南"]
    # the portal's pages, opened logged in through the binding (channels/inbrowser.py)
    assert service["sub_button"][1] == {
        "type": "view",
        "name": "我的办件",
        "url": "https://zwfw.mianyang.gov.cn/my/cases/",
    }
    assert service["sub_button"][2]["url"] == "https://zwfw.mianyang.gov.cn/services/"
    assert payload["button"][2]["url"] == "https://zwfw.mianyang.gov.cn/?wx=1"
    assert check_menu(payload) is None  # the fake server's rules agree


def _top(name, position=0, **kwargs):
    return MenuItem.objects.create(name=name, position=position, **kwargs)


@pytest.mark.parametrize(
    ("setup", "where", "fragment"),
    [
        (lambda: None, "menu", "至少"),
        (
            lambda: [_top(f"菜单{i}", i, kind=MenuKind.CLICK, key="HELP") for i in range(4)],
            "menu",
            "最多 3 个",
        ),
        (lambda: _top("办事服务大厅", kind=MenuKind.CLICK, key="HELP"), "办事服务大厅", "16 字节"),
        (lambda: _top("帮助", kind=MenuKind.CLICK, key=""), "帮助", "键值"),
        (lambda: _top("帮助", kind=MenuKind.CLICK, key="NO_SUCH"), "帮助", "NO_SUCH"),
        (lambda: _top("指南", kind=MenuKind.VIEW, url="javascript:alert(1)"), "指南", "站内地址"),
        (lambda: _top("指南"), "指南", "类型"),
    ],
)
def test_menu_problems_are_said_item_by_item(setup, where, fragment):
    setup()
    errors = menu.validate()
    assert fragment in errors[where]
    with pytest.raises(menu.MenuError) as caught:
        menu.build()
    assert caught.value.errors == errors


def test_sub_menu_limits():
    group = _top("服务")
    for i in range(6):
        MenuItem.objects.create(parent=group, name=f"子{i}", position=i, kind="click", key="HELP")
    assert "最多 5 个" in menu.validate()["服务"]
    MenuItem.objects.filter(name="子5").update(active=False)  # inactive ones are not published
    assert menu.validate() == {}
    deep = MenuItem.objects.get(name="子0")
    MenuItem.objects.create(parent=deep, name="三级", kind="click", key="HELP")
    assert "两级" in menu.validate()["子0 › 三级"]


def test_name_limits_count_bytes_not_characters():
    _top("好差评", kind=MenuKind.CLICK, key="HELP")  # 9 bytes
    _top("ABCDEFGHIJKLMNOP", 1, kind=MenuKind.CLICK, key="HELP")  # 16 bytes: fits
    assert menu.validate() == {}
    _top("诉求直通车", 2, kind=MenuKind.CLICK, key="APPEAL")  # 15 bytes: fits
    assert menu.validate() == {}
    MenuItem.objects.filter(name="好差评").update(name="好差评价系统")  # 18 bytes
    assert "16 字节" in menu.validate()["好差评价系统"]


def test_publish_goes_through_menu_create_and_is_recorded(fake, django_user_model):
    menu.load_default()
    admin = django_user_model.objects.create_superuser("menu_admin", password="x" * 12)
    publication = menu.publish(actor=admin)
    assert publication.errcode == 0 and publication.published_by == admin
    assert fake.menus == [publication.payload]
    audited = set(AuditEntry.objects.values_list("object_type", flat=True))
    assert {"channels.menuitem", "channels.menupublication"} <= {t.lower() for t in audited}


def test_wechat_refusal_is_recorded_and_raised(fake):
    menu.load_default()
    fake.fail("/cgi-bin/menu/create", 40018)
    with pytest.raises(menu.MenuError) as caught:
        menu.publish()
    assert "40018" in caught.value.errors["wechat"]
    assert MenuPublication.objects.get().errcode == 40018
    assert fake.menus == []


def test_publish_without_account_is_refused(settings, monkeypatch):
    for name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    from yingshang.channels.config import clear_cache

    clear_cache()
    menu.load_default()
    with pytest.raises(menu.MenuError) as caught:
        menu.publish()
    assert "account" in caught.value.errors
    assert not MenuPublication.objects.exists()


@pytest.mark.parametrize(
    ("payload", "errcode"),
    [
        ({"button": []}, 40016),
        ({"button": [{"type": "click", "name": "x", "key": "K"}] * 4}, 40016),
        ({"button": [{"type": "click", "name": "一二三四五六", "key": "K"}]}, 40018),
        ({"button": [{"type": "nope", "name": "x"}]}, 40017),
        ({"button": [{"type": "click", "name": "x", "key": "K" * 129}]}, 40019),
        ({"button": [{"type": "view", "name": "x", "url": "ftp://a"}]}, 40055),
        ({"button": [{"name": "x", "sub_button": []}]}, 40023),
        (
            {"button": [{"name": "x", "sub_button": [{"type": "view", "name": "y", "url": "a"}]}]},
            40054,
        ),
        (
            {
                "button": [
                    {"name": "x", "sub_button": [{"type": "click", "name": "子" * 21, "key": "K"}]}
                ]
            },
            40025,
        ),
    ],
)
def test_fake_server_applies_the_documented_limits(payload, errcode):
    assert check_menu(payload)[0] == errcode


def test_menu_command(fake, capsys):
    call_command("channels", "menu", "--default")
    shown = capsys.readouterr().out
    body = json.loads(shown[shown.index("{") :])
    assert len(body["button"]) == 3
    call_command("channels", "menu", "--publish")
    assert "errcode 0" in capsys.readouterr().out
    assert len(fake.menus) == 1
    MenuItem.objects.all().delete()
    with pytest.raises(CommandError, match="至少"):
        call_command("channels", "menu")


def test_admin_action_publishes(fake, client, django_user_model):
    menu.load_default()
    admin = django_user_model.objects.create_superuser("menu_admin2", password="x" * 12)
    client.force_login(admin)
    ids = list(MenuItem.objects.values_list("pk", flat=True))
    response = client.post(
        "/admin/channels/menuitem/",
        {"action": "publish_menu", "_selected_action": ids},
        follow=True,
    )
    assert response.status_code == 200
    assert len(fake.menus) == 1
    assert MenuPublication.objects.get().published_by == admin
