"""The account's custom menu (自定义菜单): validated against WeChat's limits, built into the
``menu/create`` JSON and published through the API (the real one or the fake server).

    errors = validate()              # {"field path": message}; empty when publishable
    payload = build()                # {"button": [...]}
    publication = publish(actor=user)

Limits (WeChat 自定义菜单/创建接口): 1–3 top-level buttons; 1–5 sub-buttons under a group;
top-level names ≤ 16 bytes, sub-button names ≤ 60 bytes (UTF-8: a Chinese character is 3 bytes);
``click`` needs a key ≤ 128 bytes, ``view`` an http(s) URL ≤ 1024 bytes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatClientException

from yingshang.notifications.public import absolute_link

from .config import get_config
from .handlers import MENU_KEYS
from .models import MenuItem, MenuKind, MenuPublication

MAX_TOP, MAX_SUB = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024

# The demo city's menu (and a sensible start for any city): the three things people come for.
# 我的办件 opens the portal page, logged in through the binding (inbrowser.py); 好差评 opens the
# home page with the marker, so that its to-dos (请评价) are the person's own.
DEFAULT_MENU = [
    (
        "办事服务",
        None,
        [
            ("搜索事项", MenuKind.CLICK, "SEARCH"),
            ("我的办件", MenuKind.VIEW, "/my/cases/"),
            ("办事指南", MenuKind.VIEW, "/services/"),
        ],
    ),
    ("诉求直通车", MenuKind.CLICK, "APPEAL"),
    ("好差评", MenuKind.VIEW, "/?wx=1"),
]


class MenuError(Exception):
    """The menu cannot be published; ``errors`` maps each item to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _tree():
    items = list(MenuItem.objects.filter(active=True).order_by("position", "id"))
    top = [i for i in items if i.parent_id is None]
    children = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    return top, children


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _check_action(item: MenuItem, label: str, errors: dict[str, str]) -> None:
    if item.kind == MenuKind.CLICK:
        if not item.key:
            errors[label] = _("点击类菜单需要事件键值。")
        elif _bytes(item.key) > KEY_BYTES:
            errors[label] = _("事件键值不能超过 128 字节。")
        elif item.key not in MENU_KEYS:
            errors[label] = _("事件键值“%(key)s”没有对应的回复（可用：%(keys)s）。") % {
                "key": item.key,
                "keys": "、".join(sorted(MENU_KEYS)),
            }
    elif item.kind == MenuKind.VIEW:
        url = absolute_link(item.url)
        if not item.url.startswith(("/", "https://", "http://")) or "://" not in url:
            errors[label] = _("打开网页类菜单需要以 / 开头的站内地址或 http(s) 地址。")
        elif _bytes(url) > URL_BYTES:
            errors[label] = _("网址不能超过 1024 字节。")
    else:
        errors[label] = _("没有子菜单的菜单必须选择类型。")


def validate() -> dict[str, str]:
    """What stands in the way of publishing, item by item (empty: publishable)."""
    errors: dict[str, str] = {}
    top, children = _tree()
    if not top:
        errors["menu"] = _("菜单至少需要一个启用的一级菜单。")
    if len(top) > MAX_TOP:
        errors["menu"] = _("一级菜单最多 3 个，现有 %(n)d 个。") % {"n": len(top)}
    for item in top:
        label = item.name
        if _bytes(item.name) > TOP_NAME_BYTES:
            errors[label] = _("一级菜单名称最多 16 字节（4 个汉字）。")
        subs = children.get(item.pk, [])
        if subs:
            if len(subs) > MAX_SUB:
                errors[label] = _("子菜单最多 5 个，现有 %(n)d 个。") % {"n": len(subs)}
            for sub in subs:
                sub_label = f"{item.name} › {sub.name}"
                if _bytes(sub.name) > SUB_NAME_BYTES:
                    errors[sub_label] = _("子菜单名称最多 60 字节（20 个汉字）。")
                else:
                    _check_action(sub, sub_label, errors)
        else:
            _check_action(item, label, errors)
    for item in MenuItem.objects.filter(active=True, parent__parent__isnull=False):
        errors[str(item)] = _("菜单最多两级。")
    return errors


def _button(item: MenuItem) -> dict:
    if item.kind == MenuKind.CLICK:
        return {"type": "click", "name": item.name, "key": item.key}
    return {"type": "view", "name": item.name, "url": absolute_link(item.url)}


def build() -> dict:
    """The menu/create body. MenuError when the menu is not publishable."""
    errors = validate()
    if errors:
        raise MenuError(errors)
    top, children = _tree()
    buttons = []
    for item in top:
        subs = children.get(item.pk, [])
        if subs:
            buttons.append({"name": item.name, "sub_button": [_button(s) for s in subs]})
        else:
            buttons.append(_button(item))
    return {"button": buttons}


@transaction.atomic
def load_default(*, replace: bool = False) -> int:
    """Create the default menu (when there is none, or ``replace``). Returns items created."""
    if MenuItem.objects.exists() and not replace:
        return 0
    MenuItem.objects.all().delete()
    count = 0
    for position, (name, kind, rest) in enumerate(DEFAULT_MENU):
        if kind is None:
            parent = MenuItem.objects.create(name=name, position=position)
            count += 1
            for sub_position, (sub_name, sub_kind, target) in enumerate(rest):
                MenuItem.objects.create(
                    parent=parent,
                    name=sub_name,
                    position=sub_position,
                    kind=sub_kind,
                    **({"key": target} if sub_kind == MenuKind.CLICK else {"url": target}),
                )
                count += 1
        else:
            MenuItem.objects.create(
                name=name,
                position=position,
                kind=kind,
                **({"key": rest} if kind == MenuKind.CLICK else {"url": rest}),
            )
            count += 1
    return count


def publish(*, actor=None) -> MenuPublication:
    """Send the menu to WeChat (menu/create) and record the answer. MenuError when the menu is
    not publishable or WeChat is not configured; a refusal by WeChat is recorded and raised."""
    from .sender import api_client

    payload = build()
    config = get_config()
    if config is None or not config.push_ready:
        raise MenuError({"account": _("公众号未配置 AppID/AppSecret，无法发布菜单。")})
    try:
        answer = api_client(config).call("menu/create", payload)
    except WeChatClientException as exc:
        MenuPublication.objects.create(
            published_by=actor, payload=payload, errcode=exc.errcode, errmsg=str(exc.errmsg)[:200]
        )
        raise MenuError({"wechat": f"errcode {exc.errcode}: {exc.errmsg}"}) from exc
    return MenuPublication.objects.create(
        published_by=actor,
        payload=payload,
        errcode=int(answer.get("errcode", 0) or 0),
        errmsg=str(answer.get("errmsg", "ok"))[:200],
    )
