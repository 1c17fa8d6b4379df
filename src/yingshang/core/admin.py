from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform.admin import ScopedAdminMixin

from . import services
from .models import Department, Division, User


class DivisionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV文件"),
        help_text=gettext_lazy("列：code,name,level,parent_code[,management_area,name_en]"),
    )


@admin.register(Division)
class DivisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "is_management_area", "parent")
    list_filter = ("level", "is_management_area")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    change_list_template = "admin/core/division/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_csv), name="core_division_import"
            )
        ] + super().get_urls()

    def import_csv(self, request):
        form = DivisionImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                result = services.import_divisions_csv(form.cleaned_data["file"].read())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    _("导入成功：新增 %(c)d，更新 %(u)d，未变 %(n)d。")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
                return redirect("admin:core_division_changelist")
        return render(
            request,
            "admin/core/division/import.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "errors": errors,
                "title": _("导入行政区划"),
            },
        )


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "division", "kind", "function_key", "is_active")
    list_filter = ("kind", "is_active", "division__level")
    search_fields = ("name", "short_name", "function_key")
    raw_id_fields = ("division",)


@admin.register(User)
class StaffAdmin(ScopedAdminMixin, UserAdmin):
    list_display = ("username", "full_name", "role", "division", "department", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    raw_id_fields = ("division", "department")
    fieldsets = UserAdmin.fieldsets + (
        (
            gettext_lazy("岗位"),
            {"fields": ("full_name", "role", "division", "department", "phone")},
        ),
    )
