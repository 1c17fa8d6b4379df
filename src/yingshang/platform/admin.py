from django.contrib import admin

from .models import AuditEntry, ScheduledRun


def superusers_only(request) -> bool:
    """The Django admin is for superusers only (docs/security.md, "Admin"): staff work in the
    workbench, where every page asks the apps' policies and scopes. ``is_staff`` alone no
    longer opens it — an active superuser does. Installed on ``admin.site`` in urls.py."""
    user = request.user
    return bool(user.is_active and user.is_superuser)


class ScopedAdminMixin:
    """Admin lists and edits are limited to the staff member's subtree; outside it is 404."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class ReadOnlyAdminMixin:
    """An admin where nobody can add, change or delete (records written by the system only)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: nobody can add, change or delete audit entries."""

    list_display = ("at", "actor_name", "ip", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "channel")
    search_fields = ("actor_name", "object_repr", "object_id", "object_type")
    date_hierarchy = "at"


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The scheduler's ledger: written by the worker only."""

    list_display = ["job", "slot", "task_id", "created_at"]
    list_filter = ["job"]
    date_hierarchy = "slot"
