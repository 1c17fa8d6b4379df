"""The organisation's role predicates, written once; every app's policy builds on them."""

from django.db.models import Q

from .models import DEPARTMENT_ROLES, Role

BUREAU_FUNCTION = "gov_service"  # 市政务服务监督管理局 (its departments' ``function_key``)


def is_staff(user) -> bool:
    """A staff member: any role, or a superuser."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_staff_member
    )


def writes(user) -> bool:
    """Staff who change records (city leaders only read)."""
    from yingshang.platform.scoping import can_write

    return bool(user is not None and can_write(user))


def is_portal_user(user) -> bool:
    """An enterprise or citizen account of the portal: signed in, no role, not a superuser —
    the one spelling of the old ``not user.role`` checks."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and not user.is_superuser
        and not user.role
    )


def is_department_bound(user) -> bool:
    """承办人 and 部门负责人: their reads are limited to their own department (superusers never)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and not user.is_superuser
        and user.role in DEPARTMENT_ROLES
    )


def in_bureau_department(user) -> bool:
    """Staff (any role) of a department of the 政务服务监督管理局 (``function_key`` gov_service)."""
    if not is_staff(user) or not user.role:
        return False
    department = user.department if user.department_id else None
    return bool(department is not None and department.function_key == BUREAU_FUNCTION)


def is_bureau(user) -> bool:
    """The supervision bureau's decisions (reforms: create, import, review, remind; 好差评:
    decide contests, call back): supervisors, administrators, superusers, and staff of the
    bureau's departments — all of them writers, so a city leader (read only) never decides,
    even one filed under the bureau. One predicate for reforms and evaluations (their two
    near-twins differed only on read-only roles)."""
    if not writes(user):
        return False
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return in_bureau_department(user)


def has_role(*roles):
    """Predicate: the user holds one of ``roles`` (superusers always)."""
    wanted = frozenset(roles)

    def test(user) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_superuser or user.role in wanted)

    test.roles = wanted
    return test


def holds(permission: str):
    """Predicate: a writing staff member holding the Django permission ``permission`` (through
    a group such as 事项目录维护员 or directly); superusers always. The capability is apart
    from the role: a 承办人 of the market bureau may also maintain the registry."""

    def test(user) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_superuser:
            return True
        if user.pk is None or not writes(user):  # unsaved probes of the permission table
            return False
        return user.has_perm(permission)

    test.permission = permission
    return test


STAFF_Q = ~Q(role="")  # users with a role: the one "is staff" filter


def staff_users(queryset=None):
    """Users who are staff (have a role) — the one home of ``exclude(role="")``."""
    from .models import User

    return (queryset if queryset is not None else User.objects.all()).filter(STAFF_Q)


__all__ = [
    "BUREAU_FUNCTION",
    "STAFF_Q",
    "Role",
    "has_role",
    "holds",
    "in_bureau_department",
    "is_bureau",
    "is_department_bound",
    "is_portal_user",
    "is_staff",
    "staff_users",
    "writes",
]
