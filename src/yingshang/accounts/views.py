"""Pages of applicant accounts: 申请人登录 (password or SMS code), registration of persons and
enterprises, password reset, my account (data export, deletion), and, in the demo, the SMS the
fake provider received. Staff log in on their own page (core: 工作人员登录)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingshang.core.policies import is_portal_user
from yingshang.platform import audit
from yingshang.platform.forms import add_service_errors
from yingshang.platform.masking import mask_phone

from . import forms, selectors, services
from .models import CodePurpose

MODEL_BACKEND = "yingshang.core.backends.ModelBackend"
STAFF_PREFIXES = ("/staff/", "/admin/")


def _next(request) -> str:
    value = request.POST.dict().get("next") if request.method == "POST" else None
    value = value or request.GET.dict().get("next") or ""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _done(request, user):
    auth_login(request, user, backend=MODEL_BACKEND)
    return redirect(_next(request) or reverse("accounts:home"))


def _send(request, form: forms.PhoneForm, purpose: str) -> None:
    """The 获取验证码 button: validate the phone only, send, report beside the phone field."""
    if not form.has_error("phone") and "phone" in getattr(form, "cleaned_data", {}):
        try:
            services.request_code(
                phone=form.cleaned_data["phone"], purpose=purpose, ip=audit.client_ip(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return
        form.code_sent = True
        messages.info(
            request,
            _("验证码已发送至 %(p)s,5分钟内有效。") % {"p": mask_phone(form.cleaned_data["phone"])}
            if purpose == CodePurpose.REGISTER
            else _("如该手机号已注册，验证码已发送至 %(p)s,5分钟内有效。")
            % {"p": mask_phone(form.cleaned_data["phone"])},
        )


def _phone_only(form):
    """Run only the phone field's validation of a bound form (for the 获取验证码 button)."""
    phone = forms.PhoneForm(form.data, prefix=form.prefix)
    phone.is_valid()
    form.cleaned_data = dict(getattr(phone, "cleaned_data", {}))
    form._errors = ErrorDict()
    if "phone" in phone.errors:
        form._errors["phone"] = phone.errors["phone"]
    return form


def _context(request, **extra):
    ctx = {
        "next": _next(request),
        "demo": selectors.demo_context(),
        "staff_login": reverse("core:login"),
    }
    ctx.update(extra)
    return ctx


def login_view(request):
    """申请人登录: by password (optionally with a code, ``ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE``)
    or by SMS code alone. A staff page's ``next`` goes to the staff login page."""
    nxt = _next(request)
    if nxt.startswith(STAFF_PREFIXES):
        return redirect(f"{reverse('core:login')}?{urllib.parse.urlencode({'next': nxt})}")
    if request.user.is_authenticated and is_portal_user(request.user):
        return redirect(nxt or reverse("accounts:home"))
    pw_form = forms.PasswordLoginForm(prefix="pw")
    sms_form = forms.CodeLoginForm(prefix="sms")
    active, status = "sms", 200
    if request.method == "POST":
        op = forms.OpForm(request.POST).value()
        if op == "password":
            active = "password"
            pw_form = forms.PasswordLoginForm(request.POST, prefix="pw")
            if pw_form.is_valid():
                user = _password_user(request, pw_form)
                if user is not None:
                    return _done(request, user)
        else:
            sms_form = forms.CodeLoginForm(request.POST, prefix="sms")
            if op == "send":
                _send(request, _phone_only(sms_form), CodePurpose.LOGIN)
            elif sms_form.is_valid():
                try:
                    user = services.login_by_code(
                        phone=sms_form.cleaned_data["phone"], code=sms_form.cleaned_data["code"]
                    )
                except ValidationError as exc:
                    add_service_errors(sms_form, exc)
                else:
                    if is_portal_user_candidate(user):
                        return _done(request, user)
                    sms_form.add_error(None, _("工作人员请从“工作人员登录”页面登录。"))
        status = 400 if (pw_form.errors or sms_form.errors) else 200
    return render(
        request,
        "accounts/login.html",
        _context(
            request,
            pw_form=pw_form,
            sms_form=sms_form,
            active=active,
            requires_code=getattr(settings, "ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE", False),
            oidc=selectors.identity_provider_name(),
        ),
        status=status,
    )


def is_portal_user_candidate(user) -> bool:
    return not user.role and not user.is_superuser and user.is_active


def _password_user(request, form):
    login = form.cleaned_data["login"].strip()
    account = services.account_by_phone(login)
    username = account.user.username if account is not None else login
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is None:
        form.add_error(None, _("手机号/用户名或密码错误，请重试。多次失败将被暂时锁定。"))
        return None
    if not is_portal_user_candidate(user):
        form.add_error(None, _("工作人员请从“工作人员登录”页面登录。"))
        return None
    if getattr(settings, "ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE", False):
        acc = selectors.account_of(user)
        if acc is None or not acc.phone:
            form.add_error("code", _("该账号未绑定手机号，请使用实名认证登录。"))
            return None
        try:
            services.codes.verify_code(
                phone=acc.phone, purpose=CodePurpose.LOGIN, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return None
    return user


def register_choice(request):
    return render(request, "accounts/register_choice.html", _context(request))


def _register(request, form_class, service, template):
    form = form_class()
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        op = forms.OpForm(request.POST).value()
        if op == "send":
            _send(request, _phone_only(form), CodePurpose.REGISTER)
        elif form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("password2", None)
            data.pop("agree", None)
            data["password"] = data.pop("password1")
            try:
                account = service(**data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("注册成功。"))
                auth_login(request, account.user, backend=MODEL_BACKEND)
                if account.kind == "enterprise":
                    messages.info(
                        request,
                        _("企业经办申请待核验：请在“我的企业”中完成验证码核验或等待工作人员审核。"),
                    )
                    return redirect("registry:my-enterprises")
                return redirect(_next(request) or reverse("accounts:home"))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, _context(request, form=form), status=status)


def register_person(request):
    return _register(
        request, forms.PersonRegisterForm, services.register_person, "accounts/register_person.html"
    )


def register_enterprise(request):
    return _register(
        request,
        forms.EnterpriseRegisterForm,
        services.register_enterprise,
        "accounts/register_enterprise.html",
    )


def reset(request):
    form = forms.ResetForm()
    if request.method == "POST":
        form = forms.ResetForm(request.POST)
        op = forms.OpForm(request.POST).value()
        if op == "send":
            _send(request, _phone_only(form), CodePurpose.RESET)
        elif form.is_valid():
            try:
                services.reset_password(
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("密码已重置，请用新密码登录。"))
                return redirect("accounts:login")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/reset.html", _context(request, form=form), status=status)


def _applicant(request):
    if not is_portal_user(request.user):
        raise PermissionDenied(_("工作人员账号没有申请人账号页面。"))


@login_required
def home(request):
    _applicant(request)
    return render(
        request,
        "accounts/home.html",
        _context(
            request,
            account=selectors.account_of(request.user),
            person=selectors.person_of(request.user),
            authorisations=selectors.authorisations_of(request.user),
            oidc=selectors.identity_provider_name(),
        ),
    )


@login_required
def export(request):
    """PIPL: the applicant's own data as a JSON download."""
    _applicant(request)
    data = services.export_data(user=request.user)
    resp = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    resp["Content-Disposition"] = 'attachment; filename="my-data.json"'
    resp["Cache-Control"] = "no-store"
    return resp


@login_required
def delete(request):
    _applicant(request)
    form = forms.DeleteForm(user=request.user)
    if request.method == "POST":
        form = forms.DeleteForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.delete_account(user=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                logout(request)
                messages.success(request, _("账号已注销，您的个人信息已删除。"))
                return redirect("/")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/delete.html", _context(request, form=form), status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")


def demo_sms(request):
    """Demo only: the SMS the local fake provider received (``SMS_ENDPOINT`` on this machine),
    so that a visitor can log in with a code. 404 elsewhere."""
    found = selectors.fake_sms_messages()
    if found is None:
        raise Http404
    return render(request, "accounts/demo_sms.html", {"sms": found[-30:][::-1]})
