"""The appeal (诉求) and Q&A commitment (承诺事项) transition tables on the platform kit. Every
edge is reviewed here; docs/state-machines.md is generated from them."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform.transitions import SAME, Edge, Machine, register

from . import conf
from .models import (
    ACTION_LABELS,
    Appeal,
    AppealEvent,
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    Status,
)
from .policies import policy

S = Status
C = CommitmentStatus


def _services():
    from . import services

    return services


def _link(appeal):
    return f"/staff/appeals/{appeal.pk}/"


# --------------------------------------------------------------------------- appeal effects


def _sign(ctx):
    ctx.obj.signed_at = ctx.now
    if ctx.action == "sign" and not ctx.data.get("quiet"):
        _services()._notify_appellant(ctx.obj, _("您的诉求 %(n)s 已签收") % {"n": ctx.obj.number})


def _lead_given(ctx):
    if ctx.data.get("lead_department") is None:
        raise ValidationError({"lead_department": _("请选择主办部门。")})


def _dispatch(ctx):
    appeal, lead = ctx.obj, ctx.data["lead_department"]
    if ctx.before == S.SUBMITTED:  # 交办 without a separate 签收: sign first, in the log too
        appeal.signed_at = ctx.now
        appeal.status = S.SIGNED
        appeal.save()
        ctx.machine.record(appeal, "sign", S.SUBMITTED, S.SIGNED, actor=ctx.actor, at=ctx.now)
        ctx.before = S.SIGNED
    co = [d for d in ctx.data.get("co_departments") or () if d.pk != lead.pk]
    ctx.data["co"] = co
    appeal.lead_department = lead
    appeal.division = lead.division
    if appeal.dispatched_at is None:
        appeal.dispatched_at = ctx.now
        appeal.limit_days = conf.limit_days(appeal.appeal_type)
        appeal.due_at, appeal.due_provisional = _services()._due(ctx.now, appeal.limit_days)
    ctx.event_data.update(lead=lead.pk, co=[d.pk for d in co])


def _after_dispatch(ctx):
    s, appeal, lead, co = _services(), ctx.obj, ctx.data["lead_department"], ctx.data["co"]
    appeal.co_departments.set(co)
    title = _("诉求 %(n)s 已交办，请于 %(due)s 前答复") % {
        "n": appeal.number,
        "due": timezone.localtime(appeal.due_at).strftime("%Y-%m-%d"),
    }
    s._notify_department(lead, title, appeal.title, _link(appeal))
    for d in co:
        s._notify_department(
            d, _("诉求 %(n)s 请协办") % {"n": appeal.number}, appeal.title, _link(appeal)
        )
    s._notify_appellant(
        appeal, _("您的诉求 %(n)s 已交由 %(d)s 办理") % {"n": appeal.number, "d": lead.name}
    )


def _reply_text(ctx):
    if not ctx.note:
        raise ValidationError({"text": _("请填写答复内容。")})


def _reply(ctx):
    s, appeal = _services(), ctx.obj
    appeal.reply_text = ctx.note
    appeal.replied_at = ctx.now
    s._notify_appellant(
        appeal, _("您的诉求 %(n)s 已答复，请确认是否解决") % {"n": appeal.number}, ctx.note
    )
    s._notify_service_office(_("诉求 %(n)s 已答复") % {"n": appeal.number}, "", _link(appeal))


def _within_extension_limit(ctx):
    limit = conf.max_extension_days()
    if ctx.obj.extension_days + ctx.data["days"] > limit:
        raise ValidationError(
            {"days": _("延期超过上限：累计最多延期 %(max)d 个工作日。") % {"max": limit}}
        )


def _extend(ctx):
    appeal, days = ctx.obj, ctx.data["days"]
    appeal.extension_days += days
    appeal.due_at, appeal.due_provisional = _services()._due(appeal.due_at, days)
    ctx.event_data["days"] = days


def _escalate(ctx):
    s, appeal, reason = _services(), ctx.obj, ctx.note
    appeal.escalated_at = ctx.now
    appeal.escalation_reason = reason[:200]
    title = _("诉求 %(n)s 已升级市领导督办") % {"n": appeal.number}
    s._notify_leaders(appeal, reason)
    s._notify_department(appeal.lead_department, title, reason)
    s._notify_service_office(title, reason, _link(appeal))
    s._notify_appellant(appeal, _("您的诉求 %(n)s 已提请市领导督办") % {"n": appeal.number})


def _confirm(ctx):
    ctx.obj.resolved, ctx.obj.closed_at = True, ctx.now
    _services()._notify_department(
        ctx.obj.lead_department, _("诉求 %(n)s 企业确认已解决") % {"n": ctx.obj.number}
    )


def _reopen(ctx):
    appeal = ctx.obj
    appeal.resolved = False
    appeal.due_at, appeal.due_provisional = _services()._due(ctx.now, appeal.limit_days)
    _services()._notify_department(
        appeal.lead_department,
        _("诉求 %(n)s 企业确认未解决，请重新办理") % {"n": appeal.number},
        ctx.note,
        _link(appeal),
    )


@register
class AppealMachine(Machine):
    name = "appeals"
    title = gettext_lazy("诉求")
    model = Appeal
    states = Status
    event_model = AppealEvent
    event_fk = "appeal"
    policy = policy
    permission_first = True
    edges = [
        Edge("sign", {S.SUBMITTED}, S.SIGNED, ACTION_LABELS["sign"], "office", effects=_sign),
        Edge(
            "dispatch",
            {S.SUBMITTED, S.SIGNED, S.ESCALATED},
            {S.SUBMITTED: S.DISPATCHED, S.SIGNED: S.DISPATCHED, S.ESCALATED: S.ESCALATED},
            ACTION_LABELS["dispatch"],
            "office",
            guards=_lead_given,
            effects=_dispatch,
            after=_after_dispatch,
        ),
        Edge(
            "redispatch",
            {S.DISPATCHED, S.ESCALATED},
            SAME,
            ACTION_LABELS["redispatch"],
            "office",
            guards=_lead_given,
            effects=_dispatch,
            after=_after_dispatch,
        ),
        Edge(
            "reply",
            {S.DISPATCHED, S.ESCALATED},
            S.REPLIED,
            ACTION_LABELS["reply"],
            "lead",
            guards=_reply_text,
            effects=_reply,
        ),
        Edge(
            "extend",
            {S.DISPATCHED, S.ESCALATED},
            SAME,
            ACTION_LABELS["extend"],
            "office",
            guards=_within_extension_limit,
            effects=_extend,
        ),
        Edge(
            "escalate",
            {S.SUBMITTED, S.SIGNED, S.DISPATCHED, S.REPLIED},
            S.ESCALATED,
            ACTION_LABELS["escalate"],
            "escalate",
            effects=_escalate,
        ),
        Edge(
            "confirm",
            {S.REPLIED},
            S.CLOSED,
            ACTION_LABELS["confirm"],
            "appellant",
            effects=_confirm,
        ),
        Edge(
            "reopen",
            {S.REPLIED},
            S.DISPATCHED,
            ACTION_LABELS["reopen"],
            "appellant",
            effects=_reopen,
        ),
    ]

    def refuse(self, appeal, edge):
        return ValidationError(
            {
                "status": _("诉求当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": appeal.get_status_display(), "action": edge.label}
            }
        )

    def check_permission(self, ctx):
        if ctx.edge.permission == "appellant" and ctx.data.get("verified"):
            return  # a visitor who proved the number and the phone's last digits
        if ctx.edge.permission == "escalate" and ctx.actor is not None:
            if not getattr(ctx.actor, "is_staff_member", False):
                return  # the appellant asks for escalation
        super().check_permission(ctx)

    def actor_name(self, actor) -> str:
        return _services()._actor_label(actor)[0] if actor is not None else "system"

    def actor_role(self, actor) -> str:
        if actor is None:
            with _services().stored_language():
                return _("系统")
        return _services()._actor_label(actor)[1]

    def event_fields(self, ctx) -> dict:
        fields = {"department": getattr(ctx.actor, "department", None)}
        if ctx.edge.permission == "appellant":
            fields["actor_role"] = _services()._appellant_role()
            if ctx.actor is None or not getattr(ctx.actor, "is_authenticated", False):
                fields["actor_name"] = ""
        return fields


# --------------------------------------------------------------------------- commitments


def _progress(ctx):
    if ctx.note:
        ctx.obj.progress_note = ctx.note


def _complete(ctx):
    _progress(ctx)
    ctx.obj.completed_at = ctx.now


REPORT, VERIFY, OVERDUE = "commitment_report", "commitment_verify", "commitment_overdue"


@register
class CommitmentMachine(Machine):
    name = "commitments"
    title = gettext_lazy("政企面对面承诺事项")
    model = Commitment
    states = CommitmentStatus
    event_model = CommitmentEvent
    event_fk = "commitment"
    policy = policy
    edges = [
        Edge(
            "start", {C.PENDING}, C.IN_PROGRESS, gettext_lazy("开始落实"), REPORT, effects=_progress
        ),
        Edge(
            "progress",
            {C.IN_PROGRESS, C.OVERDUE},
            SAME,
            gettext_lazy("报告进展"),
            REPORT,
            effects=_progress,
        ),
        Edge(
            "complete",
            {C.PENDING, C.IN_PROGRESS, C.OVERDUE},
            C.COMPLETED,
            gettext_lazy("报告完成"),
            REPORT,
            effects=_complete,
        ),
        Edge(
            "overdue",
            {C.PENDING, C.IN_PROGRESS},
            C.OVERDUE,
            gettext_lazy("逾期"),
            OVERDUE,
            effects=_progress,
        ),
        Edge(
            "verify", {C.COMPLETED}, C.VERIFIED, gettext_lazy("核验销号"), VERIFY, effects=_progress
        ),
        Edge(
            "reject",
            {C.COMPLETED},
            C.IN_PROGRESS,
            gettext_lazy("核验退回"),
            VERIFY,
            effects=_progress,
        ),
    ]

    def refuse(self, commitment, edge):
        return ValidationError(
            {
                "status": _("承诺事项当前状态为“%(s)s”，不能执行该操作。")
                % {"s": commitment.get_status_display()}
            }
        )

    def actor_name(self, actor) -> str:
        return (_services()._actor_label(actor)[0] if actor is not None else "") or "system"

    def actor_role(self, actor) -> str:
        return "" if actor is None else _services()._actor_label(actor)[1]
