from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import AuditEntry, CalendarDay, CalendarYear, Department, Division, User


class ScopedAdminMixin:
    """Admin lists and edits are limited to the staff member's subtree; outside it is 404."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class DivisionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV文件"),
        help_text=gettext_lazy("列:code,name,level,parent_code[,management_area,name_en]"),
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
                    _("导入成功:新增 %(c)d,更新 %(u)d,未变 %(n)d。")
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


class CalendarDayInlineFormSet(forms.BaseInlineFormSet):
    """Every day must lie in the year being edited — also when the year is new (no pk yet, so
    CalendarDay.clean cannot see it) or when its number is being changed."""

    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            day = form.cleaned_data.get("date")
            if day and day.year != year and "date" not in form.errors:
                form.add_error(
                    "date",
                    _("日期 %(date)s 不在 %(year)s 年内。") % {"date": day, "year": year},
                )


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayInlineFormSet
    fields = ("date", "kind", "name")
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "status_flag", "working_days", "day_count", "source")
    list_filter = ("status",)
    inlines = [CalendarDayInline]
    readonly_fields = ("working_days",)
    fields = ("year", "status", "working_days", "source", "note")
    actions = ["confirm_arrangement", "reseed_from_library"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_day_count=Count("days"))

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_flag(self, obj):
        from django.utils.html import format_html

        from .models import CalendarStatus

        if obj.status == CalendarStatus.CONFIRMED:
            return format_html('<span style="color:#2e8b57">✔ {}</span>', obj.get_status_display())
        return format_html(
            '<strong style="background:#fff3cd;color:#8a6100;padding:1px 6px;border-radius:3px">'
            "⚠ {}</strong>",
            obj.get_status_display(),
        )

    @admin.display(description=gettext_lazy("例外日数"), ordering="_day_count")
    def day_count(self, obj):
        return obj._day_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from .models import CalendarStatus

        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and obj.status != CalendarStatus.CONFIRMED:
            messages.warning(
                request,
                _("%(year)s 年的放假安排尚未确认:依此计算的期限均标记为暂定。")
                % {"year": obj.year},
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        from . import calendar_services

        super().save_related(request, form, formsets, change)
        calendar_services.recount_working_days(form.instance.year)

    @admin.action(description=gettext_lazy("确认放假安排"), permissions=["change"])
    def confirm_arrangement(self, request, queryset):
        from . import calendar_services

        for row in queryset.order_by("year"):
            try:
                done = calendar_services.confirm_year(row.year, request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                if done:
                    messages.success(request, _("%(year)s 年已确认。") % {"year": row.year})
                else:
                    messages.info(request, _("%(year)s 年此前已确认。") % {"year": row.year})

    @admin.action(description=gettext_lazy("从节假日库重新导入"), permissions=["change"])
    def reseed_from_library(self, request, queryset):
        from . import calendar_services

        for row in queryset.order_by("year"):
            try:
                result = calendar_services.seed_year_from_library(row.year, user=request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
                continue
            if result.status == "conflict":
                messages.warning(request, result.message)
            else:
                messages.success(
                    request,
                    _("%(year)s 年:新增 %(c)d,更新 %(u)d,删除 %(d)d。")
                    % {
                        "year": row.year,
                        "c": result.created,
                        "u": result.updated,
                        "d": result.deleted,
                    },
                )


class ReadOnlyAdminMixin:
    """An admin where nobody can add, change or delete (records written by the system only)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: nobody can add, change or delete audit entries."""

    list_display = ("at", "actor_name", "ip", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "channel")
    search_fields = ("actor_name", "object_repr", "object_id", "object_type")
    date_hierarchy = "at"
