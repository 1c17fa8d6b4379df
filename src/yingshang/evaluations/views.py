"""Pages of 好差评: the public monthly figures, the staff rectification desk, and the
evaluator's verdict page."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required
from yingshang.platform.forms import error_dict, submit

from . import forms, selectors, services
from .models import Level, RectStatus

SUBJECT_KEY = "evaluation_subjects"


def _run(form, action) -> dict:
    """The form's messages (its own and the service's) after trying ``action``; empty when it
    went through."""
    submit(form, action)
    return error_dict(form)


def stats(request):
    """The public 好差评 page: opens on the latest month with ratings (not an empty year); the
    ranking of the month and the year's trend as charts, the full table behind a toggle."""
    filters = forms.StatsFilterForm(request.GET)
    month = filters.chosen_month(
        selectors.latest_month(),
        lambda year: [r["month"] for r in selectors.monthly_stats(year)],
    )
    data = selectors.public_stats(month)
    rows = [
        (dept, [by_month.get(m) for m in data["months"]])
        for dept, by_month in data["table"].items()
    ]
    months = selectors.months_with_data()
    if month not in months:
        months = sorted([*months, month], reverse=True)
    chart = {
        "ranking": [
            {"name": r["department"], "rate": r["good_rate"], "total": r["total"]}
            for r in data["ranking"]
        ],
        "trend": [
            {"month": t["month"], "rate": t["good_rate"], "total": t["total"], "bad": t["bad"]}
            for t in data["trend"]
        ],
        "labels": {
            "rate": _("好评率（%）"),
            "total": _("评价数"),
            "bad": _("差评数"),
        },
    }
    return render(
        request,
        "evaluations/stats.html",
        {
            **data,
            "rows": rows,
            "month_choices": months,
            "chart": chart,
            "filter_form": filters,
        },
    )


def _due_colour(rect, now):
    if rect.due_at is None or rect.status in {RectStatus.CLOSED, RectStatus.VOIDED}:
        return ""
    if now > rect.due_at:
        return "red"
    from yingshang.workdays.calendar import working_days_between

    return "amber" if working_days_between(now, rect.due_at) <= 2 else "green"


@staff_required
def evaluation_list(request):
    filters = forms.EvaluationFilterForm(request.GET)
    qs = selectors.evaluations_for(request.user, level=filters.value("level"))
    page = filters.page_of(qs)
    return render(
        request,
        "evaluations/evaluation_list.html",
        {"page": page, "levels": Level.choices, "filter_form": filters},
    )


@staff_required
def rectification_list(request):
    filters = forms.RectificationFilterForm(request.GET)
    status = filters.value("status", "")
    qs = selectors.rectifications_for(request.user, status)
    page = filters.page_of(qs)
    now = timezone.now()
    return render(
        request,
        "evaluations/rectification_list.html",
        {
            "page": page,
            "rows": [(r, _due_colour(r, now)) for r in page],
            "statuses": RectStatus.choices,
            "status": status,
            "filter_form": filters,
        },
    )


@staff_required
def rectification_detail(request, pk):
    rect = selectors.rectification_for_staff(request.user, pk)
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
    rect = selectors.rectification_for_staff(request.user, pk)
    errors = _run(
        forms.StepForm(request.POST),
        lambda d: services.rectification_step(rect, request.user, d["action"], d["note"]),
    )
    if errors:
        request.session["rect_errors"] = errors
    else:
        messages.success(request, _("操作成功。"))
    return redirect("evaluations:rectification-detail", pk=rect.pk)


def _evaluator_rect(request, pk):
    rect = selectors.rectification_with_evaluation(pk)
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
        form = forms.VerdictForm(request.POST)
        errors = _run(
            form,
            lambda d: services.rectification_step(
                rect, request.user, form.action(), d["note"], verified=verified
            ),
        )
        if errors:
            request.session["rect_errors"] = errors
        else:
            messages.success(request, _("感谢您的确认。"))
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
    back = forms.NextForm(request.POST or request.GET or None).safe_url(request)
    if request.method == "POST":
        form = forms.RatingForm(request.POST, channel=channel)
        errors = _run(
            form,
            lambda d: services.submit_evaluation(
                subject,
                request.user,
                d["level"],
                form.dimensions(),
                d["comment"],
                verified=verified and not own,
            ),
        )
        if not errors:
            messages.success(request, _("感谢您的评价。"))
            return redirect(back or request.path)
    return render(
        request,
        "evaluations/rate.html",
        {
            "subject": subject,
            "label": info.get("label"),
            "finished": info.get("finished"),
            "errors": errors,
            "next": back,
        },
    )
