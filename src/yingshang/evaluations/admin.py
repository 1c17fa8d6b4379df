from django.contrib import admin

from .models import Evaluation, Rectification


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["subject_label", "department", "channel", "level", "created_at", "voided"]
    list_filter = ["level", "channel", "voided"]
    readonly_fields = [f.name for f in Evaluation._meta.fields]


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "department", "status", "due_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Rectification._meta.fields]
