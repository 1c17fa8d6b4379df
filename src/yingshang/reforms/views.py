"""Workbench pages of reform-task supervision (staff only). Views read through selectors and
write through services."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.core import audit
from yingshang.core.exports import xlsx_response
from yingshang.core.models import AuditAction, Department
from yingshang.core.views import staff_required
from yingshang.platform import uploads

from . import selectors, services
from .models import (
    Cycle,
    EvidenceFile,
    Light,
    Measure,
    Programme,
    ProgressReport,
    ReminderReason,
    Task,
    TaskState,
)
from .parsing import parse_file


def _programme(request, pk) -> Programme:
    return Programme.objects.get_visible_or_404(request.user, pk=pk)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


@staff_required
def programme_list(request):
    can_create = services.is_bureau(request.user)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied(_("只有督查部门可以创建方案。"))
        try:
            issue = datetime.date.fromisoformat(request.POST.get("issue_date", ""))
        except ValueError:
            messages.error(request, _("印发日期格式应为 YYYY-MM-DD。"))
            return redirect("reforms:programme-list")
        try:
            p = services.create_programme(
                user=request.user,
                title=request.POST.get("title", ""),
                doc_number=request.POST.get("doc_number", ""),
                issue_date=issue,
                division=request.user.division,
                reporting_cycle=request.POST.get("reporting_cycle") or Cycle.MONTHLY,
                lag_margin=int(request.POST.get("lag_margin") or 15),
            )
        except (ValidationError, ValueError) as exc:
            for m in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
                messages.error(request, m)
            return redirect("reforms:programme-list")
        return redirect("reforms:import", pk=p.pk)
    programmes = [
        (p, selectors.overall(p), p.tasks.count()) for p in selectors.programmes_for(request.user)
    ]
    return render(
        request,
        "reforms/programme_list.html",
        {"programmes": programmes, "can_create": can_create, "cycles": Cycle.choices},
    )


def _filters(request, programme):
    g = request.GET
    unit = g.get("unit") or ""
    measure = g.get("measure") or ""
    return {
        "leader": g.get("leader", "").strip(),
        "unit": int(unit) if unit.isdigit() else None,
        "measure": int(measure) if measure.isdigit() else None,
        "state": g.get("state", "") if g.get("state", "") in TaskState.values else "",
        "q": g.get("q", "").strip(),
    }


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
    gettext_lazy("进度(%)"),
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
    f = _filters(request, programme)
    tasks = selectors.tasks_for(request.user, programme, **f)
    fmt = request.GET.get("format", "")
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
        "measures": Measure.objects.filter(programme=programme),
        "units": Department.objects.filter(reform_tasks_led__programme=programme)
        .distinct()
        .order_by("name"),
        "leaders": sorted(
            set(
                Task.objects.filter(programme=programme)
                .exclude(leader_name="")
                .values_list("leader_name", flat=True)
            )
        ),
        "filters": f,
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    if fmt == "pdf":
        return _pdf("reforms/schedule_pdf.html", context, f"schedule-{programme.pk}.pdf")
    return render(request, "reforms/schedule.html", context)


@staff_required
def timeline(request, pk):
    programme = _programme(request, pk)
    tasks = selectors.tasks_for(request.user, programme, **_filters(request, programme))
    return render(
        request,
        "reforms/timeline.html",
        {"programme": programme, "tl": selectors.timeline(tasks, programme)},
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


def _my_department(request, programme):
    dept_id = request.GET.get("department") or (request.user.department_id or "")
    if not str(dept_id).isdigit():
        return None
    return Department.objects.get_visible_or_404(request.user, pk=int(dept_id))


@staff_required
def task_book(request, pk, dept_pk=None):
    """任务书: the tasks one department leads and joins; HTML, PDF and Excel."""
    programme = _programme(request, pk)
    if dept_pk is None:
        department = _my_department(request, programme)
        if department is None:
            units = Department.objects.filter(reform_tasks_led__programme=programme).distinct()
            return render(
                request,
                "reforms/book_index.html",
                {"programme": programme, "units": units.order_by("name")},
            )
        return redirect("reforms:book", pk=programme.pk, dept_pk=department.pk)
    department = Department.objects.get_visible_or_404(request.user, pk=dept_pk)
    led, joined = selectors.task_book(request.user, programme, department)
    context = {
        "programme": programme,
        "department": department,
        "led": led,
        "joined": joined,
        "today": timezone.localdate(),
    }
    fmt = request.GET.get("format", "")
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
    if not services.is_bureau(request.user):
        raise PermissionDenied(_("只有督查部门可以导入任务。"))
    context = {"programme": programme}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        token = request.POST.get("token", "")
        stored = request.session.get("reforms_import", {})
        if token not in stored:
            messages.error(request, _("导入预览已过期,请重新上传文件。"))
            return redirect("reforms:import", pk=programme.pk)
        name, scratch = stored[token]
        data = uploads.scratch_read(scratch)
        if data is None:  # removed by the uploads sweep after an hour
            stored.pop(token, None)
            request.session["reforms_import"] = stored
            messages.error(request, _("导入预览已过期,请重新上传文件。"))
            return redirect("reforms:import", pk=programme.pk)
        result = parse_file(name, data, year=programme.year)
        confirmed = {}
        for key, value in request.POST.items():
            if key.startswith("unit:") and value.isdigit():
                confirmed[key[5:]] = int(value)
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
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [_("请选择要导入的文件。")]
            return render(request, "reforms/import.html", context, status=400)
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


@staff_required
def task_detail(request, pk):
    task = Task.objects.get_visible_or_404(request.user, pk=pk)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "report":
                milestones = {
                    k[10:]: v
                    for k, v in request.POST.items()
                    if k.startswith("milestone:") and v.strip()
                }
                services.submit_report(
                    task,
                    user=user,
                    percent=request.POST.get("percent"),
                    text=request.POST.get("text", ""),
                    decrease_reason=request.POST.get("decrease_reason", ""),
                    files=request.FILES.getlist("files"),
                    milestone_percents=milestones or None,
                )
                messages.success(request, _("进度已报送,等待审核。"))
            elif action == "contribution":
                services.add_contribution(
                    task,
                    user=user,
                    text=request.POST.get("text", ""),
                    files=request.FILES.getlist("files"),
                )
                messages.success(request, _("分工进展已报送。"))
            elif action in ("accept", "return"):
                report = ProgressReport.objects.visible_to(user).filter(
                    task=task, pk=request.POST.get("report")
                )
                if not report.exists():
                    raise Http404
                services.review_report(
                    report.get(),
                    user=user,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("审核完成。"))
            elif action == "remind":
                services.send_reminder(
                    task,
                    user=user,
                    reason=ReminderReason.MANUAL,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("已催办。"))
            elif action == "milestone":
                services.add_milestone(
                    task,
                    user=user,
                    title=request.POST.get("title", ""),
                    due_date=datetime.date.fromisoformat(request.POST.get("due_date", "")),
                    weight=request.POST.get("weight") or 1,
                )
            else:
                raise ValidationError({"action": _("未知操作。")})
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
            return render(
                request, "reforms/task_detail.html", _task_context(request, task), status=400
            )
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD。"))
            return render(
                request, "reforms/task_detail.html", _task_context(request, task), status=400
            )
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
        and (services.user_leads(user, task) or services.is_bureau(user)),
        "can_contribute": not task.is_closed and services.user_joins(user, task),
        "is_bureau": services.is_bureau(user),
        "max_mb": uploads.max_mb(uploads.REFORM_EVIDENCE),
    }


@staff_required
def supervision(request, pk):
    """督办: pending reviews, escalation list for city leaders, flagged units, reminders."""
    programme = _programme(request, pk)
    if request.method == "POST":
        if not services.is_bureau(request.user):
            raise PermissionDenied(_("只有督查部门可以执行巡检。"))
        r = services.sweep(programme=programme)
        messages.success(
            request,
            _("巡检完成:%(t)d项任务,%(c)d项状态变化,发出%(r)d条催办。")
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
            "is_bureau": services.is_bureau(request.user),
        },
    )


@staff_required
def evidence(request, pk):
    """Evidence files are served only to those who can see the task."""
    ev = EvidenceFile.objects.get_visible_or_404(request.user, pk=pk)
    if not Task.objects.visible_to(request.user).filter(pk=ev.task_id).exists():
        raise Http404
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.original_name)
