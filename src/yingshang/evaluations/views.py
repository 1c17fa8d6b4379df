"""Pages of 好差评: the public monthly figures, the staff rectification desk, and the
evaluator's verdict page."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required
from yingshang.platform.query import page_year

from . import selectors, services
from .models import Level, Rectification, RectStatus

SUBJECT_KEY = "evaluation_subjects"


def stats(request):
    year = page_year(request.GET.get("year"), timezone.localdate().year)
    table, months = selectors.stats_table(year)
    rows = [(dept, [by_month.get(m) for m in months]) for dept, by_month in table.items()]
    return render(
        request,
        "evaluations/stats.html",
        {"year": year, "months": months, "rows": rows, "years": range(year - 3, year + 2)},
    )


def _due_colour(rect, now):
    if rect.due_at is None or rect.status in {RectStatus.CLOSED, RectStatus.VOIDED}:
        return ""
    if now > rect.due_at:
        return "red"
    from yingshang.core.workdays import working_days_between

    return "amber" if working_days_between(now, rect.due_at) <= 2 else "green"


@staff_required
def evaluation_list(request):
    qs = selectors.evaluations_for(request.user)
    level = request.GET.get("level", "")
    if level.isdigit():
        qs = qs.filter(level=int(level))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "evaluations/evaluation_list.html", {"page": page, "levels": Level.choices}
    )


@staff_required
def rectification_list(request):
    status = request.GET.get("status", "")
    qs = selectors.rectifications_for(request.user, status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "evaluations/rectification_list.html",
        {
            "page": page,
            "rows": [(r, _due_colour(r, now)) for r in page],
            "statuses": RectStatus.choices,
            "status": status,
        },
    )


@staff_required
def rectification_detail(request, pk):
    rect = Rectification.objects.get_visible_or_404(request.user, pk=pk)
    return render(
        request,
        "evaluations/rectification_detail.html",
        {
            "rect": rect,
            "events": rect.events.all(),
            "bureau": services.is_bureau(request.user),
            "is_department": request.user.department_id == rect.department_id
            or request.user.is_superuser,
            "colour": _due_colour(rect, timezone.now()),
            "errors": request.session.pop("rect_errors", {}),
        },
    )


@staff_required
@require_POST
def rectification_action(request, pk):
    rect = Rectification.objects.get_visible_or_404(request.user, pk=pk)
    try:
        services.rectification_step(
            rect, request.user, request.POST.get("action", ""), request.POST.get("note", "")
        )
        messages.success(request, _("操作成功。"))
    except ValidationError as exc:
        request.session["rect_errors"] = exc.message_dict
    return redirect("evaluations:rectification-detail", pk=rect.pk)


def _evaluator_rect(request, pk):
    rect = Rectification.objects.select_related("evaluation").filter(pk=pk).first()
    if rect is None:
        raise Http404
    ev = rect.evaluation
    own = request.user.is_authenticated and ev.evaluator_id == request.user.pk
    verified = f"{ev.content_type_id}:{ev.object_id}" in request.session.get(SUBJECT_KEY, [])
    if not (own or verified):
        raise Http404
    return rect, verified


def verdict(request, pk):
    """The evaluator sees the rectification and accepts or rejects it."""
    rect, verified = _evaluator_rect(request, pk)
    if request.method == "POST":
        action = "accept" if request.POST.get("satisfied") == "yes" else "reject"
        try:
            services.rectification_step(
                rect, request.user, action, request.POST.get("note", ""), verified=verified
            )
            messages.success(request, _("感谢您的确认。"))
        except ValidationError as exc:
            request.session["rect_errors"] = exc.message_dict
        return redirect("evaluations:verdict", pk=rect.pk)
    return render(
        request,
        "evaluations/verdict.html",
        {"rect": rect, "errors": request.session.pop("rect_errors", {})},
    )


__all__ = ["datetime"]


def rate(request, subject_type, subject_id):
    """A generic rating page for any subject implementing the protocol (cases, appeals …):
    the applicant (logged in, or proved through the subject's own check and recorded in the
    session) rates it once per channel."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from .api import resolve_subject
    from .models import DIMENSIONS, Evaluation

    try:
        subject = resolve_subject(subject_type, subject_id)
    except DjangoValidationError as exc:
        raise Http404 from exc
    info = subject.evaluation_subject_info()
    key = services.subject_key(subject)
    verified = key in request.session.get(SUBJECT_KEY, [])
    own = request.user.is_authenticated and info.get("applicant_user_id") == request.user.pk
    if not (own or verified):
        raise Http404
    channel = info.get("channel") or "online"
    errors = {}
    if request.method == "POST":
        dims = {k: request.POST.get(f"dim_{k}", "") for k, _l in DIMENSIONS[channel]}
        try:
            services.submit_evaluation(
                subject,
                request.user,
                request.POST.get("level"),
                dims,
                request.POST.get("comment", ""),
                verified=verified and not own,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect(request.path)
    rated = Evaluation.objects.filter(
        content_type_id=int(key.split(":")[0]), object_id=str(subject.pk), channel=channel
    ).first()
    return render(
        request,
        "evaluations/rate.html",
        {
            "label": info.get("label"),
            "finished": info.get("finished"),
            "rated": rated,
            "levels": Level.choices,
            "dimensions": [(k, label) for k, label in DIMENSIONS[channel] if k != "overall"],
            "errors": errors,
        },
    )
