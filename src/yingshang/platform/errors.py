"""Errors of the API in one format: RFC 9457 problem details (``application/problem+json``).

Every answer ≥ 400 under ``/api/`` carries::

    {"type": "about:blank", "title": "未找到", "status": 404, "detail": "未找到。"}

and, for 400, ``errors``: the field errors (field → list of messages, ``non_field_errors`` for
the rest). For compatibility the field errors are also members of the object itself, except a
field named like a problem member (``type``, ``title``, ``status``, ``detail``, ``instance``,
``errors``), which is only in ``errors``.

Three pieces produce it:

- :func:`exception_handler`, DRF's ``EXCEPTION_HANDLER``: every exception of an API view, Django's
  ``ValidationError`` from a service, a body over the size limit (413) and a database that is down
  (503 with ``Retry-After``);
- :func:`handler404`, :func:`handler500`, :func:`handler400`, :func:`handler403`, Django's handlers
  (set in ``yingshang/urls.py``): a URL under ``/api/`` that matches no route, an exception outside
  DRF; other paths get the site's designed pages (:func:`error_page`, templates/400.html …);
- :class:`ApiProblemMiddleware`: refuses a body over ``API_MAX_BODY_BYTES`` before any view reads
  it, turns a database error raised anywhere in the request into 503, and rewrites any other
  non-JSON error answer under ``/api/`` (from a middleware or a library) into a problem.

Titles are short, in the user's language (zh-hans; English under ``Accept-Language: en``).
"""

import json
import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
RESERVED = {"type", "title", "status", "detail", "instance", "errors"}
DATABASE_ERRORS = (OperationalError, InterfaceError)


def retry_after_seconds() -> int:
    return int(getattr(settings, "API_RETRY_AFTER_SECONDS", 30))


def titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        401: _("未登录"),
        403: _("没有权限"),
        404: _("未找到"),
        405: _("不支持该请求方法"),
        406: _("无法提供所要求的格式"),
        409: _("与当前状态冲突"),
        413: _("请求内容过大"),
        415: _("不支持的内容类型"),
        429: _("请求过于频繁"),
        500: _("服务器内部错误"),
        503: _("服务暂时不可用"),
    }


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def problem_data(status: int, detail=None, *, errors=None, **extra) -> dict:
    title = titles().get(status) or _("请求失败")
    data = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if errors is not None:
        data["errors"] = errors
        for key, value in errors.items():
            if key not in RESERVED:
                data.setdefault(key, value)
    data.update(extra)
    return data


def problem_response(status: int, detail=None, *, errors=None, headers=None) -> HttpResponse:
    """A problem-details answer, always JSON whatever the client asked to be rendered."""
    body = json.dumps(
        problem_data(status, detail, errors=errors), cls=JSONEncoder, ensure_ascii=False
    )
    response = HttpResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def database_unavailable() -> HttpResponse:
    return problem_response(
        503,
        _("数据库暂时无法访问，请稍后再试。"),
        headers={"Retry-After": str(retry_after_seconds())},
    )


def too_large() -> HttpResponse:
    return problem_response(
        413,
        _("请求内容超过 %(mb)s MB 的上限。") % {"mb": _max_body_bytes() // (1024 * 1024)},
    )


def _first_message(errors) -> str | None:
    if isinstance(errors, dict):
        for value in errors.values():
            if (found := _first_message(value)) is not None:
                return found
        return None
    if isinstance(errors, list):
        for value in errors:
            if (found := _first_message(value)) is not None:
                return found
        return None
    return str(errors)


def _validation_response(detail) -> HttpResponse:
    errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    return problem_response(400, _first_message(errors) or _("输入有误。"), errors=errors)


def rate_limited(request, exc) -> HttpResponse:
    """429 for a look-up over its limit (``platform.ratelimit``): a problem under ``/api/``, a
    page in words (the wait included) elsewhere; ``Retry-After`` on both."""
    from django.template.loader import render_to_string

    from .ratelimit import message

    headers = {"Retry-After": str(exc.retry_after)}
    if request is None or is_api(request):
        return problem_response(429, message(exc.retry_after), headers=headers)
    body = render_to_string(
        "429.html",
        {"retry_after": exc.retry_after, "message": message(exc.retry_after)},
        request=request,
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response


def exception_handler(exc, context):
    """DRF's exception handler: every API error as a problem (see the module's doc)."""
    from .ratelimit import RateLimited

    if isinstance(exc, RateLimited):
        set_rollback()
        return rate_limited(None, exc)
    if isinstance(exc, DATABASE_ERRORS):
        logger.error("database unavailable: %s", exc)
        return database_unavailable()
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    if isinstance(exc, Http404):
        # One translated answer for missing and out-of-scope objects alike ("未找到。").
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django logs it and answers through handler500
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        response = _validation_response(exc.detail)
    else:
        detail = exc.detail
        if isinstance(detail, (list, dict)):
            response = problem_response(exc.status_code, _first_message(detail), errors=detail)
        else:
            response = problem_response(exc.status_code, detail)
    for name, value in headers.items():
        response[name] = value
    return response


# ------------------------------------------------------------------- Django's error handlers


def _explanations() -> dict[int, str]:
    return {
        400: _("服务器无法处理这个请求：网址或提交的内容不完整或格式不对。"),
        403: _("您没有权限打开这个页面或进行这项操作。"),
        404: _("没有找到您要的页面或记录。"),
        500: _("服务器处理时出了错。"),
    }


def _server_message(status: int, exception) -> str:
    """The message the code raised with, when it is meant for the user: a ``PermissionDenied``'s
    or ``BadRequest``'s text, an ``Http404`` raised with words. Never Django's own technical
    texts (the resolver's dictionary, ``No Case matches the given query.``, a suspicious
    header), which may name internals."""
    # a policy's message is a lazy translation (gettext_lazy): words all the same
    if exception is None or not exception.args or not isinstance(exception.args[0], str | Promise):
        return ""
    if status == 400 and not isinstance(exception, BadRequest):
        return ""
    message = str(exception.args[0]).strip()
    if message.startswith("No ") and message.endswith(" matches the given query."):
        return ""
    return message


def error_page(request, status: int, exception=None) -> HttpResponse:
    """The site's designed error page (templates/<status>.html in the site's frame): what
    happened, the server's message, where to go next. Falls back to rendering without the
    request's context processors (which read the database) when those fail, as a 500 may come
    from a database that is down."""
    from django.template.loader import render_to_string
    from django.urls import NoReverseMatch, reverse

    try:
        track_url = reverse("cases:track")
    except NoReverseMatch:
        track_url = "/track/"
    context = {
        "status": status,
        "title": titles()[status],
        "explanation": _explanations()[status],
        "detail": _server_message(status, exception),
        "track_url": track_url,
    }
    template = f"{status}.html"
    try:
        body = render_to_string(template, context, request=request)
    except Exception:  # noqa: BLE001 - the error page must answer whatever broke
        logger.exception("error page %s rendered without the request's context", status)
        body = render_to_string(template, context)
    return HttpResponse(body, status=status)


def handler400(request, exception=None):
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        if isinstance(exception, BadRequest) and exception.args:
            return problem_response(400, str(exception.args[0]))
        return problem_response(400)
    return error_page(request, 400, exception)


def handler403(request, exception=None):
    if is_api(request):
        return problem_response(403, str(exceptions.PermissionDenied.default_detail))
    return error_page(request, 403, exception)


def handler404(request, exception=None):
    if is_api(request):
        return problem_response(404, str(exceptions.NotFound.default_detail))
    return error_page(request, 404, exception)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent with a missing or stale CSRF token (a page left open
    past the session, cookies refused) — the 403 page saying what to do, not Django's page."""
    if is_api(request):
        return problem_response(403, _("请求来源校验失败，请刷新页面后重试。"))
    return error_page(
        request,
        403,
        DjangoPermissionDenied(_("页面已过期或浏览器未保存 Cookie，请刷新页面后重新提交。")),
    )


def handler500(request):
    # Called inside Django's ``except`` block: the exception is still at hand.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS) and is_api(request):
        return database_unavailable()
    if is_api(request):
        return problem_response(500, _("服务器内部错误，请稍后再试。"))
    return error_page(request, 500)


# ------------------------------------------------------------------- middleware


def _max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def _has_nul(request) -> bool:
    """A NUL character in the path or the query string (forms refuse it in bodies)."""
    if "\x00" in request.path:
        return True
    return any("\x00" in k or "\x00" in v for k, v in request.GET.items())


class ApiProblemMiddleware:
    """Under ``/api/``: 413 for a body over the limit (before anything reads it), 503 for a
    database error raised in a view, and problem details for any other non-JSON error answer.
    Placed first in ``MIDDLEWARE`` so that it sees what every other middleware answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            # PostgreSQL cannot hold a NUL character: a look-up by it would fail in the database.
            raise BadRequest(_("请求中含有不允许的空字符（NUL）。"))
        if not is_api(request):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(400, _("Content-Length 无效。"))
        if length > _max_body_bytes():
            return too_large()
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            rewritten = problem_response(response.status_code)
            for name in ("Retry-After", "Allow", "WWW-Authenticate"):
                if name in response:
                    rewritten[name] = response[name]
            return rewritten
        return response

    def process_exception(self, request, exception):
        from .ratelimit import RateLimited

        if isinstance(exception, RateLimited):
            return rate_limited(request, exception)
        if is_api(request) and isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s", exception)
            return database_unavailable()
        return None


# ------------------------------------------------------------------- OpenAPI

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. For 400, `errors` maps each field to its messages "
    "(`non_field_errors` for the rest); the same field keys also appear at the top level.",
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "请求有误"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string", "example": "该字段是必填项。"},
        "errors": {
            "type": "object",
            # a field's messages (a list), or the errors of a nested or list field (an object
            # keyed by sub-field or index)
            "additionalProperties": {"type": ["array", "object"]},
            "example": {"name": ["该字段是必填项。"]},
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    "400": "Bad input: field errors in `errors`",
    "401": "Token missing or invalid",
    "403": "Not allowed",
    "404": "Not found, or outside the caller's scope",
    "405": "Method not allowed",
    "409": "Conflicts with the current state",
    "413": "Request body too large",
    "415": "Unsupported content type",
    "429": "Too many requests; retry after `Retry-After` seconds",
    "500": "Server error",
    "503": "Database unavailable; retry after `Retry-After` seconds",
}


def problem_responses(*codes: int) -> dict:
    """The standard error answers an operation gives beyond those every operation gets, for
    ``@extend_schema(responses={200: Serializer, **problem_responses(404, 429)})``: each a
    problem-details body (``application/problem+json``, the ``Problem`` component, filled in
    by :func:`openapi_problem_responses`)."""
    from drf_spectacular.utils import OpenApiResponse

    return {code: OpenApiResponse(description=_DESCRIPTIONS[str(code)]) for code in codes}


def openapi_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the ``Problem`` component, and the error answers
    every operation can give (400 with parameters or a body, 404 with path parameters, 413/415
    with a body, 401/403 unless public, 500/503 always) unless the view documents its own."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for op in operations.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            params = op.get("parameters", [])
            codes = ["500", "503"]
            if params or "requestBody" in op:
                codes.append("400")
            if any(p.get("in") == "path" for p in params):
                codes.append("404")
            if "requestBody" in op:
                codes += ["413", "415"]
            if op.get("security") != [{}] and {} not in op.get("security", []):
                codes += ["401", "403"]
            for code in codes:
                op["responses"].setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, answer in op["responses"].items():
                # every error answer, also those a view declares (``problem_responses``)
                if str(code).isdigit() and int(code) >= 400:
                    answer.setdefault("content", ref)
    return result
