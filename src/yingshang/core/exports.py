"""The audit-log export (platform/export_jobs.py): supervisors and administrators, their
subtree's entries, the audit page's filters."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform import audit, labels
from yingshang.platform.export_jobs import ExportKind, register

from . import forms, selectors


def _headers():
    return [
        _("时间"),
        _("操作人"),
        _("来源地址"),
        _("渠道"),
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("变更内容"),
    ]


def _query(user, params):
    filters = forms.AuditFilterForm(params).audit_filters()
    return selectors.audit_entries_for(user, **filters)


def _row(e, now):
    return (
        timezone.localtime(e.at).replace(tzinfo=None, second=0, microsecond=0),
        e.actor_name,
        e.ip or "",
        labels.label("channel", e.channel),
        e.get_action_display(),
        audit.object_type_name(e.object_type),
        e.object_id,
        e.object_repr,
        audit.changes_text(e),
    )


AUDIT = register(
    ExportKind(
        key="core.audit",
        label=gettext_lazy("审计日志"),
        filename="audit",
        headers=_headers,
        query=_query,
        row=_row,
        allowed=selectors.can_read_audit,
        denied=gettext_lazy("只有监督员和管理员可以导出审计日志。"),
        object_type="platform.AuditEntry",
        audit_repr=gettext_lazy("审计日志导出"),
    )
)
