"""The case (办件) transition table on the platform kit. Reviewed edge by edge (docs/cases.md);
the diagram in docs/state-machines.md is generated from it."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from yingshang.platform.transitions import Edge, Machine, register

from . import sla
from .models import OPEN_STATUSES, Case, CaseEvent, Outcome, Status, Step
from .policies import policy

S = Status
# policy actions of the permission column (policies.py): STAFF — intake and hand-over, the
# window of any hall in scope (全域通办) or the competent department; SUPPLEMENT — 补正, the
# window before 受理 and the competent department after it; DECIDE — the competent department's
# handlers and head only; APPROVE — its head (审批 of items that need it); APPLICANT — the
# applicant's own case (or a case worker at the window on their behalf).
STAFF, SUPPLEMENT, DECIDE, APPROVE, APPLICANT = (
    "handle",
    "supplement",
    "decide",
    "approve",
    "applicant",
)
STAFF_PERMISSIONS = (STAFF, SUPPLEMENT, DECIDE, APPROVE)


def _resume_target(ctx):
    return ctx.obj.resume_status


# --------------------------------------------------------------------------- guards


def _at_review_step(ctx):
    if ctx.obj.step != Step.REVIEW:
        raise ctx.machine.refuse(ctx.obj, ctx.edge)


def _needs_approval(case) -> bool:
    item = case.item if case.item_id else None
    return bool(item is not None and item.requires_head_approval)


def _approval_rule(needed: bool, message: str):
    """The guard of one of the two decision edges: 办结 directly only for items without 审批,
    提交审批 only for items that need it."""

    def guard(ctx):
        if _needs_approval(ctx.obj) != needed:
            raise ValidationError({"action": _(message) % {"t": ctx.obj.title}})

    return guard


_direct_decision = _approval_rule(
    False, gettext_noop("事项“%(t)s”须经部门负责人审批：请先“提交审批”。")
)
_approval_needed = _approval_rule(True, gettext_noop("事项“%(t)s”不需要审批，请直接办结。"))


def _reviewer(case):
    event = case.events.filter(action="submit_approval").order_by("-at", "-id").first()
    return event


def _not_own_review(ctx):
    """Four eyes: the head who approves is not the one who reviewed (提交审批)."""
    actor = ctx.actor
    if actor is None or actor.is_superuser:
        return
    event = _reviewer(ctx.obj)
    if event is not None and event.actor_id == actor.pk:
        raise ValidationError({"action": _("审核人不能审批自己审核的办件。")})


def _clean_data(ctx):
    from . import workflow  # looked up at call time (tests slow it down to race two clerks)

    clean = workflow._validate_data(ctx.obj, ctx.action, dict(ctx.data, note=ctx.note))
    ctx.note = clean.pop("note")
    ctx.clean = clean
    ctx.event_data.update(clean)


def founding_output(case):
    """The bundle result that founds a new holder and that this sub-case's item produces
    (企业开办 → 企业设立登记 → 营业执照 of the new company), or None. Only while the applicant
    is not an enterprise yet: once founded, the bundle's cases name the company."""
    if not (case.parent_id and case.bundle_id and case.item_id) or case.enterprise_id:
        return None
    from yingshang.catalog.public import bundle_outputs

    for output in bundle_outputs(case.bundle):
        if output.founds_holder and output.item_id == case.item_id:
            return output
    return None


def _new_enterprise(ctx):
    """办结 准予 of a founding sub-case (设立登记) names the new company: its 统一社会信用代码
    (valid, not in the registry) and its name, prefilled from the application. Field errors on
    ``new_enterprise_uscc`` / ``new_enterprise_name``; the company is created after the save
    (``_found_enterprise``), in the same transaction."""
    case = ctx.obj
    outcome = ctx.clean.get("outcome") or case.proposed_outcome
    if outcome != Outcome.APPROVED or founding_output(case) is None:
        return
    from . import services

    ctx.clean["new_enterprise"] = details = services.new_enterprise_details(case, ctx.data)
    ctx.event_data.update(new_enterprise_uscc=details["uscc"])


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
    _close(ctx)


def _close(ctx):
    """The end of a decision (办结 or 审批同意): completed now, no step, the clock's result."""
    case = ctx.obj
    case.completed_at = ctx.now
    case.step = ""
    finish_clock(case, ctx.now)
    ctx.event_data.update(working_days_used=case.working_days_used, days_saved=case.days_saved)


def _submit_approval(ctx):
    case = ctx.obj
    case.proposed_outcome = ctx.clean["outcome"]
    case.step = Step.DECISION


def _approve(ctx):
    """The head's 审批 completes the case with the outcome the handler proposed; a denial
    keeps the handler's reasoning as the reason the applicant reads."""
    case = ctx.obj
    outcome = case.proposed_outcome or Outcome.APPROVED
    ctx.clean["outcome"] = outcome
    review = _reviewer(case)
    ctx.event_data.update(outcome=outcome, reviewed_by=getattr(review, "actor_name", ""))
    case.outcome = outcome
    case.reason = (review.note if review is not None else "") or ctx.note
    if outcome != Outcome.DENIED:
        case.reason = ""
    case.proposed_outcome = ""
    _close(ctx)


def _return_for_review(ctx):
    ctx.obj.proposed_outcome = ""
    ctx.obj.step = Step.REVIEW


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


def _found_enterprise(ctx):
    from . import services

    details = ctx.clean.get("new_enterprise")
    if details and ctx.obj.outcome == Outcome.APPROVED:
        services.found_enterprise(ctx.obj, details, actor=ctx.actor, now=ctx.now)


def _issue_licence(ctx):
    from . import services

    if ctx.obj.outcome == Outcome.APPROVED:
        services.issue_result_licence(ctx.obj, ctx.now)


def _notify_heads(ctx):
    """After the commit: the competent department's head(s) learn that a case waits for their
    审批 (one message per submission: the event is the key)."""
    from . import workflow

    workflow.notify_heads(
        ctx.obj.pk, ctx.event.pk if ctx.event else 0, getattr(ctx.actor, "pk", None)
    )


def _e(action, sources, target, label, by=STAFF, **kw):
    guards = kw.pop("guards", ())
    checks = kw.pop("checks", ())  # guards that need the cleaned data
    return Edge(
        action, sources, target, label, permission=by, guards=(*guards, _clean_data, *checks), **kw
    )


# source sets of the table: before 受理, the decision (accepted or in review), the head's 审批
INTAKE = {S.SUBMITTED, S.PRECHECKING}
DECISION = {S.ACCEPTED, S.IN_PROCESS}
HEAD = {S.PENDING_APPROVAL}
APPROVAL = {"by": APPROVE, "guards": (_not_own_review,)}


def _decision(action, target, label, guard, effects, **kw):
    """The competent department's decision: 办结 directly, or 提交审批 where the item needs it."""
    return _e(action, DECISION, target, label, by=DECIDE, guards=(guard,), effects=effects, **kw)


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
    permission_first = True  # who you are decides before the state (403 before a refusal)
    edges = [
        _e("precheck", {S.SUBMITTED}, S.PRECHECKING, gettext_lazy("预审")),
        _e("accept", INTAKE, S.ACCEPTED, gettext_lazy("受理"), effects=_accept),
        _e("reject", INTAKE, S.REJECTED, gettext_lazy("不予受理"), effects=_reject),
        _e(
            "request_supplement",
            {S.SUBMITTED, S.PRECHECKING, S.ACCEPTED, S.IN_PROCESS},
            S.SUPPLEMENT,
            gettext_lazy("要求补正"),
            effects=_request_supplement,
            by=SUPPLEMENT,
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
            gettext_lazy("审查完成，提交决定"),
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
        _decision(
            "complete",
            S.COMPLETED,
            gettext_lazy("办结"),
            _direct_decision,
            _complete,
            checks=(_new_enterprise,),
            after=(_found_enterprise, _issue_licence),
        ),
        _decision(
            "submit_approval",
            S.PENDING_APPROVAL,
            gettext_lazy("审核完成，报请审批"),
            _approval_needed,
            _submit_approval,
            on_commit=_notify_heads,
        ),
        # the head's answer (审批), never on a case they reviewed themselves
        _e(
            "approve",
            HEAD,
            S.COMPLETED,
            gettext_lazy("审批同意"),
            **APPROVAL,
            checks=(_new_enterprise,),
            effects=_approve,
            after=(_found_enterprise, _issue_licence),
        ),
        _e(
            "return_for_review",
            HEAD,
            S.IN_PROCESS,
            gettext_lazy("退回重审"),
            **APPROVAL,
            effects=_return_for_review,
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
            msg = _("办件 %(n)s 已撤回，不能再补正提交；如需办理请重新申报。")
        else:
            msg = _("办件 %(n)s 当前状态为“%(s)s”，不能执行“%(a)s”。")
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
        if ctx.edge.permission in STAFF_PERMISSIONS and actor is not None and not is_staff:
            policy.check(actor, "staff")
        if is_staff:
            policy.check(actor, "write")  # city leaders: 403
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
                {"action": _("办件 %(n)s 已被他人处理，请刷新后重试。") % {"n": locked.number}}
            )
        if locked.is_bundle_parent:
            raise ValidationError(
                {"action": _("一件事主办件的状态由各子办件汇总，请在子办件上操作。")}
            )
        return locked

    def check_permission(self, ctx):
        """Scope was checked while locking (outside it: 404); then the role and the object rule
        of the edge's policy action (403): the window takes in and hands over, the competent
        department decides, its head approves; a case worker acts at the window for the
        applicant (补正提交, 撤回), nobody else on the staff side."""
        actor = ctx.actor
        if actor is None or not actor.is_staff_member:
            return
        permission = ctx.edge.permission
        policy.check(actor, STAFF if permission == APPLICANT else permission, ctx.obj)

    def actor_role(self, actor) -> str:
        if actor is None:
            return "system"
        return getattr(actor, "role", "") or "applicant"

    def actor_name(self, actor) -> str:
        return getattr(actor, "username", "") or "system"

    def before_save(self, ctx):
        ctx.obj.lock_version += 1

    def finish(self, ctx):
        from . import services, workflow

        if ctx.target in (S.COMPLETED, S.DELIVERED):
            services.update_trip_flag(ctx.obj)
        if ctx.before != ctx.target:
            workflow._notify_later(ctx.obj)
        if ctx.obj.parent_id:
            workflow.roll_up(ctx.obj.parent_id, ctx.actor, ctx.channel, ctx.now)
