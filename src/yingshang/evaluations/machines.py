"""The rectification (差评整改) transition table on the platform kit; docs/state-machines.md is
generated from it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from yingshang.platform.transitions import Edge, Machine, register
from yingshang.workdays.calendar import add_working_days

from .models import Evaluation, Rectification, RectificationEvent, RectStatus
from .policies import BUREAU_KEY, policy

R = RectStatus


def _services():
    from . import services

    return services


def _link(rect):
    return f"/staff/evaluations/rectifications/{rect.pk}/"


def _note_required(field="note"):
    def guard(ctx):
        if not ctx.note:
            raise ValidationError({field: _("请填写说明。")})

    return guard


def _start_limit(ctx):
    due = add_working_days(ctx.now, _services().rectification_days())
    ctx.obj.due_at, ctx.obj.due_provisional = due.due, due.provisional


def _verify(ctx):
    ctx.obj.verification_note = ctx.note
    _start_limit(ctx)


def _uphold(ctx):
    ctx.obj.decision_note = ctx.note
    _start_limit(ctx)
    _tell_department(ctx)


def _contest(ctx):
    ctx.obj.contest_reason = ctx.note
    for u in _services().bureau_users():
        ctx.notify(u, _("差评申诉待裁定"), ctx.note, _link(ctx.obj))


def _overturn(ctx):
    ctx.obj.decision_note = ctx.note
    ctx.obj.closed_at = ctx.now
    Evaluation.objects.filter(pk=ctx.obj.evaluation_id).update(voided=True)
    _tell_department(ctx)


def _report(ctx):
    ctx.obj.measures = ctx.note
    ctx.obj.reported_at = ctx.now


def _callback(ctx):
    rect = ctx.obj
    rect.callback_note = ctx.note
    rect.callback_at = ctx.now
    if rect.evaluation.evaluator_id:
        ctx.notify(
            rect.evaluation.evaluator,
            _("您的差评已整改，请确认"),
            ctx.note,
            f"/evaluations/rectifications/{rect.pk}/",
        )


def _accept(ctx):
    ctx.obj.verdict_satisfied, ctx.obj.verdict_note, ctx.obj.closed_at = True, ctx.note, ctx.now


def _reject(ctx):
    rect = ctx.obj
    rect.verdict_satisfied, rect.verdict_note = False, ctx.note
    rect.rounds += 1
    rect.overdue_at = None
    _start_limit(ctx)
    _tell_department(ctx)


def _tell_department(ctx):
    """After the save: the message names the new status."""
    ctx.data["tell_department"] = True


def _notify_department(ctx):
    if ctx.data.get("tell_department"):
        rect = ctx.obj
        for u in _services().department_users(rect.department):
            ctx.notify(
                u, _("差评整改：%(s)s") % {"s": rect.get_status_display()}, ctx.note, _link(rect)
            )


def _e(action, sources, target, label, permission, effects, note_field=None):
    guards = (_note_required(note_field),) if note_field else ()
    return Edge(
        action,
        sources,
        target,
        label,
        permission,
        guards=guards,
        effects=effects,
        after=_notify_department,
    )


@register
class RectificationMachine(Machine):
    name = "rectifications"
    title = gettext_lazy("差评整改")
    model = Rectification
    states = RectStatus
    event_model = RectificationEvent
    event_fk = "rectification"
    policy = policy
    category = "evaluations"
    edges = [
        _e("verify", {R.VERIFYING}, R.RECTIFYING, gettext_lazy("核实属实"), "rectify", _verify),
        _e(
            "contest",
            {R.VERIFYING},
            R.CONTESTED,
            gettext_lazy("申诉"),
            "rectify",
            _contest,
            "reason",
        ),
        _e(
            "uphold",
            {R.CONTESTED},
            R.RECTIFYING,
            gettext_lazy("申诉不成立"),
            "bureau",
            _uphold,
            "note",
        ),
        _e(
            "overturn",
            {R.CONTESTED},
            R.VOIDED,
            gettext_lazy("申诉成立"),
            "bureau",
            _overturn,
            "note",
        ),
        _e(
            "report",
            {R.RECTIFYING},
            R.CALLBACK,
            gettext_lazy("整改完成"),
            "rectify",
            _report,
            "measures",
        ),
        _e(
            "callback",
            {R.CALLBACK},
            R.AWAITING_VERDICT,
            gettext_lazy("回访"),
            "bureau",
            _callback,
            "note",
        ),
        _e(
            "accept",
            {R.AWAITING_VERDICT},
            R.CLOSED,
            gettext_lazy("评价人认可"),
            "evaluator",
            _accept,
        ),
        _e(
            "reject",
            {R.AWAITING_VERDICT},
            R.RECTIFYING,
            gettext_lazy("评价人不认可"),
            "evaluator",
            _reject,
        ),
    ]

    def lock(self, rect, ctx):
        return (
            Rectification.objects.select_for_update().select_related("evaluation").get(pk=rect.pk)
        )

    def refuse(self, rect, edge):
        return ValidationError(
            {
                "status": _("整改当前状态为“%(s)s”，不能执行该操作。")
                % {"s": rect.get_status_display()}
            }
        )

    def check_permission(self, ctx):
        if ctx.edge.permission == "evaluator" and ctx.data.get("verified"):
            return  # a visitor who proved they own the rated subject
        if ctx.actor is None and ctx.edge.permission == "evaluator":
            policy.check(ctx.actor, "evaluator", ctx.obj)  # an anonymous evaluator must prove it
        super().check_permission(ctx)

    def actor_name(self, actor) -> str:
        """The user, or (a visitor who proved the rated subject) 评价人; the sweep passes
        ``actor_name="system"`` itself."""
        if getattr(actor, "is_authenticated", False):
            return str(actor)
        with override(settings.LANGUAGE_CODE):  # records in the default language
            return _("评价人")


__all__ = ["BUREAU_KEY", "RectificationMachine"]
