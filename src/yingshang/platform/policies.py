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
