from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import CalendarDay, CalendarStatus, CalendarYear


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
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and obj.status != CalendarStatus.CONFIRMED:
            messages.warning(
                request,
                _("%(year)s 年的放假安排尚未确认：依此计算的期限均标记为暂定。")
                % {"year": obj.year},
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.recount_working_days(form.instance.year)

    @admin.action(description=gettext_lazy("确认放假安排"), permissions=["change"])
    def confirm_arrangement(self, request, queryset):
        for row in queryset.order_by("year"):
            try:
                done = services.confirm_year(row.year, request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                if done:
                    messages.success(request, _("%(year)s 年已确认。") % {"year": row.year})
                else:
                    messages.info(request, _("%(year)s 年此前已确认。") % {"year": row.year})

    @admin.action(description=gettext_lazy("从节假日库重新导入"), permissions=["change"])
    def reseed_from_library(self, request, queryset):
        for row in queryset.order_by("year"):
            try:
                result = services.seed_year_from_library(row.year, user=request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
                continue
            if result.status == "conflict":
                messages.warning(request, result.message)
            else:
                messages.success(
                    request,
                    _("%(year)s 年：新增 %(c)d，更新 %(u)d，删除 %(d)d。")
                    % {
                        "year": row.year,
                        "c": result.created,
                        "u": result.updated,
                        "d": result.deleted,
                    },
                )
