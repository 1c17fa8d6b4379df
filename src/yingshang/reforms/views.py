"""Workbench pages of reform-task supervision (staff only). Views read through selectors and
write through services."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingshang.core.views import staff_required
from yingshang.platform import audit, uploads
from yingshang.platform.exports import xlsx_response
from yingshang.platform.forms import error_dict, submit
from yingshang.platform.models import AuditAction

from . import forms, policies, selectors, services
from .models import Cycle, Light, Programme, ReminderReason, TaskState
from .parsing import parse_file


def _programme(request, pk) -> Programme:
    return selectors.programme_for_staff(request.user, pk)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _form_messages(form) -> list[str]:
    """The form's messages, flat (these pages show them as flash messages)."""
    return [str(m) for msgs in form.errors.values() for m in msgs]


def _run(form, action):
    """The result of the service call ``action(cleaned_data)``, or None with the messages on
    the form."""
    return (form.result or True) if submit(form, action) else None


@staff_required
def programme_list(request):
    can_create = policies.is_bureau(request.user)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied(_("只有督查部门可以创建方案。"))
        form = forms.ProgrammeForm(request.POST)
        p = _run(
            form,
            lambda d: services.create_programme(
                user=request.user, division=request.user.division, **d
            ),
        )
        if p is not None:
            return redirect("reforms:import", pk=p.pk)
    else:
        form = None
    programmes = [
        (p, selectors.overall(p), p.tasks.count()) for p in selectors.programmes_for(request.user)
    ]
    return render(
        request,
        "reforms/programme_list.html",
        {
            "programmes": programmes,
            "can_create": can_create,
            "cycles": Cycle.choices,
            "form": form,
            "errors": error_dict(form) if form is not None else {},
        },
        status=400 if form is not None else 200,
    )


def _task_rows(tasks):
    for t in tasks:
        yield [
            t.number,
            t.measure.title,
            t.content,
            t.leader,
            "、".join(d.name for d in t.lead_units.all()),
            "、".join([d.name for d in t.partner_units.all()] + list(t.collective_units)),
            t.deadline.isoformat() if t.deadline else t.get_deadline_kind_display(),
            t.deadline_text,
            float(t.progress),
            t.get_state_display(),
            str(Light(t.light).label),
            t.last_report_on.isoformat() if t.last_report_on else "",
        ]


TASK_HEADERS = [
    gettext_lazy("序号"),
    gettext_lazy("政策措施"),
    gettext_lazy("任务内容"),
    gettext_lazy("牵头领导"),
    gettext_lazy("牵头单位"),
    gettext_lazy("参与单位"),
    gettext_lazy("完成时限"),
    gettext_lazy("时限原文"),
    gettext_lazy("进度（%）"),
    gettext_lazy("状态"),
    gettext_lazy("亮灯"),
    gettext_lazy("最近报送"),
]


def _pdf(template: str, context: dict, filename: str) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(template, context)
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@staff_required
def schedule(request, pk):
    """进度表: the whole programme, filterable; Excel and PDF."""
    programme = _programme(request, pk)
    filter_form = forms.TaskFilterForm(request.GET)
    f = filter_form.task_filters()
    tasks = selectors.tasks_for(request.user, programme, **f)
    fmt = filter_form.value("format", "")
    if fmt == "xlsx":
        audit.record(
            AuditAction.EXPORT,
            instance=programme,
            object_repr=_("进度表导出"),
            changes={"filters": request.GET.dict()},
        )
        return xlsx_response(
            f"schedule-{programme.pk}.xlsx",
            _("进度表"),
            [str(h) for h in TASK_HEADERS],
            list(_task_rows(tasks)),
        )
    context = {
        "programme": programme,
        "tasks": tasks,
        "rollup": selectors.rollup(programme),
        "states": TaskState.choices,
        "counts": selectors.state_counts(tasks),
        "measures": selectors.measures_of(programme),
        "units": selectors.lead_units_of(programme),
        "leaders": selectors.leaders_of(programme),
        "filters": f,
        "filter_form": filter_form,
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
        "can_publish": policies.can_publish(request.user, programme),
        "publication_errors": request.session.pop(PUBLICATION_ERRORS, {}),
    }
    if fmt == "pdf":
        return _pdf("reforms/schedule_pdf.html", context, f"schedule-{programme.pk}.pdf")
    return render(request, "reforms/schedule.html", context)


@staff_required
def timeline(request, pk):
    programme = _programme(request, pk)
    filter_form = forms.TaskFilterForm(request.GET)
    tasks = selectors.tasks_for(request.user, programme, **filter_form.task_filters())
    return render(
        request,
        "reforms/timeline.html",
        {
            "programme": programme,
            "tl": selectors.timeline(tasks, programme),
            "filter_form": filter_form,
        },
    )


@staff_required
def statistics(request, pk):
    programme = _programme(request, pk)
    stats = selectors.statistics(request.user, programme)
    chart = {
        "units": [u["unit"] for u in stats["units"]],
        "led": [u["tasks"] for u in stats["units"]],
        "completion": [u["completion_rate"] for u in stats["units"]],
        "on_time": [u["on_time_rate"] for u in stats["units"]],
        "leaders": [x["leader"] for x in stats["leaders"]],
        "leader_completion": [x["completion_rate"] for x in stats["leaders"]],
        "leader_on_time": [x["on_time_rate"] for x in stats["leaders"]],
        "labels": {"completion": _("完成率"), "on_time": _("按期完成率")},
        "states": [
            {"name": str(label), "value": stats["states"][value]}
            for value, label in TaskState.choices
        ],
    }
    return render(
        request,
        "reforms/statistics.html",
        {"programme": programme, "stats": stats, "chart": chart},
    )


def _my_department(request, filter_form):
    dept_id = filter_form.value("department") or request.user.department_id
    if not dept_id:
        return None
    return selectors.department_for_staff(request.user, dept_id)


@staff_required
def task_book(request, pk, dept_pk=None):
    """任务书: the tasks one department leads and joins; HTML, PDF and Excel."""
    programme = _programme(request, pk)
    filter_form = forms.BookFilterForm(request.GET)
    if dept_pk is None:
        department = _my_department(request, filter_form)
        if department is None:
            return render(
                request,
                "reforms/book_index.html",
                {
                    "programme": programme,
                    "units": selectors.lead_units_of(programme),
                    "filter_form": filter_form,
                },
            )
        return redirect("reforms:book", pk=programme.pk, dept_pk=department.pk)
    department = selectors.department_for_staff(request.user, dept_pk)
    led, joined = selectors.task_book(request.user, programme, department)
    context = {
        "programme": programme,
        "department": department,
        "led": led,
        "joined": joined,
        "today": timezone.localdate(),
    }
    fmt = filter_form.value("format", "")
    if fmt == "pdf":
        audit.record(AuditAction.EXPORT, instance=programme, object_repr=_("任务书打印"))
        return _pdf("reforms/book_pdf.html", context, f"taskbook-{department.pk}.pdf")
    if fmt == "xlsx":
        audit.record(AuditAction.EXPORT, instance=programme, object_repr=_("任务书导出"))
        rows = [["牵头", *r] for r in _task_rows(led)] + [["参与", *r] for r in _task_rows(joined)]
        return xlsx_response(
            f"taskbook-{department.pk}.xlsx", department.name, ["分工", *TASK_HEADERS], rows
        )
    return render(request, "reforms/book.html", context)


# --- import --------------------------------------------------------------------------------


@staff_required
def import_view(request, pk):
    """Upload → preview (parsed tasks, unit matches to confirm) → confirm."""
    programme = _programme(request, pk)
    if not policies.is_bureau(request.user):
        raise PermissionDenied(_("只有督查部门可以导入任务。"))
    context = {"programme": programme}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = forms.ImportConfirmForm(request.POST)
        token = confirm.cleaned_data["token"] if confirm.is_valid() else ""
        stored = request.session.get("reforms_import", {})
        if token not in stored:
            messages.error(request, _("导入预览已过期，请重新上传文件。"))
            return redirect("reforms:import", pk=programme.pk)
        name, scratch = stored[token]
        data = uploads.scratch_read(scratch)
        if data is None:  # removed by the uploads sweep after an hour
            stored.pop(token, None)
            request.session["reforms_import"] = stored
            messages.error(request, _("导入预览已过期，请重新上传文件。"))
            return redirect("reforms:import", pk=programme.pk)
        result = parse_file(name, data, year=programme.year)
        confirmed = confirm.confirmed_units()
        try:
            tasks = services.import_tasks(programme, result, user=request.user, confirmed=confirmed)
        except ValidationError as exc:
            context.update(
                {
                    "preview": services.preview_import(programme, result),
                    "errors": _errors(exc),
                    "token": token,
                    "candidates": services.candidate_departments(programme),
                }
            )
            return render(request, "reforms/import.html", context, status=400)
        uploads.scratch_delete(scratch)
        stored.pop(token, None)
        request.session["reforms_import"] = stored
        messages.success(request, _("已导入 %(n)d 项任务。") % {"n": len(tasks)})
        return redirect("reforms:schedule", pk=programme.pk)
    if request.method == "POST":
        upload_form = forms.ImportUploadForm(request.POST, request.FILES)
        if not upload_form.is_valid():
            context["errors"] = _form_messages(upload_form)
            return render(request, "reforms/import.html", context, status=400)
        upload = upload_form.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            context["errors"] = [_("文件超过大小上限。")]
            return render(request, "reforms/import.html", context, status=400)
        data = upload.read()
        result = parse_file(upload.name, data, year=programme.year)
        token = uuid.uuid4().hex
        stored = request.session.get("reforms_import", {})
        stored[token] = [upload.name, uploads.scratch_save(data, Path(upload.name).suffix)]
        request.session["reforms_import"] = stored
        preview = services.preview_import(programme, result)
        context.update(
            {
                "preview": preview,
                "token": token,
                "candidates": services.candidate_departments(programme),
                "errors": preview.errors,
            }
        )
        return render(request, "reforms/import.html", context)
    return render(request, "reforms/import.html", context)


# --- tasks ---------------------------------------------------------------------------------


def _task_steps(task, user) -> dict:
    """action → the service call taking the action form's cleaned data (and the form)."""

    def review(d, accept):
        report = selectors.report_for_review(user, task, d["report"])
        return services.review_report(report, user=user, accept=accept, note=d["note"])

    return {
        "report": lambda d, form: services.submit_report(
            task,
            user=user,
            percent=d["percent"],
            text=d["text"],
            decrease_reason=d["decrease_reason"],
            files=d["files"],
            milestone_percents=form.milestone_percents(),
        ),
        "contribution": lambda d, form: services.add_contribution(
            task, user=user, text=d["text"], files=d["files"]
        ),
        "accept": lambda d, form: review(d, True),
        "return": lambda d, form: review(d, False),
        "remind": lambda d, form: services.send_reminder(
            task, user=user, reason=ReminderReason.MANUAL, note=d["note"]
        ),
        "milestone": lambda d, form: services.add_milestone(
            task, user=user, title=d["title"], due_date=d["due_date"], weight=d["weight"]
        ),
    }


TASK_SUCCESS = {
    "report": _("进度已报送，等待审核。"),
    "contribution": _("分工进展已报送。"),
    "accept": _("审核完成。"),
    "return": _("审核完成。"),
    "remind": _("已催办。"),
}


@staff_required
def task_detail(request, pk):
    task = selectors.task_for_staff(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = forms.TASK_ACTION_FORMS.get(action)
        if form_class is None:
            messages.error(request, _("未知操作。"))
            return render(
                request, "reforms/task_detail.html", _task_context(request, task), status=400
            )
        form = form_class(request.POST, request.FILES)
        step = _task_steps(task, request.user)[action]
        if _run(form, lambda d: step(d, form)) is None:
            context = {
                **_task_context(request, task),
                "form": form,
                "action": action,
                "errors": error_dict(form),
            }
            return render(request, "reforms/task_detail.html", context, status=400)
        if action in TASK_SUCCESS:
            messages.success(request, TASK_SUCCESS[action])
        return redirect("reforms:task", pk=task.pk)
    return render(request, "reforms/task_detail.html", _task_context(request, task))


def _task_context(request, task):
    user = request.user
    task.refresh_from_db()
    return {
        "task": task,
        "programme": task.programme,
        "reports": task.reports.select_related("department", "author", "reviewed_by")
        .prefetch_related("files")
        .all(),
        "contributions": task.contributions.select_related("department").prefetch_related("files"),
        "events": task.events.select_related("actor").order_by("-at", "-id")[:100],
        "reminders": task.reminders.select_related("department")[:50],
        "milestones": task.milestones.all(),
        "can_report": not task.is_closed
        and (policies.user_leads(user, task) or policies.is_bureau(user)),
        "can_contribute": not task.is_closed and services.user_joins(user, task),
        "is_bureau": policies.is_bureau(user),
        "can_publish": policies.can_publish(user, task.programme),
        "publication_errors": request.session.pop(PUBLICATION_ERRORS, {}),
        "max_mb": uploads.max_mb(uploads.REFORM_EVIDENCE),
    }


@staff_required
def supervision(request, pk):
    """督办: pending reviews, escalation list for city leaders, flagged units, reminders."""
    programme = _programme(request, pk)
    if request.method == "POST":
        if not policies.is_bureau(request.user):
            raise PermissionDenied(_("只有督查部门可以执行巡检。"))
        r = services.sweep(programme=programme)
        messages.success(
            request,
            _("巡检完成：%(t)d项任务，%(c)d项状态变化，发出%(r)d条催办。")
            % {"t": r.tasks, "c": r.changed, "r": r.reminders},
        )
        return redirect("reforms:supervision", pk=programme.pk)
    return render(
        request,
        "reforms/supervision.html",
        {
            "programme": programme,
            "pending": selectors.pending_reviews(request.user, programme)[:200],
            "escalation": selectors.escalation_list(request.user, programme),
            "flagged": selectors.flagged_units(request.user, programme),
            "reminders": selectors.reminders_for(request.user, programme)[:100],
            "is_bureau": policies.is_bureau(request.user),
        },
    )


# --- publication (政务公开) ---------------------------------------------------------------


PUBLICATION_ERRORS = "reforms_publication_errors"


def _switch_publication(request, obj, publish, withdraw, done: tuple[str, str]):
    """Run ``publish`` or ``withdraw`` (services) for a POST that went through the
    confirmation step (``action=publish|unpublish``, ``confirm=1``)."""
    form = forms.PublicationForm(request.POST)
    if not form.is_valid():
        # shown inside the publication card after the redirect, beside its field
        request.session[PUBLICATION_ERRORS] = error_dict(form)
        return
    if form.cleaned_data["action"] == "publish":
        publish(obj, user=request.user)
        messages.success(request, done[0])
    else:
        withdraw(obj, user=request.user)
        messages.success(request, done[1])


@staff_required
@require_POST
def programme_publication(request, pk):
    """Publish or withdraw a programme (bureau only; out of scope → 404)."""
    programme = _programme(request, pk)
    _switch_publication(
        request,
        programme,
        services.publish_programme,
        services.unpublish_programme,
        (_("方案已公开。"), _("方案已取消公开。")),
    )
    return redirect("reforms:schedule", pk=programme.pk)


@staff_required
@require_POST
def task_publication(request, pk):
    """Show a task on its programme's public page, or withhold it."""
    task = selectors.task_for_staff(request.user, pk)
    form = forms.PublicationForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _switch_publication(
        request,
        task,
        services.publish_task,
        functools.partial(services.withhold_task, note=note),
        (_("任务已设为公开。"), _("任务已设为不公开。")),
    )
    return redirect("reforms:task", pk=task.pk)


@staff_required
def evidence(request, pk):
    """Evidence files are served only to those who can see the task."""
    ev = selectors.evidence_for_staff(request.user, pk)
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.original_name)
