from django.contrib import admin

from yingshang.platform.admin import ScopedAdminMixin

from .models import ELicence, Enterprise, LicenceType, Person, Representation


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "holder_kind")
    search_fields = ("code", "name")


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "uscc", "legal_representative", "masked_phone", "division")
    search_fields = ("name", "uscc")
    raw_id_fields = ("division",)


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "masked_id", "masked_phone", "division")
    search_fields = ("name", "id_number")
    raw_id_fields = ("division", "user")


@admin.register(ELicence)
class ELicenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "licence_type", "holder", "issuer", "issued_on", "status")
    list_filter = ("status", "licence_type")
    search_fields = ("number", "enterprise__name", "enterprise__uscc", "person__name")
    raw_id_fields = ("enterprise", "person", "issuer")


@admin.register(Representation)
class RepresentationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read only: representatives change state only through the machine (the queue page/API)."""

    list_display = ("enterprise", "user", "status", "method", "requested_at", "decided_at")
    list_filter = ("status", "method")
    search_fields = ("enterprise__name", "enterprise__uscc", "user__username")
    exclude = ("code_hash",)
    readonly_fields = [
        f.name for f in Representation._meta.fields if f.name not in ("id", "code_hash")
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
