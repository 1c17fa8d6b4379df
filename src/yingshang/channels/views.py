"""`/wechat/`: the official account's callback (URL verification and messages)."""

import logging

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
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
            text = handlers.handle(message)
    except protocol.Refused as refusal:
        return _refuse(refusal)
    if not text:
        return HttpResponse("success", content_type="text/plain")
    reply = TextReply(message=message, content=text).render()
    return HttpResponse(
        protocol.seal(config, inbound, reply), content_type="application/xml; charset=utf-8"
    )
