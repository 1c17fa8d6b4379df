from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from yingshang.platform import audit
from yingshang.platform.exports import xlsx_response
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


@staff_required
def home(request):
    from django.urls import NoReverseMatch, reverse

    links = []
    for name, label in [
        ("cases:queue", _("办件队列")),
        ("cases:intake", _("综合窗口收件")),
        ("catalog:staff-list", _("政务服务事项")),
        ("reforms:programme-list", _("督查督办")),
        ("appeals:queue", _("企业诉求")),
        ("appeals:commitments", _("承诺事项")),
        ("evaluations:list", _("好差评")),
        ("evaluations:rectifications", _("差评整改")),
        ("monitoring:dashboard", _("营商环境动态监测")),
        ("monitoring:supervision", _("效能监督")),
        ("monitoring:benchmarks", _("对标数据")),
        ("core:division-list", _("行政区划")),
        ("core:department-list", _("部门")),
        ("workdays:calendar", _("工作日历")),
        ("core:audit-list", _("审计日志")),
        ("notifications:inbox", _("消息中心")),
    ]:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return render(
        request,
        "core/home.html",
        {
            "links": links,
            "divisions": selectors.divisions_for(request.user).count(),
            "departments": selectors.departments_for(request.user).count(),
            "staff": selectors.staff_for(request.user).count(),
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
    page = filter_form.page_of(qs)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "actions": AuditAction.choices,
            "filters": request.GET,
            "querystring": filter_form.querystring(),
            "filter_form": filter_form,
        },
    )


@staff_required
def audit_export(request):
    if not selectors.can_read_audit(request.user):
        raise PermissionDenied(_("只有监督员和管理员可以导出审计日志。"))
    filter_form = forms.AuditFilterForm(request.GET)
    qs = selectors.audit_entries_for(request.user, **filter_form.audit_filters())[:100_000]
    headers = [
        _("时间"),
        _("操作人"),
        _("来源地址"),
        _("渠道"),
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("变更内容"),
    ]
    rows = (
        (
            e.at.astimezone().replace(tzinfo=None),
            e.actor_name,
            e.ip or "",
            e.channel,
            e.get_action_display(),
            e.object_type,
            e.object_id,
            e.object_repr,
            str(e.changes) if e.changes else "",
        )
        for e in qs.iterator()
    )
    audit.record(
        AuditAction.EXPORT,
        object_type="platform.AuditEntry",
        object_repr=_("审计日志导出"),
        changes={"filters": request.GET.dict()},
    )
    return xlsx_response("audit.xlsx", _("审计日志"), headers, rows)
