"""Pages of the WeChat binding (channels/binding.py): the web-authorisation round trip, the
binding page (consent + a one-time code to the account's phone) and the person's bindings."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.core.policies import is_portal_user
from yingshang.notifications.public import mask_openid
from yingshang.platform import audit
from yingshang.platform.forms import add_service_errors
from yingshang.platform.masking import mask_phone

from . import binding, services
from .config import get_config
from .models import Follower, RefusalReason

logger = logging.getLogger("yingshang.channels")
MODEL_BACKEND = "yingshang.core.backends.ModelBackend"


def _config_or_404():
    config = get_config()
    if config is None or not config.push_ready:
        raise Http404
    return config


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("cases:my-cases")


@require_GET
def oauth_start(request):
    """Menu entries and pushed links open ``/wechat/oauth/?next=<page>``: off to WeChat's
    authorisation page, back at ``oauth_callback``."""
    config = _config_or_404()
    state = binding.make_state(request.session, _safe_next(request, request.GET.get("next", "")))
    redirect_uri = request.build_absolute_uri(reverse("channels:oauth-callback"))
    return redirect(
        binding.authorize_url(
            config, redirect_uri=redirect_uri, state=state, scope=config.oauth_scope
        )
    )


def _refused(request, reason: str):
    services.count_refusal(RefusalReason.OAUTH)
    logger.info("wechat oauth refused: %s", reason)
    return render(
        request,
        "channels/oauth_refused.html",
        {"reason": reason},
        status=400,
    )


@require_GET
def oauth_callback(request):
    config = _config_or_404()
    try:
        next_url = binding.check_state(request.session, request.GET.get("state", ""))
        identity = binding.identity_from_code(config, request.GET.get("code", ""))
    except binding.OAuthRefused as refused:
        return _refused(request, str(refused))
    _remember(request, identity)
    user = binding.recognise(identity)
    if user is not None:
        if request.user != user:
            auth_login(request, user, backend=MODEL_BACKEND)
            _remember(request, identity)  # login cycled the session
        return redirect(_safe_next(request, next_url))
    return redirect(reverse("channels:bind") + "?" + _query_next(next_url))


def _remember(request, identity) -> None:
    request.session[binding.SESSION_OPENID] = identity.openid
    if identity.unionid:
        request.session[binding.SESSION_UNIONID] = identity.unionid
    else:
        request.session.pop(binding.SESSION_UNIONID, None)


def _query_next(next_url: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": next_url}) if next_url else ""


class BindForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("短信验证码"),
        regex=r"^\d{6}$",
        error_messages={
            "required": gettext_lazy("请填写短信验证码。"),
            "invalid": gettext_lazy("验证码为 6 位数字。"),
        },
    )
    consent = forms.BooleanField(
        label=gettext_lazy("我已阅读并同意绑定说明"),
        error_messages={"required": gettext_lazy("请阅读并同意绑定说明。")},
    )


@require_http_methods(["GET", "POST"])
def bind_view(request):
    """Bind the openid of this browser (from the authorisation) to the logged-in applicant."""
    openid = request.session.get(binding.SESSION_OPENID)
    if not openid:
        return render(request, "channels/bind_needs_wechat.html", status=400)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if not request.user.is_authenticated:
        login = reverse("accounts:login")
        return redirect(f"{login}?{_query_next(request.get_full_path())}")
    if not is_portal_user(request.user):
        return render(request, "channels/bind_needs_wechat.html", {"staff": True}, status=403)
    phone = binding.accounts.phone_of(request.user)
    form = BindForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "send":
            form = BindForm()
            try:
                binding.send_code(user=request.user, ip=audit.client_ip(request))
                messages.success(
                    request, _("验证码已发送到 %(phone)s。") % {"phone": mask_phone(phone)}
                )
            except ValidationError as exc:  # resend too soon, limits, SMS refused
                form.cleaned_data = {}  # an unbound form has none; add_error reads it
                add_service_errors(form, exc)
        elif form.is_valid():
            try:
                binding.bind(
                    user=request.user,
                    openid=openid,
                    code=form.cleaned_data["code"],
                    consent=form.cleaned_data["consent"],
                    unionid=request.session.get(binding.SESSION_UNIONID, ""),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("微信已绑定，办件进度将推送到微信。"))
                return redirect(next_url)
    return render(
        request,
        "channels/bind.html",
        {
            "form": form,
            "masked_phone": mask_phone(phone) if phone else "",
            "masked_openid": mask_openid(openid),
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def bindings_view(request):
    if not is_portal_user(request.user):
        raise Http404
    rows = [
        {"pk": f.pk, "openid": mask_openid(f.openid), "bound_at": f.bound_at}
        for f in binding.bindings_of(request.user)
    ]
    return render(request, "channels/bindings.html", {"bindings": rows})


@login_required
@require_POST
def unbind_view(request, pk: int):
    if not is_portal_user(request.user):
        raise Http404
    try:
        binding.unbind(user=request.user, pk=pk)
    except Follower.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("已解除绑定，不再向该微信推送消息。"))
    return redirect("channels:bindings")
