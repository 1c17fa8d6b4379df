from django.contrib import admin

from .models import Appeal, AppealEvent, Commitment, DispatchModel, QAQuestion, QASession


class EventInline(admin.TabularInline):
    model = AppealEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "action",
        "from_state",
        "to_state",
        "actor_name",
        "actor_role",
        "at",
        "note",
    ]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "appeal_type", "status", "lead_department", "due_at"]
    list_filter = ["status", "appeal_type", "topic", "channel"]
    search_fields = ["number", "title", "enterprise_name"]
    readonly_fields = [f.name for f in Appeal._meta.fields]
    exclude = ["co_departments"]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False  # appeals are raised through the portal, the API or staff entry


class QuestionInline(admin.StackedInline):
    model = QAQuestion
    extra = 0


@admin.register(QASession)
class QASessionAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "theme", "published"]
    inlines = [QuestionInline]
    filter_horizontal = ["departments", "enterprises"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["content", "owner_department", "deadline", "status"]
    list_filter = ["status"]
    readonly_fields = ["status"]


@admin.register(DispatchModel)
class DispatchModelAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "n_train", "n_test", "top1", "top3"]
    exclude = ["blob"]
