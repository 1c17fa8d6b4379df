"""The case (办件) transition table on the platform kit. Reviewed edge by edge (docs/cases.md);
the diagram in docs/state-machines.md is generated from it."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform.transitions import Edge, Machine, register

from . import sla
from .models import OPEN_STATUSES, Case, CaseEvent, Outcome, Status, Step
from .policies import policy

S = Status
# policy actions of the permission column: STAFF — any staff member in the case's write scope
# (the accepting hall under 全域通办 or the competent department); DECIDE — the competent
# department's handlers and head only; APPLICANT — the applicant's own case.
STAFF, DECIDE, APPLICANT = "handle", "decide", "applicant"


def _resume_target(ctx):
    return ctx.obj.resume_status


# --------------------------------------------------------------------------- guards


def _at_review_step(ctx):
    if ctx.obj.step != Step.REVIEW:
        raise ctx.machine.refuse(ctx.obj, ctx.edge)


def _clean_data(ctx):
    from . import workflow  # looked up at call time (tests slow it down to race two clerks)

    clean = workflow._validate_data(ctx.obj, ctx.action, dict(ctx.data, note=ctx.note))
    ctx.note = clean.pop("note")
    ctx.clean = clean
    ctx.event_data.update(clean)


# --------------------------------------------------------------------------- effects


def _set_clock(case, c):
    case.due_at, case.warn_at, case.due_provisional = c.due_at, c.warn_at, c.provisional


def _accept(ctx):
    case = ctx.obj
    case.accepted_at = ctx.now
    c = sla.clock(ctx.now, case.limit_days, 0)
    _set_clock(case, c)
    ctx.event_data["due_at"] = c.due_at.isoformat()


def _reject(ctx):
    ctx.obj.reason = ctx.note
    ctx.obj.completed_at = ctx.now


def _request_supplement(ctx):
    case = ctx.obj
    case.missing_materials = ctx.clean["missing"]
    case.resume_status = ctx.before
    if case.accepted_at is not None:
        case.paused_since = ctx.now


def _suspend(ctx):
    case = ctx.obj
    case.suspend_reason = ctx.clean["suspend_reason"]
    case.resume_status = ctx.before
    case.paused_since = ctx.now


def _restart_clock(ctx):
    case = ctx.obj
    if case.paused_since is not None:
        paused = sla.pause_days(case.paused_since, ctx.now)
        case.paused_days += paused
        case.paused_since = None
        c = sla.clock(case.accepted_at, case.limit_days, case.paused_days)
        _set_clock(case, c)
        ctx.event_data.update(paused_days=paused, due_at=c.due_at.isoformat())


def _resubmit(ctx):
    ctx.obj.missing_materials = []
    materials = ctx.data.get("materials")
    if isinstance(materials, list):
        ctx.event_data["materials"] = materials


def _resume(ctx):
    ctx.obj.suspend_reason = ""


def _clear_resume(ctx):
    ctx.obj.resume_status = ""


def _step(step):
    def effect(ctx):
        ctx.obj.step = step

    return effect


def finish_clock(case: Case, now):
    if case.accepted_at is None or case.due_at is None:
        return
    case.final_sla_state = sla.state(now, case.due_at, case.warn_at, finished_at=now)
    used = sla.working_days_used(case.accepted_at, now, case.paused_days)
    case.working_days_used = used
    case.days_saved = sla.days_saved(case.limit_days, used)


def _complete(ctx):
    case = ctx.obj
    case.outcome = ctx.clean["outcome"]
    case.reason = ctx.note if case.outcome == Outcome.DENIED else ""
    case.completed_at = ctx.now
    case.step = ""
    finish_clock(case, ctx.now)
    ctx.event_data.update(working_days_used=case.working_days_used, days_saved=case.days_saved)


def _deliver(ctx):
    ctx.obj.delivered_at = ctx.now


def _withdraw(ctx):
    case = ctx.obj
    case.completed_at = ctx.now
    if case.paused_since is not None:
        case.paused_days += sla.pause_days(case.paused_since, ctx.now)
        case.paused_since = None
    if case.due_at is not None:
        finish_clock(case, ctx.now)


# --------------------------------------------------------------------------- after (same transaction)


def _pickup_visit(ctx):
    from . import services

    if ctx.data.get("method") == "pickup":
        services.record_visit(ctx.obj, "pickup", actor=ctx.actor, at=ctx.now)


def _issue_licence(ctx):
    from . import services

    if ctx.obj.outcome == Outcome.APPROVED:
        services.issue_result_licence(ctx.obj, ctx.now)


def _e(action, sources, target, label, by=STAFF, **kw):
    guards = kw.pop("guards", ())
    return Edge(action, sources, target, label, permission=by, guards=(*guards, _clean_data), **kw)


class ConcurrentUpdate(ValidationError):
    pass


@register
class CaseMachine(Machine):
    name = "cases"
    title = gettext_lazy("办件")
    model = Case
    states = Status
    event_model = CaseEvent
    event_fk = "case"
    policy = policy
    error_field = "action"
    edges = [
        _e("precheck", {S.SUBMITTED}, S.PRECHECKING, gettext_lazy("预审")),
        _e(
            "accept",
            {S.SUBMITTED, S.PRECHECKING},
            S.ACCEPTED,
            gettext_lazy("受理"),
            effects=_accept,
        ),
        _e(
            "reject",
            {S.SUBMITTED, S.PRECHECKING},
            S.REJECTED,
            gettext_lazy("不予受理"),
            effects=_reject,
        ),
        _e(
            "request_supplement",
            {S.SUBMITTED, S.PRECHECKING, S.ACCEPTED, S.IN_PROCESS},
            S.SUPPLEMENT,
            gettext_lazy("要求补正"),
            effects=_request_supplement,
        ),
        _e(
            "resubmit",
            {S.SUPPLEMENT},
            _resume_target,
            gettext_lazy("补正提交"),
            by=APPLICANT,
            effects=(_restart_clock, _clear_resume, _resubmit),
            target_label=gettext_lazy("补正前状态"),
        ),
        _e(
            "start",
            {S.ACCEPTED},
            S.IN_PROCESS,
            gettext_lazy("开始审查"),
            effects=_step(Step.REVIEW),
            by=DECIDE,
        ),
        _e(
            "review",
            {S.IN_PROCESS},
            S.IN_PROCESS,
            gettext_lazy("审查完成,提交决定"),
            guards=(_at_review_step,),
            effects=_step(Step.DECISION),
            by=DECIDE,
        ),
        _e(
            "suspend",
            {S.ACCEPTED, S.IN_PROCESS},
            S.SUSPENDED,
            gettext_lazy("挂起"),
            effects=_suspend,
            by=DECIDE,
        ),
        _e(
            "resume",
            {S.SUSPENDED},
            _resume_target,
            gettext_lazy("恢复"),
            effects=(_restart_clock, _clear_resume, _resume),
            target_label=gettext_lazy("挂起前状态"),
            by=DECIDE,
        ),
        _e(
            "complete",
            {S.ACCEPTED, S.IN_PROCESS},
            S.COMPLETED,
            gettext_lazy("办结"),
            effects=_complete,
            after=_issue_licence,
            by=DECIDE,
        ),
        _e(
            "deliver",
            {S.COMPLETED},
            S.DELIVERED,
            gettext_lazy("送达"),
            effects=_deliver,
            after=_pickup_visit,
        ),
        _e(
            "withdraw",
            set(OPEN_STATUSES),
            S.WITHDRAWN,
            gettext_lazy("撤回"),
            by=APPLICANT,
            effects=_withdraw,
        ),
    ]

    def refuse(self, case, edge):
        if case.status == S.WITHDRAWN and edge.action == "resubmit":
            msg = _("办件 %(n)s 已撤回,不能再补正提交;如需办理请重新申报。")
        else:
            msg = _("办件 %(n)s 当前状态为“%(s)s”,不能执行“%(a)s”。")
        return ValidationError(
            {
                "action": msg
                % {"n": case.number, "s": self.state_label(case.status), "a": str(edge.label)}
            }
        )

    def lock(self, case, ctx):
        """Lock the row. Staff act only on cases they can see (404 otherwise); applicants only on
        their own cases; staff-only actions refuse applicants; then the optimistic version and
        the bundle parent."""
        actor = ctx.actor
        qs = Case.objects.select_for_update(of=("self",)).select_related(
            "version", "department", "parent"
        )
        is_staff = actor is not None and actor.is_staff_member
        if ctx.edge.permission in (STAFF, DECIDE) and actor is not None and not is_staff:
            policy.check(actor, STAFF)
        if is_staff:
            policy.check(actor, "write")
            try:
                locked = qs.filter(pk__in=Case.objects.visible_to(actor).filter(pk=case.pk)).get()
            except Case.DoesNotExist as exc:
                raise Http404 from exc
        else:
            locked = qs.get(pk=case.pk)
            if actor is not None and not policy.can(actor, APPLICANT, locked):
                raise Http404
        expected = ctx.data.pop("expected_version", None)
        if expected is not None and int(expected) != locked.lock_version:
            raise ConcurrentUpdate(
                {"action": _("办件 %(n)s 已被他人处理,请刷新后重试。") % {"n": locked.number}}
            )
        if locked.is_bundle_parent:
            raise ValidationError(
                {"action": _("一件事主办件的状态由各子办件汇总,请在子办件上操作。")}
            )
        return locked

    def check_permission(self, ctx):
        """Scope and role were checked while locking (the scope decides between 404 and a
        refusal); decisions are the competent department's (a hall that accepted the case on
        its behalf is refused: 403)."""
        actor = ctx.actor
        if ctx.edge.permission == DECIDE and actor is not None and actor.is_staff_member:
            policy.check(actor, DECIDE, ctx.obj)

    def actor_role(self, actor) -> str:
        if actor is None:
            return "system"
        return getattr(actor, "role", "") or "applicant"

    def actor_name(self, actor) -> str:
        return getattr(actor, "username", "") or "system"

    def before_save(self, ctx):
        ctx.obj.lock_version += 1

    def finish(self, ctx):
        from . import workflow

        if ctx.before != ctx.target:
            workflow._notify_later(ctx.obj)
        if ctx.obj.parent_id:
            workflow.roll_up(ctx.obj.parent_id, ctx.actor, ctx.channel, ctx.now)
