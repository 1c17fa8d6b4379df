"""The organisation's role predicates, written once; every app's policy builds on them."""

from django.db.models import Q

from .models import Role


def is_staff(user) -> bool:
    """A staff member: any role, or a superuser."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_staff_member
    )


def writes(user) -> bool:
    """Staff who change records (city leaders only read)."""
    from yingshang.platform.scoping import can_write

    return bool(user is not None and can_write(user))


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


__all__ = ["Role", "has_role", "holds", "is_staff", "staff_users", "writes", "STAFF_Q"]
