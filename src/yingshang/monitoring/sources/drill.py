"""The drill-down adapter (穿透): for an indicator of one source, the records of its denominator
in a period and dimension member, flagged ones first, always through the owning app's
``visible_to(user)``. ``monitoring.drilldown`` builds the page around them.

Every function takes (user, indicator, dimension, member, lo, hi, start, end): ``lo``/``hi`` the
period's aware bounds, ``start``/``end`` its first and last day; it returns (rows, extra) or None
when the source's app is not installed."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from yingshang.core.models import Division

from ..definitions import load_definitions
from . import model

LIMIT = 200


def _when(value) -> str:
    """A date or an aware timestamp in words: local time to the minute, "—" when empty."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "Y-m-d H:i")
    return formats.date_format(value, "Y-m-d")


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _member_q(dimension, member, *, division_path, department, item=None):
    """Q limiting records to a dimension member (paths of the records' divisions)."""
    if dimension in ("city", "division"):
        div = Division.objects.get(pk=member)
        return Q(**{f"{division_path}__startswith": div.path})
    if dimension == "department":
        return Q(**{department: member})
    if dimension == "item" and item:
        return Q(**{item: member})
    raise Http404


# indicator → (Q of the flagged records) for cases completed in the period
CASE_FLAGS = {
    "gov.on_time_rate": ~Q(final_sla_state="on_time"),
    "gov.first_time_rate": Q(events__to_state="supplement_requested"),
    "gov.fully_online_rate": Q(channel="window") | Q(visits__gt=0),
    "gov.instant_share": ~Q(version__kind="immediate"),
    "gov.mean_trips": Q(visits__gt=1),
    "gov.max_one_trip_rate": Q(visits__gt=1),
    "gov.mean_handling_days": Q(final_sla_state="overdue"),
}


def _cases(user, indicator, dimension, member, lo, hi, start=None, end=None):
    Case = model("cases.Case")
    if Case is None:
        return None
    qs = Case.objects.visible_to(user)
    member_q = _member_q(
        dimension,
        member,
        division_path="department__division__path",
        department="department_id",
        item="item_id",
    )
    if indicator.startswith(("sb.", "cp.", "ge.", "rp.")) or indicator in ("sb", "cp", "ge", "rp"):
        topic = indicator.split(".")[0]
        conf = load_definitions().mapping.get(topic, {})
        base = qs.filter(
            member_q,
            parent__isnull=True,
            completed_at__gte=lo,
            completed_at__lt=hi,
        ).filter(
            Q(bundle__key__in=conf.get("bundle_keys") or [])
            | Q(item__basic_code__in=conf.get("item_codes") or [], bundle__isnull=True)
        )
        flagged = Q(visits__gt=1)
    else:
        base = qs.filter(
            member_q,
            item__isnull=False,
            status__in=("completed", "delivered"),
            completed_at__gte=lo,
            completed_at__lt=hi,
        )
        flagged = CASE_FLAGS.get(indicator, Q(final_sla_state="overdue"))
    flagged_ids = set(base.filter(flagged).values_list("pk", flat=True)[: LIMIT * 5])
    rows = []
    for c in base.select_related("department", "item").order_by("-completed_at")[: LIMIT * 5]:
        rows.append(
            {
                "flag": c.pk in flagged_ids,
                "label": f"{c.number} {c.title}",
                "url": _url("cases:detail", c.number),
                "department": c.department.name,
                "when": c.completed_at,
                "detail": _("%(status)s · %(channel)s · 到现场 %(visits)d 次 · 时效 %(sla)s")
                % {
                    "status": c.get_status_display(),
                    "channel": c.get_channel_display(),
                    "visits": c.visits,
                    "sla": c.get_final_sla_state_display() or "—",
                },
            }
        )
    rows.sort(key=lambda r: not r["flag"])
    extra = None
    if indicator == "gov.first_time_rate":
        CaseEvent = model("cases.CaseEvent")
        extra = {
            "title": _("补正最多的事项"),
            "rows": list(
                CaseEvent.objects.visible_to(user)
                .filter(
                    to_state="supplement_requested",
                    at__gte=lo,
                    at__lt=hi,
                    case__item__isnull=False,
                )
                .filter(
                    _member_q(
                        dimension,
                        member,
                        division_path="case__department__division__path",
                        department="case__department_id",
                        item="case__item_id",
                    )
                )
                .values("case__item__name", "case__department__name")
                .annotate(n=Count("id"), cases=Count("case", distinct=True))
                .order_by("-n")[:20]
            ),
        }
    return rows[:LIMIT], extra


def _appeals(user, indicator, dimension, member, lo, hi, start=None, end=None):
    Appeal = model("appeals.Appeal")
    if Appeal is None:
        return None
    qs = Appeal.objects.visible_to(user).filter(
        _member_q(
            dimension,
            member,
            division_path="division__path",
            department="lead_department_id",
        )
    )
    if indicator in ("appeals.on_time_rate", "appeals.satisfaction_rate"):
        base = qs.filter(status="closed", closed_at__gte=lo, closed_at__lt=hi)
        flagged = (
            Q(replied_at__gt=F("due_at"))
            if indicator == "appeals.on_time_rate"
            else Q(resolved=False)
        )
    else:
        base = qs.filter(submitted_at__gte=lo, submitted_at__lt=hi)
        flagged = (
            Q(repeat_of__isnull=False)
            if indicator == "appeals.repeat_rate"
            else Q(signed_at__gt=F("sign_due")) | Q(signed_at__isnull=True)
        )
    flagged_ids = set(base.filter(flagged).values_list("pk", flat=True))
    rows = [
        {
            "flag": a.pk in flagged_ids,
            "label": f"{a.number} {a.title}",
            "url": _url("appeals:staff-detail", a.pk),
            "department": a.lead_department.name if a.lead_department_id else "—",
            "when": a.submitted_at,
            "detail": _("%(status)s · 期限 %(due)s · 答复 %(replied)s")
            % {
                "status": a.get_status_display(),
                "due": _when(a.due_at),
                "replied": _when(a.replied_at),
            },
        }
        for a in base.select_related("lead_department")[: LIMIT * 5]
    ]
    rows.sort(key=lambda r: not r["flag"])
    return rows[:LIMIT], None


def _evaluations(user, indicator, dimension, member, lo, hi, start=None, end=None):
    Evaluation = model("evaluations.Evaluation")
    if Evaluation is None:
        return None
    base = (
        Evaluation.objects.visible_to(user)
        .filter(voided=False, created_at__gte=lo, created_at__lt=hi)
        .filter(
            _member_q(dimension, member, division_path="division__path", department="department_id")
        )
    )
    if indicator == "evaluations.bad_rectified_rate":
        base = base.filter(level__lte=2)
        flagged = ~Q(rectification__status="closed")
    else:
        flagged = Q(level__lte=2)
    flagged_ids = set(base.filter(flagged).values_list("pk", flat=True))
    rows = [
        {
            "flag": e.pk in flagged_ids,
            "label": e.subject_label,
            "url": _url("evaluations:list"),
            "department": e.department.name,
            "when": e.created_at,
            "detail": f"{e.get_level_display()} · {e.comment[:60]}",
        }
        for e in base.select_related("department")[: LIMIT * 5]
    ]
    rows.sort(key=lambda r: not r["flag"])
    return rows[:LIMIT], None


def _tasks(user, indicator, dimension, member, lo, hi, start, end):
    Task = model("reforms.Task")
    if Task is None:
        return None
    qs = Task.objects.visible_to(user).filter(
        _member_q(
            dimension, member, division_path="programme__division__path", department="lead_units"
        )
    )
    as_of = min(end, datetime.date.today())
    lagging = (
        Q(deadline_kind="date", deadline__lt=as_of)
        & (Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
    ) | Q(state="lagging", closed_at__isnull=True)
    if indicator == "supervision.lagging_tasks":
        base = qs.filter(lagging)
        flagged = Q(pk__isnull=False)
    else:
        base = qs.filter(deadline_kind="date", deadline__gte=start, deadline__lte=end)
        flagged = Q(completed_on__isnull=True) | Q(completed_on__gt=F("deadline"))
    base = base.distinct()
    flagged_ids = set(base.filter(flagged).values_list("pk", flat=True))
    rows = [
        {
            "flag": t.pk in flagged_ids,
            "label": f"{t.number} {t.content[:60]}",
            "url": _url("reforms:task", t.pk),
            "department": ", ".join(d.name for d in t.lead_units.all()),
            "when": t.deadline,
            "detail": _("%(state)s · 进度 %(progress)s%% · 时限 %(deadline)s")
            % {
                "state": t.get_state_display(),
                "progress": t.progress,
                "deadline": t.deadline_text or _when(t.deadline),
            },
        }
        for t in base.prefetch_related("lead_units")[: LIMIT * 5]
    ]
    rows.sort(key=lambda r: not r["flag"])
    return rows[:LIMIT], None


def _items(user, indicator, dimension, member, lo, hi, start, end):
    Item = model("catalog.ServiceItem")
    if Item is None:
        return None
    qs = Item.objects.visible_to(user).filter(is_active=True, current_version__isnull=False)
    qs = qs.filter(
        _member_q(
            dimension,
            member,
            division_path="division__path",
            department="department_id",
            item="id",
        )
    )
    flags = {
        "gov.online_available_rate": Q(current_version__online_depth__lt=4),
        "gov.cross_area_rate": Q(current_version__service_scope="local"),
        "gov.limit_compression_rate": Q(
            current_version__committed_limit_days=F("current_version__legal_limit_days")
        ),
        # a material without an e-licence (an item without materials is not flagged)
        "gov.materials_exempt_share": Q(
            current_version__materials__pk__isnull=False,
            current_version__materials__licence_type__isnull=True,
        ),
    }
    flagged_ids = set(qs.filter(flags.get(indicator, Q(pk__in=[]))).values_list("pk", flat=True))
    rows = [
        {
            "flag": i.pk in flagged_ids,
            "label": i.name,
            "url": None,
            "department": i.department.name,
            "when": None,
            "detail": _(
                "%(kind)s · 法定 %(legal)s / 承诺 %(committed)s 工作日 · %(depth)s · %(scope)s"
            )
            % {
                "kind": i.current_version.get_kind_display(),
                "legal": i.current_version.legal_limit_days,
                "committed": i.current_version.committed_limit_days,
                "depth": i.current_version.get_online_depth_display(),
                "scope": i.current_version.get_service_scope_display(),
            },
        }
        for i in qs.select_related("department", "current_version")[: LIMIT * 5]
    ]
    rows.sort(key=lambda r: not r["flag"])
    return rows[:LIMIT], None


DRILLS = {
    "cases": _cases,
    "appeals": _appeals,
    "evaluations": _evaluations,
    "reforms": _tasks,
    "catalog": _items,
}
