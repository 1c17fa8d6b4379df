from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Delivery, Notification
from .senders import mask_address


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "masked_address", "status", "attempts", "next_attempt_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("地址"))
    def masked_address(self, obj):
        return mask_address(obj.channel, obj.address)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "category", "in_app", "created_at", "read_at"]
    list_filter = ["category", "in_app", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "notification",
        "channel",
        "masked_address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel"]
    list_select_related = ["notification"]
    search_fields = ["notification__title"]
    fields = [
        "notification",
        "channel",
        "masked_address",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("地址"))
    def masked_address(self, obj):
        return mask_address(obj.channel, obj.address)

    @admin.action(description=_("立即重试所选投递"))
    def retry(self, request, queryset):
        count = services.retry_now(queryset)
        self.message_user(
            request,
            ngettext("已安排 %(n)d 条投递重试。", "已安排 %(n)d 条投递重试。", count)
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )
