"""The case state machine: the table lives in ``machines.py`` (on the platform kit,
``yingshang.platform.transitions``); this module keeps the public entry points.

``transition(case, action, actor, channel, **data)`` locks the row (``select_for_update``), checks
the optimistic ``lock_version`` when the caller says which version it saw, validates the edge
against the table, updates the case and the SLA clock, appends a ``CaseEvent`` and schedules the
applicant's notification with ``transaction.on_commit``. Sub-cases of a bundle roll their status
and due date up to the parent in the same transaction.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .machines import (
    APPLICANT,
    STAFF_PERMISSIONS,
    CaseMachine,
    ConcurrentUpdate,
    _needs_approval,
    _reviewer,
    founding_output,
)
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
MACHINE = CaseMachine
# Every allowed status change (action → Edge), reviewed edge by edge (see docs/cases.md).
TRANSITIONS = MACHINE.table
BY = {"staff": set(STAFF_PERMISSIONS), "applicant": {APPLICANT}}

# Decisions and rejections: an opinion (意见) and an explicit confirmation (确认) on every
# human interface (the workbench form's checkbox, the API's ``"confirm": true``).
CONFIRMED_ACTIONS = ("reject", "complete", "submit_approval", "approve", "return_for_review")

# Reason templates offered on the workbench (the text can be edited before sending).
REASON_TEMPLATES = {
    "reject": [
        gettext_lazy("申请事项不属于本部门职权范围。"),
        gettext_lazy("申请人不具备申请资格。"),
        gettext_lazy("依法不需要取得行政许可。"),
    ],
    "request_supplement": [
        gettext_lazy("材料不齐全，请补充提交以下材料。"),
        gettext_lazy("材料内容不清晰或不符合法定形式，请重新提交。"),
    ],
    "complete_approved": [
        gettext_lazy("经审查，申请符合法定条件，准予许可。"),
    ],
    "approve": [
        gettext_lazy("同意承办人审核意见。"),
    ],
    "return_for_review": [
        gettext_lazy("审核意见依据不足，请补充审查后重新报批。"),
    ],
    "complete_denied": [
        gettext_lazy("经审查，申请不符合法定条件。"),
        gettext_lazy("现场勘验不符合要求。"),
    ],
    "suspend": [
        gettext_lazy("依法需要听证，听证期间不计入办理时限。"),
        gettext_lazy("需要专家评审，评审期间不计入办理时限。"),
        gettext_lazy("依法需要公告，公告期间不计入办理时限。"),
        gettext_lazy("需要现场勘验，勘验期间不计入办理时限。"),
    ],
}


__all__ = [
    "CONFIRMED_ACTIONS",
    "ConcurrentUpdate",
    "REASON_TEMPLATES",
    "TRANSITIONS",
    "available",
    "founding_output",
    "can_work",
    "confirmation_errors",
    "transition",
    "roll_up",
]


def allowed_actions(case: Case, *, by: str | None = None, actor=None) -> list[str]:
    """Actions possible from the case's current status (for buttons); with ``actor``, only
    those the policy lets that actor take (a hall that took the case in on behalf of the
    competent department sees no decision buttons)."""
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
        if by and edge.permission not in BY.get(by, {by}):
            continue
        if actor is not None and not MACHINE.policy.can(actor, edge.permission, case):
            continue
        if name == "review" and case.step != Step.REVIEW:
            continue
        if name == "complete" and _needs_approval(case):
            continue
        if name == "submit_approval" and not _needs_approval(case):
            continue
        result.append(name)
    return result


def available(case: Case, user) -> list[str]:
    """The staff actions ``user`` may take on ``case`` now: the only buttons the case page
    renders (a read-only role sees none; a head who reviewed the case is not offered to
    approve it)."""
    from yingshang.core.policies import writes

    if user is None or not writes(user):
        return []
    actions = allowed_actions(case, by="staff", actor=user)
    if {"approve", "return_for_review"} & set(actions) and not user.is_superuser:
        review = _reviewer(case)
        if review is not None and review.actor_id == user.pk:
            actions = [a for a in actions if a not in ("approve", "return_for_review")]
    return actions


def can_work(case: Case, user) -> bool:
    """A case worker in scope (the window or the department): records visits and takes the
    intake steps; supervisors and city leaders only read."""
    return user is not None and MACHINE.policy.can(user, "handle", case)


def confirmation_errors(action: str, data: dict) -> dict:
    """The interfaces' rule for decisions and rejections (``CONFIRMED_ACTIONS``): an opinion
    and an explicit confirmation, as field errors (``reason``, ``confirm``). Checked by the
    machine for calls marked ``interactive`` (the workbench form, the API) after scope, role
    and state."""
    if action not in CONFIRMED_ACTIONS:
        return {}
    errors = {}
    if not (data.get("note") or data.get("reason") or "").strip():
        errors["reason"] = _("请填写意见。")
    if data.get("confirm") not in (True, "true", "on", "1", 1):
        errors["confirm"] = _("请勾选确认后再提交。")
    return errors


def _disallowed(case: Case, action: str):
    edge = TRANSITIONS.get(action)
    if edge is None:
        raise MACHINE.unknown(action)
    raise MACHINE.refuse(case, edge)


def _actor_role(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "role", "") or "applicant"


def _validate_data(case: Case, action: str, data: dict) -> dict:
    """Per-action required data; field-level errors."""
    errors = confirmation_errors(action, data) if data.get("interactive") else {}
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
            errors["suspend_reason"] = _("请选择挂起事由（听证、专家评审、公告、现场勘验）。")
        clean["suspend_reason"] = kind
    elif action in ("complete", "submit_approval"):
        outcome = data.get("outcome") or ""
        if outcome not in Outcome.values:
            errors["outcome"] = _("请选择办理结果：准予或不予。")
        elif outcome == Outcome.DENIED and not note:
            errors["reason"] = _("不予许可必须说明理由。")
        if action == "submit_approval" and not note and "reason" not in errors:
            errors["reason"] = _("请填写审核意见。")
        clean["outcome"] = outcome
    elif action in ("approve", "return_for_review"):
        if not note:
            errors["reason"] = _("请填写审批意见。")
    elif action == "deliver":
        method = data.get("method") or "delivery"
        if method not in ("delivery", "pickup", "electronic"):
            errors["method"] = _("送达方式应为邮寄、自取或电子送达。")
        clean["method"] = method
    if errors:
        raise ValidationError(errors)
    if action in CONFIRMED_ACTIONS and data.get("interactive"):
        clean["confirmed"] = True
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
    return MACHINE.transition(
        case,
        action,
        actor=actor,
        channel=channel,
        now=data.get("at"),
        expected_version=expected_version,
        **data,
    )


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
    if any(
        s in (S.ACCEPTED, S.IN_PROCESS, S.PENDING_APPROVAL, S.SUSPENDED) for s in statuses
    ) or any(s in FINISHED_STATUSES for s in statuses):
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
        MACHINE.record(
            parent,
            "roll_up",
            before,
            status,
            actor=None,
            channel=channel,
            at=now,
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
        from yingshang.notifications.public import notify
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
        body += _("需补正材料：%(m)s") % {"m": "、".join(m["name"] for m in case.missing_materials)}
    if case.reason and case.status in (S.REJECTED, S.COMPLETED):
        body += _("理由：%(r)s") % {"r": case.reason}
    number = case.parent.number if case.parent_id else case.number
    # One message per event per person: a sub-case's change and the roll-up it causes on the
    # bundle case are written in one transaction, so after it commits both see the same newest
    # event of the bundle's family and reach the applicant once; two parts completed one after
    # the other (in the same minute or not) are two messages.
    root = case.parent_id or case.pk
    if case.parent_id or case.is_bundle_parent:
        parts = Case.objects.filter(parent_id=root).values("pk")
        # the family's few events through the (case, at) index, not a walk of the whole log
        family = CaseEvent.objects.filter(Q(case_id=root) | Q(case_id__in=parts))
    else:
        family = case.events.all()
    last = family.order_by("-pk").values_list("pk", flat=True).first()
    notify(
        case.user,
        title,
        body,
        reverse("cases:my-case", args=[number]),
        category="case",
        dedup_key=f"case:{number}:{case.status}:{last}",
        data={
            "number": case.number,
            "status": case.status,
            "status_label": str(case.get_status_display()),
        },
    )


def notify_heads(case_id: int, event_id: int, actor_id=None) -> int:
    """Tell the heads (部门负责人) of the case's department that it waits for their 审批:
    notification centre, one message per submission (``dedup_key`` names the event); the head
    who submitted it himself is not told. Returns the number of heads notified."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from yingshang.core.models import Role

    try:
        from yingshang.notifications.public import notify
    except ImportError:  # the notification centre is not installed
        return 0
    case = Case.objects.select_related("department").get(pk=case_id)
    heads = get_user_model().objects.filter(
        role=Role.DEPT_HEAD, department_id=case.department_id, is_active=True
    )
    if actor_id is not None:
        heads = heads.exclude(pk=actor_id)
    sent = 0
    for head in heads:
        notify(
            head,
            _("办件 %(n)s 待审批") % {"n": case.number},
            _("“%(t)s”（申请人：%(a)s）已审核完成，报请您审批。")
            % {"t": case.title, "a": case.applicant_name},
            reverse("cases:detail", args=[case.number]),
            category="case",
            dedup_key=f"case:{case.number}:approval:{event_id}",
            data={"number": case.number, "status": case.status},
        )
        sent += 1
    return sent
