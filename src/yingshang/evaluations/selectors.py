"""Reads of 好差评: scoped lists and the public per-department monthly figures."""

from collections import defaultdict

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from yingshang.core.models import Department

from .models import BAD_LEVELS, Evaluation, Rectification, RectStatus


def evaluations_for(user, *, level: int | None = None):
    qs = Evaluation.objects.visible_to(user).select_related("department")
    return qs.filter(level=level) if level else qs


def rectification_for_staff(user, pk) -> Rectification:
    return Rectification.objects.get_visible_or_404(user, pk=pk)


def rectification_with_evaluation(pk) -> Rectification:
    """A rectification with its evaluation, or 404 (the page then checks the evaluator)."""
    rect = Rectification.objects.select_related("evaluation").filter(pk=pk).first()
    if rect is None:
        raise Http404
    return rect


def rating_of(subject, channel: str) -> Evaluation | None:
    """The subject's rating on this channel, or None."""
    from .services import subject_key

    return Evaluation.objects.filter(
        content_type_id=int(subject_key(subject).split(":")[0]),
        object_id=str(subject.pk),
        channel=channel,
    ).first()


OPEN_FILTER = "open"  # every rectification not closed nor voided (the workbench's link)


def rectifications_for(user, status=""):
    qs = Rectification.objects.visible_to(user).select_related("evaluation", "department")
    if status == OPEN_FILTER:
        return qs.exclude(status__in=(RectStatus.CLOSED, RectStatus.VOIDED))
    return qs.filter(status=status) if status else qs


def rectifications_of_evaluator(user):
    if not user.is_authenticated:
        return Rectification.objects.none()
    return Rectification.objects.filter(evaluation__evaluator=user)


def monthly_stats(year: int | None = None, department_id: int | None = None) -> list[dict]:
    """Per department and month: ratings, 好评 (非常满意/满意/基本满意), 差评, 差评 rectified
    (closed with the evaluator's acceptance), 好评率 and 差评整改率. Ratings voided after a
    successful contest (申诉成立) are left out."""
    qs = Evaluation.objects.filter(voided=False)
    if year:
        qs = qs.filter(created_at__year=year)
    if department_id:
        qs = qs.filter(department_id=department_id)
    rows = (
        qs.annotate(month=TruncMonth("created_at"))
        .values("month", "department_id")
        .annotate(
            total=Count("id"),
            bad=Count("id", filter=Q(level__in=BAD_LEVELS)),
            rectified=Count(
                "id",
                filter=Q(level__in=BAD_LEVELS, rectification__status=RectStatus.CLOSED),
            ),
        )
        .order_by("month", "department_id")
    )
    names = dict(Department.objects.values_list("pk", "name"))
    out = []
    for r in rows:
        good = r["total"] - r["bad"]
        out.append(
            {
                "month": r["month"].strftime("%Y-%m") if r["month"] else "",
                "department_id": r["department_id"],
                "department": names.get(r["department_id"], ""),
                "total": r["total"],
                "good": good,
                "bad": r["bad"],
                "rectified": r["rectified"],
                "good_rate": round(good / r["total"] * 100, 1) if r["total"] else None,
                "rectify_rate": round(r["rectified"] / r["bad"] * 100, 1) if r["bad"] else None,
            }
        )
    return out


def stats_table(year=None):
    """{department: {month: row}} and the sorted month list, for the public page."""
    rows = monthly_stats(year)
    table = defaultdict(dict)
    months = sorted({r["month"] for r in rows})
    for r in rows:
        table[r["department"]][r["month"]] = r
    return dict(sorted(table.items())), months


def latest_month() -> str | None:
    """The latest month ("YYYY-MM", local time) with a counted rating; None when there is none."""
    last = Evaluation.objects.filter(voided=False).aggregate(m=Max("created_at"))["m"]
    return timezone.localtime(last).strftime("%Y-%m") if last else None


def months_with_data(limit: int = 36) -> list[str]:
    """The months ("YYYY-MM") that have counted ratings, latest first."""
    rows = (
        Evaluation.objects.filter(voided=False)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")[:limit]
    )
    return [m.strftime("%Y-%m") for m in rows if m]


def public_stats(month: str) -> dict:
    """The public 好差评 page for one month ("YYYY-MM"): the departments ranked by 好评率 (then by
    number of ratings), the year's trend up to that month (all departments together) and the
    year's table (department × month)."""
    year = int(month[:4])
    rows = monthly_stats(year)
    ranking = sorted(
        (r for r in rows if r["month"] == month),
        key=lambda r: (-(r["good_rate"] or 0), -r["total"], r["department"]),
    )
    by_month = defaultdict(lambda: {"total": 0, "good": 0, "bad": 0, "rectified": 0})
    for r in rows:
        if r["month"] <= month:
            agg = by_month[r["month"]]
            for k in ("total", "good", "bad", "rectified"):
                agg[k] += r[k]
    trend = []
    for m in sorted(by_month):
        agg = by_month[m]
        trend.append(
            {
                "month": m,
                **agg,
                "good_rate": round(agg["good"] / agg["total"] * 100, 1) if agg["total"] else None,
                "rectify_rate": round(agg["rectified"] / agg["bad"] * 100, 1)
                if agg["bad"]
                else None,
            }
        )
    table = defaultdict(dict)
    for r in rows:
        table[r["department"]][r["month"]] = r
    months = sorted({r["month"] for r in rows})
    current = next((t for t in trend if t["month"] == month), None)
    return {
        "month": month,
        "year": year,
        "ranking": ranking,
        "trend": trend,
        "summary": current,
        "table": dict(sorted(table.items())),
        "months": months,
    }
