"""Writes of 好差评: rate a subject once per channel; run a bad rating's rectification."""

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from yingshang.core.models import Role, User
from yingshang.workdays.calendar import add_working_days

from .models import (
    BAD_LEVELS,
    DIMENSIONS,
    RECT_TRANSITIONS,
    EvalChannel,
    Evaluation,
    Level,
    Rectification,
    RectificationEvent,
    RectStatus,
)

logger = logging.getLogger("yingshang.evaluations")
BUREAU_KEY = "gov_service"


def rectification_days() -> int:
    return int(getattr(settings, "EVALUATION_RECTIFICATION_DAYS", 15))


def is_bureau(user) -> bool:
    """市政务服务监督管理局: decides contests, makes callbacks."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.role in {Role.SUPERVISOR, Role.ADMIN}:
        return True
    return bool(user.role and user.department and user.department.function_key == BUREAU_KEY)


def _notify(recipient, title, body="", link=""):
    if recipient is None:
        return

    def send():
        try:
            from yingshang.notifications.services import notify
        except ImportError:
            return
        try:
            notify(recipient, title, body, link=link, category="evaluations")
        except Exception:  # noqa: BLE001
            logger.exception("notification to %s failed", recipient.pk)

    transaction.on_commit(send)


def _notify_department(department, title, body="", link=""):
    for user in User.objects.filter(
        department=department, role__in=[Role.HANDLER, Role.DEPT_HEAD], is_active=True
    ):
        _notify(user, title, body, link)


def subject_key(subject) -> str:
    """'<content type id>:<pk>' — what a visitor's session holds once they proved they own a
    subject (e.g. appeal number + phone digits)."""
    return f"{ContentType.objects.get_for_model(subject).pk}:{subject.pk}"


def clean_level(value, field="level") -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationError(
            {field: _("评价等级必须是非常满意、满意、基本满意、不满意或非常不满意之一。")}
        )
    return level


@transaction.atomic
def submit_evaluation(
    subject, user, level, dimensions=None, comment="", channel=None, verified=False, now=None
) -> Evaluation:
    """Rate a finished subject. ``user`` must be its applicant (or ``verified`` by the subject's
    own check for anonymous applicants). One rating per subject per channel."""
    now = now or timezone.now()
    info = subject.evaluation_subject_info()
    errors = {}
    if not info.get("finished"):
        errors["subject"] = [_("办理尚未完成,暂不能评价。")]
    applicant = info.get("applicant_user_id")
    is_applicant = verified or (applicant is not None and getattr(user, "pk", None) == applicant)
    if not is_applicant:
        errors["evaluator"] = [_("只有申请人本人可以评价。")]
    channel = channel or info.get("channel") or EvalChannel.ONLINE
    if channel not in EvalChannel.values:
        errors["channel"] = [_("评价渠道无效。")]
    if errors:
        raise ValidationError(errors)
    level = clean_level(level)
    dims = {}
    allowed = dict(DIMENSIONS[channel])
    for key, value in (dimensions or {}).items():
        if key not in allowed:
            raise ValidationError({"dimensions": _("未知的评价维度“%(k)s”。") % {"k": key}})
        if value in (None, ""):
            continue
        dims[key] = clean_level(value, "dimensions")
    dims["overall"] = level
    for key in allowed:
        dims.setdefault(key, level)
    ct = ContentType.objects.get_for_model(subject)
    if Evaluation.objects.filter(
        content_type=ct, object_id=str(subject.pk), channel=channel
    ).exists():
        raise ValidationError({"subject": _("该事项已评价,每个事项只能评价一次。")})
    department = info["department"]
    if department is None:
        raise ValidationError({"subject": _("该事项没有承办部门,无法评价。")})
    try:
        with transaction.atomic():
            ev = Evaluation.objects.create(
                content_type=ct,
                object_id=str(subject.pk),
                subject_label=str(info.get("label") or subject)[:200],
                department=department,
                division=info.get("division") or department.division,
                channel=channel,
                level=level,
                dimensions=dims,
                comment=(comment or "").strip(),
                evaluator=user if getattr(user, "is_authenticated", False) else None,
                evaluator_name=str(user) if getattr(user, "is_authenticated", False) else "",
                created_at=now,
            )
    except IntegrityError as exc:  # a concurrent rating of the same subject won
        raise ValidationError({"subject": _("该事项已评价,每个事项只能评价一次。")}) from exc
    if level in BAD_LEVELS:
        open_rectification(ev, now)
    return ev


def open_rectification(evaluation, now=None) -> Rectification:
    now = now or timezone.now()
    rect = Rectification.objects.create(
        evaluation=evaluation,
        department=evaluation.department,
        division=evaluation.division,
        opened_at=now,
    )
    RectificationEvent.objects.create(
        rectification=rect, action="open", to_status=rect.status, actor_name="system", at=now
    )
    _notify_department(
        evaluation.department,
        _("收到差评,请核实整改:%(s)s") % {"s": evaluation.subject_label},
        evaluation.comment,
        f"/staff/evaluations/rectifications/{rect.pk}/",
    )
    return rect


def _require_department(rect, user):
    if user.is_superuser or (user.role and user.department_id == rect.department_id):
        return
    raise ValidationError({"department": _("只有被评价部门可以执行此操作。")})


def _require_bureau(user):
    if not is_bureau(user):
        raise ValidationError({"user": _("只有政务服务监督管理局可以执行此操作。")})


def _require_evaluator(rect, user, verified):
    ev = rect.evaluation
    if verified or (ev.evaluator_id and getattr(user, "pk", None) == ev.evaluator_id):
        return
    raise ValidationError({"evaluator": _("只有评价人本人可以确认整改结果。")})


@transaction.atomic
def rectification_step(rect, user, action, note="", verified=False, now=None) -> Rectification:
    """One step of a rectification:
    verify (department: the complaint is founded, rectification starts, limit runs),
    contest (department: 申诉, with reason), uphold / overturn (bureau decides the contest),
    report (department: measures taken), callback (bureau: called the evaluator back),
    accept / reject (the evaluator's verdict; reject starts another round)."""
    now = now or timezone.now()
    rect = Rectification.objects.select_for_update().select_related("evaluation").get(pk=rect.pk)
    edges = RECT_TRANSITIONS.get(rect.status, {})
    if action not in edges:
        raise ValidationError(
            {
                "status": _("整改当前状态为“%(s)s”,不能执行该操作。")
                % {"s": rect.get_status_display()}
            }
        )
    note = (note or "").strip()
    if action in {"verify", "contest", "report"}:
        _require_department(rect, user)
    elif action in {"uphold", "overturn", "callback"}:
        _require_bureau(user)
    else:
        _require_evaluator(rect, user, verified)
    if action in {"contest", "report", "callback", "uphold", "overturn"} and not note:
        field = {"contest": "reason", "report": "measures"}.get(action, "note")
        raise ValidationError({field: _("请填写说明。")})
    before = rect.status
    rect.status = edges[action]
    if action in {"verify", "uphold"}:
        if action == "verify":
            rect.verification_note = note
        else:
            rect.decision_note = note
        due = add_working_days(now, rectification_days())
        rect.due_at, rect.due_provisional = due.due, due.provisional
    elif action == "contest":
        rect.contest_reason = note
    elif action == "overturn":
        rect.decision_note = note
        rect.closed_at = now
        Evaluation.objects.filter(pk=rect.evaluation_id).update(voided=True)
    elif action == "report":
        rect.measures = note
        rect.reported_at = now
    elif action == "callback":
        rect.callback_note = note
        rect.callback_at = now
    elif action == "accept":
        rect.verdict_satisfied, rect.verdict_note, rect.closed_at = True, note, now
    elif action == "reject":
        rect.verdict_satisfied, rect.verdict_note = False, note
        rect.rounds += 1
        rect.overdue_at = None
        due = add_working_days(now, rectification_days())
        rect.due_at, rect.due_provisional = due.due, due.provisional
    rect.save()
    actor = user if getattr(user, "is_authenticated", False) else None
    with override(settings.LANGUAGE_CODE):  # records in the default language
        evaluator_label = _("评价人")
    RectificationEvent.objects.create(
        rectification=rect,
        action=action,
        from_status=before,
        to_status=rect.status,
        actor=actor,
        actor_name=str(actor) if actor else evaluator_label,
        at=now,
        note=note,
    )
    link = f"/staff/evaluations/rectifications/{rect.pk}/"
    if action == "contest":
        for u in User.objects.filter(
            department__function_key=BUREAU_KEY,
            department__division__code=settings.YINGSHANG_CITY_CODE,
        ).exclude(role=""):
            _notify(u, _("差评申诉待裁定"), note, link)
    elif action in {"uphold", "overturn", "reject"}:
        _notify_department(
            rect.department, _("差评整改:%(s)s") % {"s": rect.get_status_display()}, note, link
        )
    elif action == "callback" and rect.evaluation.evaluator_id:
        _notify(
            rect.evaluation.evaluator,
            _("您的差评已整改,请确认"),
            note,
            f"/evaluations/rectifications/{rect.pk}/",
        )
    return rect


def sweep_overdue_rectifications(now=None) -> int:
    """Mark rectifications past their limit (once per round) and tell the department and the
    bureau. Returns how many were found overdue."""
    now = now or timezone.now()
    found = 0
    with override(settings.LANGUAGE_CODE):
        for rect in Rectification.objects.filter(
            status=RectStatus.RECTIFYING, due_at__lt=now, overdue_at__isnull=True
        ).select_related("evaluation"):
            with transaction.atomic():
                updated = Rectification.objects.filter(pk=rect.pk, overdue_at__isnull=True).update(
                    overdue_at=now
                )
                if not updated:
                    continue
                RectificationEvent.objects.create(
                    rectification=rect,
                    action="overdue",
                    from_status=rect.status,
                    to_status=rect.status,
                    actor_name="system",
                    at=now,
                    note=_("超过整改时限"),
                )
                title = _("差评整改逾期:%(s)s") % {"s": rect.evaluation.subject_label}
                link = f"/staff/evaluations/rectifications/{rect.pk}/"
                _notify_department(rect.department, title, "", link)
                for u in User.objects.filter(
                    department__function_key=BUREAU_KEY,
                    department__division__code=settings.YINGSHANG_CITY_CODE,
                ).exclude(role=""):
                    _notify(u, title, "", link)
            found += 1
    return found
