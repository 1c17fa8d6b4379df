"""Reads of the appeals app, scoped with ``visible_to``."""

from django.db.models import Q
from django.utils import timezone

from yingshang.core.workdays import working_days_between

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


def public_commitments(*, division=None, departments=None):
    """Commitments made at *published* Q&A sessions (政企面对面), for public pages of other
    apps: read-only, only the fields the public session page already shows (content, owner
    department, deadline, state, latest progress, session). ``division`` limits to sessions in
    its subtree, ``departments`` to those owner departments."""
    qs = (
        Commitment.objects.filter(session__published=True)
        .select_related("owner_department", "session")
        .only(
            "id",
            "content",
            "deadline",
            "status",
            "progress_note",
            "owner_department__name",
            "session__id",
            "session__title",
            "session__date",
        )
        .order_by("session__date", "deadline", "id")
    )
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    if departments is not None:
        qs = qs.filter(owner_department__in=departments)
    return qs


def commitments_for(user, status=""):
    qs = Commitment.objects.visible_to(user).select_related("owner_department", "session")
    if status:
        qs = qs.filter(status=status)
    return qs


def open_count(user) -> int:
    return Appeal.objects.visible_to(user).filter(status__in=OPEN_STATUSES).count()


__all__ = ["CommitmentStatus", "deadline_colour", "appeals_for"]
