"""Reads of the appeals app, scoped with ``visible_to``."""

from django.db.models import Q
from django.utils import timezone

from yingshang.workdays.calendar import working_days_between

from .models import (
    OPEN_STATUSES,
    Appeal,
    Commitment,
    CommitmentStatus,
    QASession,
    Status,
    is_service_office,
)

QUEUES = {
    "sign": [Status.SUBMITTED, Status.SIGNED],
    "open": [Status.DISPATCHED, Status.ESCALATED],
    "replied": [Status.REPLIED],
    "escalated": None,
    "closed": [Status.CLOSED],
    "all": None,
}


def deadline_colour(due, now=None, done=False) -> str:
    """green: more than one working day left; amber: due today or the next working day;
    red: overdue."""
    if due is None or done:
        return ""
    now = now or timezone.now()
    if now > due:
        return "red"
    return "amber" if working_days_between(now, due) <= 1 else "green"


def appeal_due(appeal):
    """The deadline that matters now: signing before dispatch, replying after."""
    if appeal.status in (Status.SUBMITTED,):
        return appeal.sign_due
    if appeal.status in (Status.DISPATCHED, Status.ESCALATED, Status.SIGNED):
        return appeal.due_at or appeal.sign_due
    return None


def appeals_for(user, queue="", q="", status=""):
    qs = Appeal.objects.visible_to(user).select_related("lead_department")
    if not queue:
        queue = "sign" if is_service_office(user) else "open"
    if queue == "escalated":
        qs = qs.filter(escalated_at__isnull=False)
    elif QUEUES.get(queue):
        qs = qs.filter(status__in=QUEUES[queue])
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(enterprise_name__icontains=q)
        )
    if queue in {"sign", "open"}:
        return qs.order_by("due_at", "sign_due", "pk")
    return qs.order_by("-submitted_at", "-pk")


def portal_appeals(user):
    if not user.is_authenticated:
        return Appeal.objects.none()
    return Appeal.objects.filter(applicant_user=user).order_by("-submitted_at")


def public_sessions():
    return QASession.objects.filter(published=True).order_by("date", "pk")


def commitments_for(user, status=""):
    qs = Commitment.objects.visible_to(user).select_related("owner_department", "session")
    if status:
        qs = qs.filter(status=status)
    return qs


def open_count(user) -> int:
    return Appeal.objects.visible_to(user).filter(status__in=OPEN_STATUSES).count()


__all__ = ["CommitmentStatus", "deadline_colour", "appeals_for"]
