from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from yingshang.platform import audit
from yingshang.platform.models import AuditAction

from . import forms, selectors


def staff_required(view):
    """Login required — on 工作人员登录, not the applicants' page that is ``LOGIN_URL`` — and the
    account must be a staff member (portal users get 403)."""

    @login_required(login_url="core:login")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff_member:
            raise PermissionDenied(_("仅限工作人员访问。"))
        return view(request, *args, **kwargs)

    return wrapper


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if not self.request.user.is_staff_member:
            return "/"
        return super().get_default_redirect_url()


# The module links of the workbench: (url name, label, who may open it; None = every staff).
MODULES = [
    ("cases:queue", _lazy("办件队列"), None),
    ("cases:intake", _lazy("综合窗口收件"), "write"),
    ("catalog:staff-list", _lazy("政务服务事项"), None),
    ("reforms:programme-list", _lazy("督查督办"), None),
    ("appeals:queue", _lazy("企业诉求"), None),
    ("appeals:commitments", _lazy("承诺事项"), None),
    ("evaluations:list", _lazy("好差评"), None),
    ("evaluations:rectifications", _lazy("差评整改"), None),
    ("monitoring:dashboard", _lazy("营商环境动态监测"), None),
    ("monitoring:supervision", _lazy("效能监督"), None),
    ("monitoring:benchmarks", _lazy("对标数据"), None),
    ("core:division-list", _lazy("行政区划"), None),
    ("core:department-list", _lazy("部门"), None),
    ("workdays:calendar", _lazy("工作日历"), None),
    ("core:audit-list", _lazy("审计日志"), "audit"),
    ("notifications:inbox", _lazy("消息中心"), None),
]


def _module_links(user) -> list[tuple[str, str]]:
    from django.urls import NoReverseMatch, reverse

    from yingshang.platform.scoping import can_write
    from yingshang.platform.workbench import module_allowed

    allowed = {None: True, "write": can_write(user), "audit": selectors.can_read_audit(user)}
    links = []
    for name, label, needs in MODULES:
        gate = module_allowed(name, user)  # the owning app's rule, where it registered one
        if not allowed[needs] or gate is False:
            continue
        try:
            links.append((reverse(name), str(label)))
        except NoReverseMatch:
            continue
    return links


@staff_required
def home(request):
    """工作台: the person's to-dos (cards that the apps contribute, platform/workbench.py), then
    the modules they may open."""
    from yingshang.platform.workbench import TODO, cards_for

    cards = cards_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "todo_cards": [c for c in cards if c.group == TODO],
            "watch_cards": [c for c in cards if c.group != TODO],
            "links": _module_links(request.user),
            "role_label": request.user.get_role_display() if request.user.role else "",
        },
    )


@staff_required
def division_list(request):
    divisions = selectors.divisions_for(request.user).select_related("parent")
    return render(request, "core/division_list.html", {"divisions": divisions})


@staff_required
def department_list(request):
    filters = forms.DepartmentFilterForm(request.GET)
    qs = selectors.departments_for(
        request.user,
        search=filters.value("q", ""),
        division_code=filters.value("division", ""),
    )
    page = filters.page_of(qs)
    return render(
        request,
        "core/department_list.html",
        {"page": page, "q": filters.value("q", ""), "filter_form": filters},
    )


@staff_required
def department_detail(request, pk):
    department = selectors.department_for_staff(request.user, pk)
    staff = selectors.staff_for(request.user).filter(department=department)
    return render(
        request, "core/department_detail.html", {"department": department, "staff": staff}
    )


@staff_required
def audit_list(request):
    if not selectors.can_read_audit(request.user):
        raise PermissionDenied(_("只有监督员和管理员可以查看审计日志。"))
    filter_form = forms.AuditFilterForm(request.GET)
    qs = selectors.audit_entries_for(request.user, **filter_form.audit_filters())
    page = filter_form.page_of(qs.select_related("actor"))
    rows = [
        {
            "entry": e,
            "object_type": audit.object_type_name(e.object_type),
            "changes": audit.describe_changes(e),
        }
        for e in page
    ]
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "rows": rows,
            "actions": AuditAction.choices,
            "filters": request.GET,
            "querystring": filter_form.querystring(),
            "filter_form": filter_form,
        },
    )


# --- 我的导出 (background exports, platform/export_jobs.py) -------------------------------------


@staff_required
@require_POST
def export_start(request, kind):
    """The export buttons of the lists post here with the list's filters in the query string:
    a small export answers with the file at once, a big one runs in the background and the
    person goes to 我的导出 to watch it."""
    from django.core.exceptions import ValidationError

    from yingshang.platform import export_jobs
    from yingshang.platform.models import ExportStatus

    try:
        job = export_jobs.start(user=request.user, kind=kind, params=request.GET)
    except ValidationError as exc:  # an unknown kind
        raise Http404 from exc
    if job.status == ExportStatus.DONE and job.rows_total is not None:
        if job.rows_total <= export_jobs.sync_rows():
            return redirect("core:export-download", pk=job.pk)
    messages.info(
        request,
        _("“%(k)s”导出已开始，完成后可在此下载，也会收到消息通知。")
        % {"k": export_jobs.kind_label(job.kind)},
    )
    return redirect(reverse("core:exports") + f"#export-{job.pk}")


@staff_required
def exports(request):
    from yingshang.platform import export_jobs

    jobs = list(export_jobs.jobs_for(request.user)[:50])
    return render(
        request,
        "core/exports.html",
        {
            "jobs": [{"job": j, "label": export_jobs.kind_label(j.kind)} for j in jobs],
            "keep_days": export_jobs.keep_days(),
        },
    )


@staff_required
def export_status(request, pk):
    from yingshang.platform import export_jobs

    job = export_jobs.job_for_owner(request.user, pk)
    response = JsonResponse(
        export_jobs.status_of(job, reverse("core:export-download", args=[job.pk]))
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def export_download(request, pk):
    from yingshang.platform import export_jobs

    job = export_jobs.job_for_owner(request.user, pk)
    handle, content_type = export_jobs.open_file(job)
    return FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type=content_type
    )


@staff_required
@require_POST
def export_discard(request, pk):
    from django.core.exceptions import ValidationError

    from yingshang.platform import export_jobs

    try:
        export_jobs.discard(user=request.user, pk=pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("导出文件已删除。"))
    return redirect("core:exports")
