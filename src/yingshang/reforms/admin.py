from django.contrib import admin

from .models import (
    Contribution,
    EvidenceFile,
    Measure,
    Milestone,
    Programme,
    ProgressReport,
    Reminder,
    Task,
    TaskEvent,
)


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_number", "issue_date", "year", "reporting_cycle", "division"]
    inlines = [MeasureInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["number", "programme", "measure", "deadline", "progress", "state"]
    list_filter = ["state", "deadline_kind", "programme"]
    search_fields = ["number", "content", "leader_name"]
    filter_horizontal = ["lead_units", "partner_units"]
    readonly_fields = ["progress", "state", "last_report_on", "completed_on", "closed_at"]
    inlines = [MilestoneInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["task", "department", "period", "percent", "status", "submitted_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ProgressReport._meta.fields]


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ["task", "at", "actor", "action", "from_state", "to_state", "note"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([Contribution, EvidenceFile, Reminder])
