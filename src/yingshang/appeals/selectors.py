"""Reads of the appeals app, scoped with ``visible_to``."""

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from yingshang.core.models import Department
from yingshang.platform import lookup_codes
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


def visible_appeals(user):
    return Appeal.objects.visible_to(user)


def appeal_for_staff(user, pk) -> Appeal:
    """An appeal the staff member may see, or 404."""
    return Appeal.objects.get_visible_or_404(user, pk=pk)


def extensions_of(appeal):
    return appeal.extensions.all()


def commitment_for_staff(user, pk) -> Commitment:
    return Commitment.objects.get_visible_or_404(user, pk=pk)


def session_for_staff(user, pk) -> QASession:
    return QASession.objects.get_visible_or_404(user, pk=pk)


def portal_appeal(number: str):
    """The appeal with ``number`` (any case), or None — the portal then checks the visitor's
    right to it (own account or phone check)."""
    return (
        Appeal.objects.filter(number=(number or "").strip().upper())
        .select_related("lead_department")
        .first()
    )


def portal_lookup(number, code, user):
    """The appeal with ``number`` if the caller is its portal applicant or gives its 查询码
    (platform/lookup_codes.py): (appeal, verified-by-code) or (None, False) — no hint which part
    was wrong. The contact phone's last digits open nothing."""
    appeal = portal_appeal(number)
    if appeal is None:
        return None, False
    if user.is_authenticated and appeal.applicant_user_id == user.pk:
        return appeal, False
    if code and lookup_codes.matches("appeal", appeal.number, appeal.lookup_seed, code):
        return appeal, True
    return None, False


def attachment_for(pk):
    """An attachment with its appeal, or 404 (the view then checks who may download it)."""
    from .models import AppealAttachment

    att = AppealAttachment.objects.select_related("appeal").filter(pk=pk).first()
    if att is None:
        raise Http404
    return att


def session_questions(session):
    from django.db.models import Prefetch

    return session.questions.select_related("enterprise", "answering_department").prefetch_related(
        Prefetch("commitments", queryset=Commitment.objects.select_related("owner_department"))
    )


def dispatch_departments():
    """The departments an appeal may be dispatched to (lead or co-handling)."""
    return (
        Department.objects.filter(is_active=True, kind__in=["government", "utility", "other"])
        .select_related("division")
        .order_by("division__path", "name")
    )


def city_departments():
    """The city-level departments (Q&A sessions' attendees and answering departments)."""
    return Department.objects.filter(division__code=settings.YINGSHANG_CITY_CODE)


def sessions_for(user):
    return QASession.objects.visible_to(user)


def open_count(user) -> int:
    return Appeal.objects.visible_to(user).filter(status__in=OPEN_STATUSES).count()


__all__ = ["CommitmentStatus", "deadline_colour", "appeals_for"]
