"""One label registry: every code the UI shows (a status, an action, an event, a unit, a
period kind, a notification category, an audited field) is shown in words through
``label(kind, value)`` — in the active language (zh-hans, or English through the catalogues).

Where a label comes from, first match wins:

1. a mapping an app registered with ``register(kind, {...})`` (or ``register_choices(kind,
   SomeTextChoices)``) — e.g. ``notifications.category`` in ``notifications/labels.py``;
   apps' ``labels.py`` modules are discovered like ``jobs.py``;
2. ``"<machine>.status"``, ``"<machine>.action"`` and ``"<machine>.event"``: the registered
   state machine's states and edge labels (platform/transitions.py);
3. ``"<app_label>.<Model>.<field>"``: the model field's ``choices``;
4. the built-in kinds below (``audit.action``, ``channel``, ``bool``, ``none``).

An unknown value is returned unchanged (so tests/test_crawl.py can catch a raw code) and
logged once per (kind, value). Templates: ``{% load labels %}{{ case.status|label:"cases.status" }}``.
"""

import logging
from collections.abc import Mapping

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("yingshang.labels")

_registry: dict[str, dict[str, object]] = {}
_discovered = False
_missed: set[tuple[str, str]] = set()


def register(kind: str, mapping: Mapping) -> None:
    """Add (or extend) the labels of ``kind``: ``{value: label}`` (labels lazy or plain)."""
    _registry.setdefault(kind, {}).update({str(k): v for k, v in mapping.items()})


def register_choices(kind: str, choices) -> None:
    """Register a ``TextChoices``/``IntegerChoices`` class or a list of ``(value, label)``."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    register(kind, dict(pairs))


def discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        _register_audit_actions()
        autodiscover_modules("labels")


def _from_machine(kind: str, value: str):
    name, _sep, part = kind.rpartition(".")
    if part not in ("status", "state", "action", "event") or not name:
        return None
    from .transitions import MACHINES, all_machines

    machine = MACHINES.get(name)
    if machine is None:
        all_machines()
        machine = MACHINES.get(name)
    if machine is None:
        return None
    if part in ("status", "state"):
        try:
            return machine.states(value).label
        except ValueError:
            return None
    edge = machine.table.get(value)
    return edge.label if edge is not None else None


def _from_model(kind: str, value: str):
    parts = kind.split(".")
    if len(parts) != 3:
        return None
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = apps.get_model(parts[0], parts[1])._meta.get_field(parts[2])
    except (LookupError, FieldDoesNotExist):
        return None
    for key, text in getattr(field, "flatchoices", None) or ():
        if str(key) == value:
            return text
    return None


def label(kind: str, value) -> str:
    """``value`` of ``kind`` in words; the value itself when nothing knows it."""
    discover()  # also for the empty value: its name ("其他") is registered by the apps too
    if value is None or value == "":
        found = _registry.get(kind, {}).get("")
        return str(found) if found is not None else ""
    key = str(value)
    found = _registry.get(kind, {}).get(key)
    if found is None:
        found = _from_machine(kind, key)
    if found is None:
        found = _from_model(kind, key)
    if found is None:
        if (kind, key) not in _missed:
            _missed.add((kind, key))
            logger.info("no label for %s=%r", kind, key)
        return key
    return str(found)


# ---------------------------------------------------------------- built-in kinds

register(
    "channel",
    {
        "web": _("网页"),
        "api": _("接口"),
        "system": _("系统"),
        "online": _("网上办理"),
        "window": _("窗口"),
        "wechat": _("微信"),
        "wecom": _("企业微信"),
        "sms": _("短信"),
        "email": _("电子邮件"),
        "in_app": _("站内消息"),
        "phone": _("电话"),
        "": _("系统"),
    },
)
register("bool", {"True": _("是"), "False": _("否")})
register(
    "role",
    {
        "clerk": _("综合窗口人员"),
        "handler": _("承办人"),
        "dept_head": _("部门负责人"),
        "supervisor": _("监督员"),
        "leader": _("市领导"),
        "admin": _("系统管理员"),
        "applicant": _("申请人"),
        "system": _("系统"),
    },
)

# ``audit.field``: the audit log's names for a stored field without a verbose name of its own
# and for the keys of payloads that are no model's fields (an export's filters, a sign-in's
# details, the demo's counts) — platform/audit.py ``_field_name``
register(
    "audit.field",
    {
        "id": "ID",
        "created_at": _("创建时间"),
        "updated_at": _("更新时间"),
        "division": _("行政区划"),
        "department": _("部门"),
        "bundle": _("一件事"),
        "item": _("事项"),
        "items": _("事项数"),
        "order": _("顺序"),
        "path": _("区划路径"),
        "sent_by": _("发送人"),
        "materials": _("材料"),
        "filters": _("筛选条件"),
        "format": _("文件格式"),
        "export_job": _("导出任务"),
        "group": _("类别"),
        "target": _("对象"),
        "kind": _("类型"),
        "phone": _("手机号"),
        "via": _("方式"),
        "issuer": _("认证机构"),
        "uscc": _("统一社会信用代码"),
        "role": _("角色"),
        "valid_from": _("生效日期"),
        "deleted_at": _("注销时间"),
        "status": _("状态"),
        "q": _("关键字"),
        "created": _("新建"),
        "updated": _("更新"),
        "unchanged": _("未变"),
    },
)


def _register_audit_actions():
    from .models import AuditAction

    register_choices("audit.action", AuditAction)
