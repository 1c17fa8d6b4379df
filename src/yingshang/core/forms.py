"""Input of the organisation pages: the GET filters of the department list, the audit log and
the working-day calendar (a bad date or year gives a field message, never a 500)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm
from yingshang.platform.models import AuditAction

DATE_MESSAGE = _("日期格式应为 YYYY-MM-DD。")


class DepartmentFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    division = forms.CharField(label=_("行政区划"), required=False, max_length=12)


class AuditFilterForm(FilterForm):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", "—"), *AuditAction.choices]
    )
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=100)
    q = forms.CharField(label=_("关键字"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, error_messages={"invalid": DATE_MESSAGE}
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, error_messages={"invalid": DATE_MESSAGE}
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def audit_filters(self) -> dict:
        """The keyword filters of ``selectors.audit_entries_for``."""
        f = self.filters
        for key in ("actor", "action", "object_type", "q"):
            f[key] = f[key] or ""
        return f
