"""`/wechat/`: the official account's callback (URL verification and messages)."""

import logging

from django import forms
from django.conf import settings
from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wechatpy import parse_message
from wechatpy.replies import TextReply

from . import handlers, protocol, services
from .config import get_config
from .models import RefusalReason

logger = logging.getLogger("yingshang.channels")


def max_body_bytes() -> int:
    return int(getattr(settings, "WECHAT_MAX_BODY_BYTES", 64 * 1024))


def _refuse(refusal: protocol.Refused) -> HttpResponse:
    services.count_refusal(refusal.reason)
    logger.info("wechat callback refused: %s", refusal.reason)
    return HttpResponse(status=refusal.status, content=b"", content_type="text/plain")


def _read_body(request) -> bytes:
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise protocol.Refused(RefusalReason.OVERSIZE, 413)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise protocol.Refused(RefusalReason.OVERSIZE, 413)
    return body


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request):
    config = get_config()
    if config is None or not config.callback_ready:
        raise Http404
    try:
        if request.method == "GET":
            echostr = protocol.verify_url(config, request.GET)
            return HttpResponse(echostr, content_type="text/plain")
        body = _read_body(request)
        inbound = protocol.open_envelope(config, body, request.GET)
        with transaction.atomic():  # the nonce and the answer's writes: one commit
            services.remember_nonce(inbound.nonce, inbound.timestamp)
            message = parse_message(inbound.xml)
            writes = services.DomainWrites()
            with connection.execute_wrapper(writes):
                text = handlers.handle(message)
            if not writes.seen:  # a question answered: only guard rows were written
                services.relax_commit()
    except protocol.Refused as refusal:
        return _refuse(refusal)
    if not text:
        return HttpResponse("success", content_type="text/plain")
    reply = TextReply(message=message, content=text).render()
    return HttpResponse(
        protocol.seal(config, inbound, reply), content_type="application/xml; charset=utf-8"
    )


def _openid_field():
    return forms.RegexField(
        label=_("OpenID"),
        regex=r"^[A-Za-z0-9_-]{20,64}$",
        error_messages={"invalid": _("OpenID 为 20–64 位字母、数字、下划线或短横线。")},
    )


class OpenIdQuery(forms.Form):
    """``?openid=`` of the simulator page (whose pushes to show)."""

    openid = _openid_field()


class PhoneForm(forms.Form):
    openid = _openid_field()
    kind = forms.ChoiceField(label=_("动作"), choices=[])
    content = forms.CharField(label=_("内容"), max_length=600, required=False)

    def __init__(self, *args, **kwargs):
        from . import phone

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, phone.describe(k)) for k in phone.KINDS]

    def clean(self):
        data = super().clean()
        if data.get("kind") in ("text", "click", "scan") and not data.get("content"):
            self.add_error("content", _("这个动作需要内容（文字、事件键值或场景值）。"))
        return data


SIMULATOR_OPENID = "oSIMULATOR0000000000demo"
HISTORY = 20


def phone_simulator(request):
    """手机模拟器: superusers only (it speaks for any openid); 404 for everyone else and when
    the account is not configured."""
    from . import phone

    user = request.user
    if not (user.is_authenticated and user.is_superuser):
        raise Http404
    config = get_config()
    if config is None or not config.callback_ready:
        raise Http404
    history = request.session.get("wechat_phone", [])
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if form.is_valid():
            exchange = phone.send(config, **form.cleaned_data)
            history = (history + [exchange.__dict__])[-HISTORY:]
            request.session["wechat_phone"] = history
            form = PhoneForm(initial={"openid": form.cleaned_data["openid"], "kind": "text"})
    else:
        asked = OpenIdQuery(request.GET)
        openid = asked.cleaned_data["openid"] if asked.is_valid() else SIMULATOR_OPENID
        form = PhoneForm(initial={"openid": openid, "kind": "subscribe"})
    openid = form["openid"].value() or SIMULATOR_OPENID
    follower = services.follower(openid)
    user_phone = getattr(getattr(follower, "user", None), "phone", "") if follower else ""
    return render(
        request,
        "channels/phone.html",
        {
            "form": form,
            "history": history,
            "openid": openid,
            "pushes": phone.pushes_for(config, openid),
            "sms": phone.sms_for(user_phone),
            "encrypted": bool(config.encoding_aes_key),
        },
    )


@require_http_methods(["GET"])
def refusals_view(request):
    """拒绝统计: the callback's, the authorisation's and the binding's refusals per reason and
    day, for the city's supervisors (404 for everyone else)."""
    from . import selectors
    from .policies import may_see_refusals

    if not may_see_refusals(request.user):
        raise Http404
    return render(request, "channels/refusals.html", selectors.refusals())
