"""The case state machine: ONE table of allowed transitions and ONE function that performs them.

``transition(case, action, actor, channel, **data)`` locks the row (``select_for_update``), checks
the optimistic ``lock_version`` when the caller says which version it saw, validates the edge
against ``TRANSITIONS``, updates the case and the SLA clock, appends a ``CaseEvent`` and
schedules the applicant's notification with ``transaction.on_commit``. Sub-cases of a bundle roll
their status and due date up to the parent in the same transaction.
"""

from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import sla
from .models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Outcome,
    Status,
    Step,
    SuspendReason,
)

S = Status
RESUME = "<resume>"  # target: the status saved in ``resume_status``
STAFF, APPLICANT, EITHER = "staff", "applicant", "either"


@dataclass(frozen=True)
class Edge:
    sources: frozenset
    target: str
    by: str
    label: str


def _e(sources, target, by, label):
    return Edge(frozenset(sources), target, by, label)


# Every allowed status change. Reviewed edge by edge (see docs/cases.md).
TRANSITIONS: dict[str, Edge] = {
    "precheck": _e({S.SUBMITTED}, S.PRECHECKING, STAFF, gettext_lazy("预审")),
    "accept": _e({S.SUBMITTED, S.PRECHECKING}, S.ACCEPTED, STAFF, gettext_lazy("受理")),
    "reject": _e({S.SUBMITTED, S.PRECHECKING}, S.REJECTED, STAFF, gettext_lazy("不予受理")),
    "request_supplement": _e(
        {S.SUBMITTED, S.PRECHECKING, S.ACCEPTED, S.IN_PROCESS},
        S.SUPPLEMENT,
        STAFF,
        gettext_lazy("要求补正"),
    ),
    "resubmit": _e({S.SUPPLEMENT}, RESUME, APPLICANT, gettext_lazy("补正提交")),
    "start": _e({S.ACCEPTED}, S.IN_PROCESS, STAFF, gettext_lazy("开始审查")),
    "review": _e({S.IN_PROCESS}, S.IN_PROCESS, STAFF, gettext_lazy("审查完成,提交决定")),
    "suspend": _e({S.ACCEPTED, S.IN_PROCESS}, S.SUSPENDED, STAFF, gettext_lazy("挂起")),
    "resume": _e({S.SUSPENDED}, RESUME, STAFF, gettext_lazy("恢复")),
    "complete": _e({S.ACCEPTED, S.IN_PROCESS}, S.COMPLETED, STAFF, gettext_lazy("办结")),
    "deliver": _e({S.COMPLETED}, S.DELIVERED, STAFF, gettext_lazy("送达")),
    "withdraw": _e(set(OPEN_STATUSES), S.WITHDRAWN, APPLICANT, gettext_lazy("撤回")),
}

# Reason templates offered on the workbench (the text can be edited before sending).
REASON_TEMPLATES = {
    "reject": [
        gettext_lazy("申请事项不属于本部门职权范围。"),
        gettext_lazy("申请人不具备申请资格。"),
        gettext_lazy("依法不需要取得行政许可。"),
    ],
    "request_supplement": [
        gettext_lazy("材料不齐全,请补充提交以下材料。"),
        gettext_lazy("材料内容不清晰或不符合法定形式,请重新提交。"),
    ],
    "complete_denied": [
        gettext_lazy("经审查,申请不符合法定条件。"),
        gettext_lazy("现场勘验不符合要求。"),
    ],
    "suspend": [
        gettext_lazy("依法需要听证,听证期间不计入办理时限。"),
        gettext_lazy("需要专家评审,评审期间不计入办理时限。"),
        gettext_lazy("依法需要公告,公告期间不计入办理时限。"),
        gettext_lazy("需要现场勘验,勘验期间不计入办理时限。"),
    ],
}


class ConcurrentUpdate(ValidationError):
    pass


def allowed_actions(case: Case, *, by: str | None = None) -> list[str]:
    """Actions possible from the case's current status (for buttons)."""
    if case.is_bundle_parent:
        actions = []
        if case.status == S.SUPPLEMENT:
            actions.append("resubmit")
        if case.status in OPEN_STATUSES:
            actions.append("withdraw")
        return [a for a in actions if by in (None, APPLICANT)]
    result = []
    for name, edge in TRANSITIONS.items():
        if case.status not in edge.sources:
            continue
        if by and edge.by not in (by, EITHER):
            continue
        if name == "review" and case.step != Step.REVIEW:
            continue
        result.append(name)
    return result


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def _disallowed(case: Case, action: str):
    edge = TRANSITIONS.get(action)
    if case.status == S.WITHDRAWN and action == "resubmit":
        msg = _("办件 %(n)s 已撤回,不能再补正提交;如需办理请重新申报。")
    else:
        msg = _("办件 %(n)s 当前状态为“%(s)s”,不能执行“%(a)s”。")
    raise ValidationError(
        {
            "action": msg
            % {
                "n": case.number,
                "s": _status_label(case.status),
                "a": str(edge.label) if edge else action,
            }
        }
    )


def _actor_role(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "role", "") or "applicant"


def _lock(case: Case, actor, by: str) -> Case:
    """Lock the row. Staff act only on cases they can see (404 otherwise); applicants only on
    their own cases; staff-only actions refuse applicants."""
    from yingshang.platform.scoping import can_write

    qs = Case.objects.select_for_update(of=("self",)).select_related(
        "version", "department", "parent"
    )
    is_staff = actor is not None and actor.is_staff_member
    if by == STAFF and actor is not None and not is_staff:
        raise ValidationError({"action": _("只有工作人员可以执行此操作。")})
    if is_staff:
        if not can_write(actor):
            raise ValidationError({"action": _("只读角色不能办理办件。")})
        try:
            return qs.filter(pk__in=Case.objects.visible_to(actor).filter(pk=case.pk)).get()
        except Case.DoesNotExist as exc:
            raise Http404 from exc
    locked = qs.get(pk=case.pk)
    if actor is not None and locked.user_id != actor.pk:
        raise Http404
    return locked


def _validate_data(case: Case, action: str, data: dict) -> dict:
    """Per-action required data; field-level errors."""
    errors = {}
    clean = {}
    note = (data.get("note") or data.get("reason") or "").strip()
    if action == "reject":
        if not note:
            errors["reason"] = _("不予受理必须说明理由。")
    elif action == "request_supplement":
        missing = data.get("missing") or []
        if isinstance(missing, str):
            missing = [m.strip() for m in missing.splitlines() if m.strip()]
        items = []
        for m in missing:
            if isinstance(m, dict):
                name = str(m.get("name", "")).strip()
                key = str(m.get("key", "")).strip()
            else:
                name, key = str(m).strip(), ""
            if name:
                items.append({"key": key, "name": name})
        if not items:
            errors["missing"] = _("请列明需要补正的材料。")
        clean["missing"] = items
    elif action == "suspend":
        kind = data.get("suspend_reason") or data.get("kind") or ""
        if kind not in SuspendReason.values:
            errors["suspend_reason"] = _("请选择挂起事由(听证、专家评审、公告、现场勘验)。")
        clean["suspend_reason"] = kind
    elif action == "complete":
        outcome = data.get("outcome") or ""
        if outcome not in Outcome.values:
            errors["outcome"] = _("请选择办理结果:准予或不予。")
        elif outcome == Outcome.DENIED and not note:
            errors["reason"] = _("不予许可必须说明理由。")
        clean["outcome"] = outcome
    elif action == "deliver":
        method = data.get("method") or "delivery"
        if method not in ("delivery", "pickup", "electronic"):
            errors["method"] = _("送达方式应为邮寄、自取或电子送达。")
        clean["method"] = method
    if errors:
        raise ValidationError(errors)
    clean["note"] = note
    return clean


def transition(
    case: Case,
    action: str,
    actor=None,
    channel: str = "online",
    *,
    expected_version: int | None = None,
    **data,
) -> Case:
    """Perform ``action`` on ``case``. Raises ValidationError (field ``action``) when the edge is
    not allowed, ConcurrentUpdate when the case changed since ``expected_version``, Http404 when
    the actor may not see the case."""
    with transaction.atomic():
        return _transition(case, action, actor, channel, expected_version, data)


def _transition(case, action, actor, channel, expected_version, data):
    edge = TRANSITIONS.get(action)
    if edge is None:
        raise ValidationError({"action": _("未知操作“%(a)s”。") % {"a": action}})
    locked = _lock(case, actor, edge.by)
    if expected_version is not None and int(expected_version) != locked.lock_version:
        raise ConcurrentUpdate(
            {"action": _("办件 %(n)s 已被他人处理,请刷新后重试。") % {"n": locked.number}}
        )
    if locked.is_bundle_parent:
        raise ValidationError({"action": _("一件事主办件的状态由各子办件汇总,请在子办件上操作。")})
    if locked.status not in edge.sources:
        _disallowed(locked, action)
    if action == "review" and locked.step != Step.REVIEW:
        _disallowed(locked, action)
    clean = _validate_data(locked, action, data)
    now = data.get("at") or timezone.now()
    before = locked.status
    target = locked.resume_status if edge.target == RESUME else edge.target
    event_data = {k: v for k, v in clean.items() if k != "note"}

    if action == "accept":
        locked.accepted_at = now
        c = sla.clock(now, locked.limit_days, 0)
        locked.due_at, locked.warn_at, locked.due_provisional = c.due_at, c.warn_at, c.provisional
        event_data["due_at"] = c.due_at.isoformat()
    elif action == "reject":
        locked.reason = clean["note"]
        locked.completed_at = now
    elif action == "request_supplement":
        locked.missing_materials = clean["missing"]
        locked.resume_status = before
        if locked.accepted_at is not None:
            locked.paused_since = now
    elif action == "suspend":
        locked.suspend_reason = clean["suspend_reason"]
        locked.resume_status = before
        locked.paused_since = now
    elif action in ("resubmit", "resume"):
        if locked.paused_since is not None:
            paused = sla.pause_days(locked.paused_since, now)
            locked.paused_days += paused
            locked.paused_since = None
            c = sla.clock(locked.accepted_at, locked.limit_days, locked.paused_days)
            locked.due_at, locked.warn_at = c.due_at, c.warn_at
            locked.due_provisional = c.provisional
            event_data.update(paused_days=paused, due_at=c.due_at.isoformat())
        locked.resume_status = ""
        if action == "resubmit":
            locked.missing_materials = []
            event_data.update(
                {k: v for k, v in data.items() if k in ("materials",) and isinstance(v, list)}
            )
        else:
            locked.suspend_reason = ""
    elif action == "start":
        locked.step = Step.REVIEW
    elif action == "review":
        locked.step = Step.DECISION
    elif action == "complete":
        locked.outcome = clean["outcome"]
        locked.reason = clean["note"] if clean["outcome"] == Outcome.DENIED else ""
        locked.completed_at = now
        locked.step = ""
        _finish_clock(locked, now)
        event_data.update(working_days_used=locked.working_days_used, days_saved=locked.days_saved)
    elif action == "deliver":
        locked.delivered_at = now
    elif action == "withdraw":
        locked.completed_at = now
        if locked.paused_since is not None:
            locked.paused_days += sla.pause_days(locked.paused_since, now)
            locked.paused_since = None
        if locked.due_at is not None:
            _finish_clock(locked, now)

    locked.status = target
    locked.lock_version += 1
    locked.save()
    CaseEvent.objects.create(
        case=locked,
        at=now,
        action=action,
        from_status=before,
        to_status=target,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        role=_actor_role(actor),
        channel=channel,
        note=clean["note"],
        data=event_data,
    )
    after_transition(locked, action, actor, channel, data, now)
    if before != target:
        _notify_later(locked)
    if locked.parent_id:
        roll_up(locked.parent_id, actor, channel, now)
    return locked


def _finish_clock(case: Case, now):
    if case.accepted_at is None or case.due_at is None:
        return
    case.final_sla_state = sla.state(now, case.due_at, case.warn_at, finished_at=now)
    used = sla.working_days_used(case.accepted_at, now, case.paused_days)
    case.working_days_used = used
    case.days_saved = sla.days_saved(case.limit_days, used)


def after_transition(case, action, actor, channel, data, now):
    """Side effects that belong to the same transaction (trips, e-licences)."""
    from . import services

    if action == "deliver" and data.get("method") == "pickup":
        services.record_visit(case, "pickup", actor=actor, at=now)
    if action == "complete" and case.outcome == Outcome.APPROVED:
        services.issue_result_licence(case, now)


# --------------------------------------------------------------------------- bundles


def derive_parent_status(children: list[Case]) -> str:
    """The one status an applicant sees for a bundle, from its sub-cases — pure."""
    statuses = [c.status for c in children]
    if not statuses:
        return S.SUBMITTED
    if S.SUPPLEMENT in statuses:
        return S.SUPPLEMENT
    if all(s in FINISHED_STATUSES for s in statuses):
        if all(s == S.WITHDRAWN for s in statuses):
            return S.WITHDRAWN
        if all(s in (S.REJECTED, S.WITHDRAWN) for s in statuses):
            return S.REJECTED
        if all(s in (S.DELIVERED, S.REJECTED, S.WITHDRAWN) for s in statuses):
            return S.DELIVERED
        return S.COMPLETED
    if any(s in (S.ACCEPTED, S.IN_PROCESS, S.SUSPENDED) for s in statuses) or any(
        s in FINISHED_STATUSES for s in statuses
    ):
        return S.IN_PROCESS
    if S.PRECHECKING in statuses:
        return S.PRECHECKING
    return S.SUBMITTED


def roll_up(parent_id: int, actor, channel, now) -> Case:
    """Recompute a bundle parent's status and due date from its sub-cases (locked last)."""
    parent = Case.objects.select_for_update().get(pk=parent_id)
    children = list(Case.objects.filter(parent_id=parent_id).order_by("id"))
    status = derive_parent_status(children)
    dues = [c.due_at for c in children if c.due_at]
    due = max(dues) if dues else None
    missing = [m for c in children for m in (c.missing_materials or [])]
    changed_status = status != parent.status
    parent.due_at = due
    parent.warn_at = max((c.warn_at for c in children if c.warn_at), default=None)
    parent.due_provisional = any(c.due_provisional for c in children)
    parent.missing_materials = missing
    parent.paused_since = (
        min((c.paused_since for c in children if c.paused_since), default=None)
        if status != S.IN_PROCESS or all(c.paused_since for c in children if c.due_at)
        else None
    )
    if parent.accepted_at is None:
        accepted = [c.accepted_at for c in children if c.accepted_at]
        parent.accepted_at = min(accepted) if accepted else None
    if status in FINISHED_STATUSES and parent.completed_at is None:
        parent.completed_at = now
        parent.outcome = (
            Outcome.APPROVED
            if all(c.outcome == Outcome.APPROVED for c in children if c.outcome)
            and any(c.outcome for c in children)
            else (Outcome.DENIED if any(c.outcome for c in children) else "")
        )
        finals = [c.final_sla_state for c in children if c.final_sla_state]
        if finals:
            parent.final_sla_state = "overdue" if "overdue" in finals else "on_time"
    if status == S.DELIVERED and parent.delivered_at is None:
        parent.delivered_at = now
    before = parent.status
    parent.status = status
    parent.lock_version += 1
    parent.save()
    if changed_status:
        CaseEvent.objects.create(
            case=parent,
            at=now,
            action="roll_up",
            from_status=before,
            to_status=status,
            actor=None,
            actor_name="system",
            role="system",
            channel=channel,
            note="",
            data={"children": {c.number: c.status for c in children}},
        )
        _notify_later(parent)
    return parent


# --------------------------------------------------------------------------- notifications


def _notify_later(case: Case):
    if case.user_id:
        transaction.on_commit(partial(notify_status, case.pk), robust=True)


def notify_status(case_id: int):
    from django.urls import reverse

    try:
        from yingshang.notifications.services import notify
    except ImportError:  # the notification centre is not installed
        return
    case = Case.objects.select_related("user", "parent").get(pk=case_id)
    if case.user is None:
        return
    title = _("办件 %(n)s:%(s)s") % {"n": case.number, "s": case.get_status_display()}
    body = _("您申请的“%(t)s”状态已更新为“%(s)s”。") % {
        "t": case.title,
        "s": case.get_status_display(),
    }
    if case.status == S.SUPPLEMENT and case.missing_materials:
        body += _("需补正材料:%(m)s") % {"m": "、".join(m["name"] for m in case.missing_materials)}
    if case.reason and case.status in (S.REJECTED, S.COMPLETED):
        body += _("理由:%(r)s") % {"r": case.reason}
    number = case.parent.number if case.parent_id else case.number
    notify(
        case.user,
        title,
        body,
        reverse("cases:my-case", args=[number]),
        category="case",
    )
