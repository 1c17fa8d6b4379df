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
from yingshang.core.policies import staff_users
from yingshang.platform.transitions import Notice, send_notices

from .machines import RectificationMachine as RECTIFICATIONS
from .models import (
    BAD_LEVELS,
    DIMENSIONS,
    EvalChannel,
    Evaluation,
    Level,
    Rectification,
    RectStatus,
)
from .policies import BUREAU_KEY, is_bureau  # noqa: F401  (views ask services.is_bureau)

logger = logging.getLogger("yingshang.evaluations")


def rectification_days() -> int:
    return int(getattr(settings, "EVALUATION_RECTIFICATION_DAYS", 15))


def _notify(recipient, title, body="", link=""):
    send_notices([Notice(recipient, title, body, link, "evaluations")])


def department_users(department):
    return User.objects.filter(
        department=department, role__in=[Role.HANDLER, Role.DEPT_HEAD], is_active=True
    )


def bureau_users():
    return staff_users().filter(
        department__function_key=BUREAU_KEY,
        department__division__code=settings.YINGSHANG_CITY_CODE,
    )


def _notify_department(department, title, body="", link=""):
    for user in department_users(department):
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
        errors["subject"] = [_("办理尚未完成，暂不能评价。")]
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
        raise ValidationError({"subject": _("该事项已评价，每个事项只能评价一次。")})
    department = info["department"]
    if department is None:
        raise ValidationError({"subject": _("该事项没有承办部门，无法评价。")})
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
        raise ValidationError({"subject": _("该事项已评价，每个事项只能评价一次。")}) from exc
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
    RECTIFICATIONS.record(rect, "open", "", rect.status, actor_name="system", at=now)
    _notify_department(
        evaluation.department,
        _("收到差评，请核实整改：%(s)s") % {"s": evaluation.subject_label},
        evaluation.comment,
        f"/staff/evaluations/rectifications/{rect.pk}/",
    )
    return rect


def rectification_step(rect, user, action, note="", verified=False, now=None) -> Rectification:
    """One step of a rectification (table: ``machines.RectificationMachine``):
    verify (department: the complaint is founded, rectification starts, limit runs),
    contest (department: 申诉, with reason), uphold / overturn (bureau decides the contest),
    report (department: measures taken), callback (bureau: called the evaluator back),
    accept / reject (the evaluator's verdict; reject starts another round)."""
    return RECTIFICATIONS.transition(
        rect, action, actor=user, note=note or "", now=now, verified=verified
    )


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
                RECTIFICATIONS.record(
                    rect,
                    "overdue",
                    rect.status,
                    rect.status,
                    actor_name="system",
                    at=now,
                    note=_("超过整改时限"),
                )
                title = _("差评整改逾期：%(s)s") % {"s": rect.evaluation.subject_label}
                link = f"/staff/evaluations/rectifications/{rect.pk}/"
                _notify_department(rect.department, title, "", link)
                for u in bureau_users():
                    _notify(u, title, "", link)
            found += 1
    return found
