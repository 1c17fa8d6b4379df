"""Permissions in one place per app: each app's ``policies.py`` builds one ``Policy`` of named
actions; views, API permission classes, admin, services and the transition tables ask it.

    policy = Policy("appeals", {
        "sign": Rule(who=is_service_office, field="user", message=_("只有企业服务科…")),
        "reply": Rule(who=is_staff, on=leads_appeal, field="department", message=...),
    })
    policy.can(user, "sign")            # -> bool
    policy.check(user, "reply", appeal) # raises ValidationError({field: message}) / PermissionDenied

``who(user)`` decides from the user alone (role, department); ``on(user, obj)`` adds the object
rule (owner department, own record) and is skipped when ``obj`` is None. ``field=None`` raises
``PermissionDenied(message)`` instead of a field error. docs/permissions.md is generated from
every policy role by role (``render_docs``) and checked by a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


def anyone(user) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    who: Callable[[Any], bool] = anyone
    on: Callable[[Any, Any], bool] | None = None
    field: str | None = None
    message: Any = ""
    label: Any = ""  # what the action is, for the docs table


class Policy:
    def __init__(self, name: str, rules: dict[str, Rule]):
        self.name = name
        self.rules = rules
        POLICIES[name] = self

    def can(self, user, action: str, obj=None) -> bool:
        rule = self.rules[action]
        if not rule.who(user):
            return False
        return obj is None or rule.on is None or bool(rule.on(user, obj))

    def check(self, user, action: str, obj=None) -> None:
        if self.can(user, action, obj):
            return
        rule = self.rules[action]
        if rule.field is None:
            raise PermissionDenied(rule.message)
        raise ValidationError({rule.field: rule.message})

    def filter(self, queryset, user, action: str):
        """The rows of ``queryset`` ``user`` may ``action`` (object rule applied row by row only
        when it has a ``q`` attribute: ``on.q(user) -> Q``)."""
        rule = self.rules[action]
        if not rule.who(user):
            return queryset.none()
        q = getattr(rule.on, "q", None)
        return queryset.filter(q(user)) if q else queryset


POLICIES: dict[str, Policy] = {}


def all_policies() -> list[Policy]:
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "policies"):
            import_module(f"{config.name}.policies")
    return [POLICIES[k] for k in sorted(POLICIES)]


# --------------------------------------------------------------------------- the table as data

SPECIAL_DEPARTMENT = "gov_service"  # 市政务服务监督管理局: several rules look at the department


def _probe_users():
    """One unsaved user per role (plain department, and the bureau's), a portal user and a
    superuser: who the permission table is computed for."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    department_model = user_model._meta.get_field("department").related_model
    roles = [
        (value, str(label)) for value, label in user_model._meta.get_field("role").choices if value
    ]
    probes = [("", str(_("企业/群众（无角色）")), user_model(username="probe", role=""), None)]
    for value, label in roles:
        plain = user_model(username=f"probe-{value}", role=value)
        plain.department = department_model(pk=-1, function_key="")
        bureau = user_model(username=f"probe-{value}-b", role=value)
        bureau.department = department_model(pk=-2, function_key=SPECIAL_DEPARTMENT)
        probes.append((value, label, plain, bureau))
    probes.append(
        ("superuser", str(_("超级管理员")), user_model(username="su", is_superuser=True), None)
    )
    return probes


def matrix(policy: Policy) -> list[tuple[str, str, list[str]]]:
    """(action, label, [cell per probe]) — ✓ allowed, ✓* only in the bureau's department, — no."""
    rows = []
    probes = _probe_users()
    for action, rule in policy.rules.items():
        cells = []
        for _value, _label, plain, bureau in probes:
            if policy.can(plain, action):
                cells.append("✓")
            elif bureau is not None and policy.can(bureau, action):
                cells.append("✓*")
            else:
                cells.append("—")
        rows.append((action, str(rule.label), cells))
    return rows


def render_docs() -> str:
    """docs/permissions.md, generated from every policy."""
    from django.conf import settings
    from django.utils.translation import override

    with override(settings.LANGUAGE_CODE):
        probes = _probe_users()
        parts = [
            "# 权限表 (permissions)\n",
            "Generated from each app's `policies.py` by `yingshang kit_docs`; "
            "`tests/platform/test_kit_docs.py` fails when this file differs. Do not edit.\n",
            "✓ allowed by role; ✓* only for staff of the 政务服务监督管理局 (function "
            f"`{SPECIAL_DEPARTMENT}`); — refused. Object rules (own department, own record) "
            "apply on top and are named in the action's description.\n",
        ]
        held = sorted(
            {
                f"`{rule.who.permission}` ({policy.name} `{action}`)"
                for policy in all_policies()
                for action, rule in policy.rules.items()
                if getattr(rule.who, "permission", None)
            }
        )
        if held:
            parts.append(
                "Some actions need a Django permission on top of the role, held through a group "
                "(maintainers): " + ", ".join(held) + ". A role alone never grants them, so "
                "their rows show — for every role; with the permission every writing role may "
                "(city leaders still only read), inside its own subtree.\n"
            )
        header = "| action | " + " | ".join(label for _v, label, _p, _b in probes) + " |"
        for policy in all_policies():
            parts.append(f"## {policy.name}\n")
            lines = [header, "|" + "---|" * (len(probes) + 1)]
            for action, label, cells in matrix(policy):
                lines.append(f"| {label} `{action}` | " + " | ".join(cells) + " |")
            parts.append("\n".join(lines) + "\n")
        return "\n".join(parts)
