"""Reads of the cases app, scoped to the user."""

import datetime
import re

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from yingshang.core.policies import is_portal_user
from yingshang.platform import lookup_codes

from . import sla
from .models import OPEN_STATUSES, Case, CaseEvent, Status

NUMBER_RE = re.compile(r"^\d{6,32}$")
CODE_RE = re.compile(r"^[0-9A-Z]{15,18}$")


def search_q(value: str) -> Q:
    """Case number (prefix), applicant USCC/ID (prefix), or applicant name / item (contains)."""
    value = (value or "").strip()
    if not value:
        return Q()
    upper = value.upper()
    if NUMBER_RE.match(value):
        if len(value) in (19, 23):  # a whole case number (live / demo shape)
            q = Q(number=value)
        else:
            q = Q(number__startswith=value)
        if len(value) == 18:
            q |= Q(applicant_code=upper)
        elif len(value) >= 15:
            q |= Q(applicant_code__startswith=upper)
        return q
    if CODE_RE.match(upper):
        if len(upper) == 18:
            return Q(applicant_code=upper)
        return Q(applicant_code__startswith=upper)
    # item names are matched in the (small) catalog first, so that the case table is searched
    # by indexed columns only (trigram index on applicant_name on PostgreSQL)
    from yingshang.catalog.models import Bundle, ServiceItem

    items = list(
        ServiceItem.objects.filter(name__contains=value).values_list("id", flat=True)[:200]
    )
    bundles = list(Bundle.objects.filter(name__contains=value).values_list("id", flat=True)[:50])
    q = Q(applicant_name__contains=value)
    if items:
        q |= Q(item_id__in=items)
    if bundles:
        q |= Q(bundle_id__in=bundles, parent__isnull=True)
    return q


SEARCH_CAP = 1000


def search(qs, value: str):
    """Filter ``qs`` by a search term. The matches are first collected by the search indexes
    (at most SEARCH_CAP + 1 of them, in the caller's scope), then ordered: a common term can
    never make the database walk the whole table in date order."""
    q = search_q(value)
    if not q:
        return qs
    ids = qs.filter(q).order_by().values("pk")[: SEARCH_CAP + 1]
    return qs.filter(pk__in=ids)


def todo_q(name: str, now=None) -> Q:
    """The workbench's to-do lists (``?todo=`` of the queue): waiting at the window, supplements
    handed back, due today, waiting for a decision (in process), awaiting approval (the
    decision step)."""
    from .models import Status, Step

    now = now or timezone.now()
    if name == "window":
        return Q(status__in=(Status.SUBMITTED, Status.PRECHECKING))
    if name == "resubmitted":
        handed_back = CaseEvent.objects.filter(action="resubmit").values("case_id")
        return Q(
            status__in=(Status.SUBMITTED, Status.PRECHECKING, Status.ACCEPTED),
            pk__in=handed_back,
        )
    if name == "due_today":
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + datetime.timedelta(days=1)
        return Q(
            status__in=OPEN_STATUSES, paused_since__isnull=True, due_at__gte=start, due_at__lt=end
        )
    if name == "decision":
        return Q(status__in=(Status.ACCEPTED, Status.IN_PROCESS))
    if name == "approval":
        # the head's 审批 step: its own status where the workflow has one, else the decision step
        pending = getattr(Status, "PENDING_APPROVAL", None)
        if pending is not None:
            return Q(status=pending)
        return Q(status=Status.IN_PROCESS, step=Step.DECISION)
    return Q()


def cases_for(
    user, *, status="", sla_state="", q="", item="", department="", top_level=None, todo=""
):
    qs = Case.objects.visible_to(user).select_related("department", "item", "parent")
    if todo:
        qs = qs.filter(todo_q(todo))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if sla_state:
        qs = qs.filter(sla.state_q(sla_state, timezone.now()))
    if item:
        qs = qs.filter(item__implementation_code=item)
    if department:
        qs = qs.filter(department_id=department)
    if q:
        qs = search(qs, q)
    if top_level:
        qs = qs.filter(Q(parent__isnull=True) & Q(bundle__isnull=True))
    return qs


QUEUE_FIELDS = (
    "number",
    "title",
    "applicant_name",
    "status",
    "submitted_at",
    "due_at",
    "warn_at",
    "paused_since",
    "final_sla_state",
    "parent_id",
    "item_id",
    "department__name",
)


def queue_for(user, **filters):
    """The department queue: open cases, most urgent first (paused and unstarted last); only
    the columns the list shows."""
    filters.setdefault("status", "open")
    qs = cases_for(user, **filters).exclude(bundle__isnull=False, parent__isnull=True)
    return (
        qs.select_related(None)
        .select_related("department")
        .only(*QUEUE_FIELDS)
        .order_by("due_at", "submitted_at", "id")
    )


def case_for_staff(user, number: str) -> Case:
    """The case with what its page shows joined in. The parent, bundle and applicant account
    are usually empty (no query then) and read by few paths (a sub-case's page, a
    transition's notice): joining them anyway cost PostgreSQL more planning time than the
    rest of the page's statements together (bench/load/cost.py, docs/performance.md)."""
    return Case.objects.select_related(
        "item", "version", "department", "division"
    ).get_visible_or_404(user, number=number)


def own_case(user, number: str) -> Case:
    """Portal: the user's own case (not a sub-case) with this number, or 404."""
    case = Case.objects.filter(number=number, user=user, parent__isnull=True).first()
    if case is None or not user.is_authenticated:
        raise Http404
    return case


def is_visible(user, case) -> bool:
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def material_for(user, pk):
    """An uploaded material the user may read: the applicant owning the case, or staff who can
    see the case or one of its sub-cases (a bundle's materials); 404 otherwise."""
    from .models import CaseMaterial

    m = CaseMaterial.objects.select_related("case").filter(pk=pk).first()
    if m is None:
        raise Http404
    case = m.case
    allowed = case.user_id == user.pk and is_portal_user(user)
    if not allowed and user.is_staff_member:
        visible = Case.objects.visible_to(user)
        allowed = visible.filter(pk=case.pk).exists() or visible.filter(parent=case).exists()
    if not allowed:
        raise Http404
    return m


def cases_of_applicant(user):
    """Portal: the user's own cases (bundle parents and single cases; no sub-cases)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(user=user, parent__isnull=True)
        .select_related("department", "item", "bundle")
        .order_by("-submitted_at", "-id")
    )


TODO_LIMIT = 5
RATE_WITHIN_DAYS = 90


def applicant_todos(user, *, limit: int = TODO_LIMIT) -> dict:
    """The portal home's to-dos of a logged-in applicant (docs/portal.md): cases waiting for
    their 补正 (``supplement``), results ready to collect (``collect``: 办结, not yet 送达) and
    cases finished in the last 90 days that may be rated (``finished``; the evaluations app's
    ``unrated`` template filter drops those already rated). Each a list of at most ``limit``
    top-level cases, newest first; empty lists for anyone else."""
    own = cases_of_applicant(user)
    if not user.is_authenticated:
        return {"supplement": [], "collect": [], "finished": []}
    since = timezone.now() - datetime.timedelta(days=RATE_WITHIN_DAYS)
    return {
        "supplement": list(own.filter(status=Status.SUPPLEMENT)[:limit]),
        "collect": list(
            own.filter(status=Status.COMPLETED).order_by("-completed_at", "-id")[:limit]
        ),
        "finished": list(
            own.filter(
                status__in=(Status.COMPLETED, Status.DELIVERED), completed_at__gte=since
            ).order_by("-completed_at", "-id")[: limit * 3]
        ),
    }


def track(number: str, code: str) -> Case | None:
    """Public tracking: the case number plus its 查询码 (platform/lookup_codes.py). The last
    digits of the ID number or phone open nothing. None for an unknown number, a wrong code
    and a case without a code alike (no hint which part was wrong); the caller counts the
    failures (platform/ratelimit.py)."""
    number = (number or "").strip()
    if not NUMBER_RE.match(number) or not lookup_codes.is_well_formed(code):
        return None
    case = (
        Case.objects.select_related("department", "parent", "bundle").filter(number=number).first()
    )
    if case is None or not lookup_codes.matches("case", case.number, case.lookup_seed, code):
        return None
    return case


def by_status_link(number: str, token: str) -> Case | None:
    """The case (not a sub-case) a signed status link opens (cases/links.py), or None for an
    unknown number and a bad, tampered or expired token alike; the caller counts failures."""
    from . import links

    number = (number or "").strip()
    if not NUMBER_RE.match(number):
        return None
    case = (
        Case.objects.select_related("department", "parent", "bundle")
        .filter(number=number, parent__isnull=True)
        .first()
    )
    return case if case is not None and links.token_matches(case, token) else None


def events_of(case: Case):
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")


def trips_summary(user, *, by: str = "item"):
    """来回跑 counts per item or per department, within the user's scope."""
    qs = Case.objects.visible_to(user).filter(item__isnull=False)
    if by == "department":
        keys = ["department_id", "department__name"]
    else:
        keys = ["item_id", "item__name", "department__name"]
    return (
        qs.values(*keys)
        .annotate(
            cases=Count("id"),
            visits=Sum("visits"),
            multiple=Count("id", filter=Q(multiple_trips=True)),
        )
        .order_by("-multiple", "-cases")
    )
