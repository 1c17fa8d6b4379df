"""Reads of the core app, already scoped to the user."""

from django.db.models import Q

from yingshang.platform.models import AuditEntry

from .models import Department, Division, Role, User
from .policies import has_role, staff_users

_audit_readers = has_role(Role.SUPERVISOR, Role.ADMIN)


def divisions_for(user):
    """Divisions a staff member may see: their subtree (ancestors are shown for context)."""
    return Division.objects.visible_to(user)


def departments_for(user, *, search: str = "", division_code: str = ""):
    qs = Department.objects.visible_to(user).select_related("division")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search))
    if division_code:
        qs = qs.filter(division__code=division_code)
    return qs


def department_for_staff(user, pk) -> Department:
    """A department in the user's subtree, or 404."""
    return Department.objects.get_visible_or_404(user, pk=pk)


def staff_for(user):
    return staff_users(User.objects.visible_to(user)).select_related("division", "department")


def can_read_audit(user) -> bool:
    return _audit_readers(user)


def audit_entries_for(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    date_from=None,
    date_to=None,
    q: str = "",
):
    if not can_read_audit(user):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.visible_to(user)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type__icontains=object_type)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(object_id=q))
    return qs
