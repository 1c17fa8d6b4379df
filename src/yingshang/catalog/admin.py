from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yingshang.platform.admin import ScopedAdminMixin

from . import services
from .models import Bundle, BundleItem, BundleOutput, Material, ServiceItem, ServiceItemVersion


class VersionInline(admin.TabularInline):
    """Versions are immutable: shown, never edited here (publish a new version instead)."""

    model = ServiceItemVersion
    fields = (
        "version",
        "valid_from",
        "kind",
        "legal_limit_days",
        "committed_limit_days",
        "visits_required",
        "online_depth",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "implementation_code",
        "category",
        "department",
        "division",
        "theme",
        "requires_head_approval",
        "is_active",
    )
    list_filter = ("category", "theme", "requires_head_approval", "is_active", "division__level")
    search_fields = ("name", "implementation_code", "basic_code")
    raw_id_fields = ("department", "division")
    readonly_fields = ("current_version", "implementation_code", "is_active")
    inlines = [VersionInline]
    actions = ["deactivate"]

    def has_add_permission(self, request):
        # Items are created through the Excel import or the API (services validate the terms).
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.ITEM_FIELDS if f in form.cleaned_data}
        try:
            services.update_item(obj, **data)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))

    @admin.action(description=_("停用所选事项"))
    def deactivate(self, request, queryset):
        for item in queryset.filter(is_active=True):
            services.deactivate_item(item)


class MaterialInline(admin.TabularInline):
    model = Material
    fields = ("order", "name", "requirement", "condition", "form", "copies", "licence_type")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "item",
        "version",
        "valid_from",
        "kind",
        "legal_limit_days",
        "committed_limit_days",
    )
    search_fields = ("item__name", "item__implementation_code")
    inlines = [MaterialInline]

    def get_queryset(self, request):
        from yingshang.platform.scoping import scope_filter

        qs = admin.ModelAdmin.get_queryset(self, request)
        ids = ServiceItem.objects.visible_to(request.user).values("pk")
        return qs if scope_filter(ServiceItem, request.user) is None else qs.filter(item__in=ids)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    raw_id_fields = ("item",)
    extra = 0


class BundleOutputInline(admin.TabularInline):
    model = BundleOutput
    raw_id_fields = ("item", "licence_type")
    extra = 0


@admin.register(Bundle)
class BundleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "key", "theme", "division", "is_active")
    list_filter = ("theme", "is_active")
    search_fields = ("name", "key")
    raw_id_fields = ("division",)
    inlines = [BundleItemInline, BundleOutputInline]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "requirement", "form", "licence_type")
    search_fields = ("name",)
    list_filter = ("requirement", "form", "licence_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
