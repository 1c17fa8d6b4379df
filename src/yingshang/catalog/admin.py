from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from yingshang.platform.admin import ScopedAdminMixin

from . import services
from .models import (
    Bundle,
    BundleItem,
    BundleOutput,
    ItemTerm,
    Material,
    ServiceItem,
    ServiceItemVersion,
    ZeroResultQuery,
)
from .policies import policy as catalog_policy


def _maintainer(request) -> bool:
    return bool(request.user.is_active and request.user.has_perm("catalog.maintain_catalog"))


class TermPermissionMixin:
    """检索词 are maintained by catalogue maintainers (``catalog.maintain_catalog``) for items
    of their scope (the catalog policy), like the items themselves."""

    def has_module_permission(self, request):
        return _maintainer(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _maintainer(request) or super().has_view_permission(request, obj)

    def _may_edit(self, request, obj):
        if not _maintainer(request):
            return False
        item = obj if isinstance(obj, ServiceItem) else getattr(obj, "item", None)
        return item is None or catalog_policy.can(request.user, "maintain", item)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


class TermInline(TermPermissionMixin, admin.TabularInline):
    model = ItemTerm
    fields = ("term", "kind", "source")
    extra = 1


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
    inlines = [TermInline, VersionInline]
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


@admin.register(ItemTerm)
class ItemTermAdmin(TermPermissionMixin, admin.ModelAdmin):
    """同义词 and 俗称 of the items: what people say for an item (see docs/catalog.md)."""

    list_display = ("term", "kind", "item", "source")
    list_filter = ("kind",)
    search_fields = ("term", "item__name", "item__implementation_code", "source")
    raw_id_fields = ("item",)

    def get_queryset(self, request):
        from yingshang.platform.scoping import scope_filter

        qs = super().get_queryset(request).select_related("item")
        if scope_filter(ServiceItem, request.user) is None:
            return qs
        return qs.filter(item__in=ServiceItem.objects.visible_to(request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        if not catalog_policy.can(request.user, "maintain", obj.item):
            raise PermissionDenied
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(ZeroResultQuery)
class ZeroResultQueryAdmin(admin.ModelAdmin):
    """Portal searches that found nothing, most frequent first: words to add as terms."""

    list_display = ("query", "count", "first_seen", "last_seen")
    search_fields = ("query",)
    date_hierarchy = "last_seen"
    readonly_fields = ("query", "count", "first_seen", "last_seen")

    def has_module_permission(self, request):
        return _maintainer(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _maintainer(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Cleared by a maintainer once the words are handled (added as terms).
        return _maintainer(request) or super().has_delete_permission(request, obj)
