"""The case exports (platform/export_jobs.py): the queue's filtered list as Excel, computed in
the background with the owner's scope (``selectors.cases_for``, as the queue page), applicant
codes masked."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform import labels
from yingshang.platform.export_jobs import ExportKind, register

from . import forms, selectors, sla


def _headers():
    return [
        _("办件编号"),
        _("事项"),
        _("申请人"),
        _("证件号码"),
        _("办理部门"),
        _("渠道"),
        _("状态"),
        _("申报时间"),
        _("到期时间"),
        _("时效"),
    ]


def _query(user, params):
    filters = forms.QueueFilterForm(params).case_filters()
    return selectors.cases_for(user, **filters).order_by("-submitted_at", "-id")


def _row(c, now):
    return (
        c.number,
        c.title,
        c.applicant_name,
        c.masked_applicant_code,
        c.department.name,
        c.get_channel_display(),
        c.get_status_display(),
        timezone.localtime(c.submitted_at).replace(tzinfo=None),
        timezone.localtime(c.due_at).replace(tzinfo=None) if c.due_at else "",
        labels.label("cases.Case.final_sla_state", sla.state_of(c, now)),
    )


QUEUE = register(
    ExportKind(
        key="cases.queue",
        label=gettext_lazy("办件"),
        filename="cases",
        headers=_headers,
        query=_query,
        row=_row,
        allowed=lambda user: bool(getattr(user, "is_staff_member", False)),
        object_type="cases.Case",
        audit_repr=gettext_lazy("办件导出"),
    )
)
