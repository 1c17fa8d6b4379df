"""Scoping, written once: every staff-facing read goes through ``visible_to(user)``.

A model opts in by declaring
  ``scope_division_field``   — the path to a Division FK (``"division"``,
                               ``"department__division"``) or to a materialised path string
                               (a field whose name ends with ``_path``);
  ``scope_department_field`` — optional path to a Department FK (or ``"id"`` on Department),
                               applied for department-bound roles (承办人, 部门负责人).
Superusers see everything. Staff see their division's subtree. Portal users (no role) see
nothing through these querysets. An object outside the scope is simply not in the queryset,
so views answer 404 exactly as for a missing object.

The platform knows no organisation model: it reads what the user model (``core.User``, the
AUTH_USER_MODEL) offers — ``role``, ``division.path``, ``department_id``, and the two
properties ``is_department_bound`` and ``is_read_only`` in which core states which roles are
limited to their department and which may only read.
"""

from django.db import models
from django.http import Http404

from yingshang.platform.events import AppendOnlyModel, AppendOnlyQuerySetMixin


def division_lookup(field: str) -> str:
    if field == "path" or field.endswith("_path"):
        return f"{field}__startswith"
    return f"{field}__path__startswith"


def scope_filter(model, user) -> models.Q | None:
    """The Q that limits ``model`` to ``user``; None means unrestricted; Q(pk__in=[]) nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return models.Q(pk__in=[])
    if user.is_superuser:
        return None
    if not user.role or not user.division_id:
        return models.Q(pk__in=[])
    q = models.Q(**{division_lookup(model.scope_division_field): user.division.path})
    dept_field = getattr(model, "scope_department_field", None)
    if dept_field and getattr(user, "is_department_bound", False):
        q &= models.Q(**{dept_field: user.department_id})
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = scope_filter(self.model, user)
        return self if q is None else self.filter(q)

    def get_visible_or_404(self, user, **lookup):
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


def can_write(user) -> bool:
    """City leaders read; they never change records."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or (user.role and not getattr(user, "is_read_only", False)))
    )


class AppendOnlyQuerySet(AppendOnlyQuerySetMixin, ScopedQuerySet):
    """For logs (audit entries, case events, task events): rows are added, never changed
    (the refusal itself is the platform's ``AppendOnlyQuerySetMixin``)."""


__all__ = ["AppendOnlyModel", "AppendOnlyQuerySet", "ScopedQuerySet", "can_write", "scope_filter"]
