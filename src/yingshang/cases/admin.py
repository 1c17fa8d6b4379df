"""Admin: read-mostly views of cases and their logs (changes go through the workbench, which
calls the services; the event log is append-only)."""

from django.contrib import admin

from .models import Case, CaseEvent, CaseMaterial, CaseVisit


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = [
        "at",
        "action",
        "from_state",
        "to_state",
        "actor_name",
        "actor_role",
        "channel",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CaseMaterialInline(admin.TabularInline):
    model = CaseMaterial
    extra = 0
    can_delete = False
    fields = ["name", "source", "licence", "original_name", "content_type", "size", "round"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "applicant_name",
        "department",
        "channel",
        "status",
        "due_at",
    ]
    list_filter = ["status", "channel", "final_sla_state", "multiple_trips"]
    search_fields = ["number", "applicant_name"]
    list_select_related = ["department"]
    raw_id_fields = ["item", "version", "bundle", "parent", "enterprise", "person", "user"]
    readonly_fields = [f.name for f in Case._meta.concrete_fields]
    inlines = [CaseMaterialInline, CaseEventInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseVisit)
class CaseVisitAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "at", "department"]
    list_filter = ["kind"]
    raw_id_fields = ["case", "recorded_by"]
