from django.contrib import admin

from yingshang.platform.admin import ScopedAdminMixin

from .models import ELicence, Enterprise, LicenceType, Person


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "holder_kind")
    search_fields = ("code", "name")


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "uscc", "legal_representative", "masked_phone", "division")
    search_fields = ("name", "uscc")
    raw_id_fields = ("division",)
    filter_horizontal = ("users",)


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
