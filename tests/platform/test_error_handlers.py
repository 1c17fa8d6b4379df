"""The error answers test_errors.py does not reach through a route: DRF's exception handler for
each kind of exception (rate limit, body too large, suspicious input, Django's errors without
fields), Django's handlers under /api/ and on pages (the server's message shown only when it is
meant for a person), the CSRF failure, the 429 page in both languages, the middleware's checks
of Content-Length, and the token cache of the system endpoints (api.CachedTokenAuthentication):
a hit, a miss, and revocation by deleting the token or changing its user."""

import json

import pytest
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.utils import translation
from rest_framework import exceptions

from yingshang.platform import errors
from yingshang.platform.ratelimit import RateLimited

PROBLEM = "application/problem+json"
rf = RequestFactory()


def _body(response):
    assert response["Content-Type"] == PROBLEM
    return json.loads(response.content)


# ------------------------------------------------------------------------- DRF's handler


def test_a_rate_limit_in_an_api_view_is_429_with_the_wait_in_words():
    response = errors.exception_handler(RateLimited(125, "cases.track"), {})
    body = _body(response)
    assert response.status_code == 429 and response["Retry-After"] == "125"
    assert body["detail"] == "尝试次数过多，请在 2 分 5 秒后再试。"


def test_a_body_over_the_limit_is_413_naming_the_limit(settings):
    settings.API_MAX_BODY_BYTES = 3 * 1024 * 1024
    response = errors.exception_handler(RequestDataTooBig(), {})
    assert response.status_code == 413
    assert _body(response)["detail"] == "请求内容超过 3 MB 的上限。"


def test_suspicious_input_is_a_400_parse_error():
    response = errors.exception_handler(SuspiciousOperation("bad multipart boundary"), {})
    body = _body(response)
    assert response.status_code == 400
    assert "boundary" not in json.dumps(body)  # Django's technical text is not passed on


def test_a_service_error_without_fields_is_a_non_field_error():
    response = errors.exception_handler(ValidationError(["第一条", "第二条"]), {})
    body = _body(response)
    assert response.status_code == 400
    assert body["errors"] == {"non_field_errors": ["第一条", "第二条"]}
    assert body["detail"] == "第一条"


def test_a_nested_field_error_gives_its_first_message_as_detail():
    exc = exceptions.ValidationError({"materials": [{}, {"name": ["名称过长。"]}]})
    body = _body(errors.exception_handler(exc, {}))
    assert body["detail"] == "名称过长。"
    assert body["errors"]["materials"][1] == {"name": ["名称过长。"]}


def test_an_empty_error_list_falls_back_to_a_general_message():
    body = _body(errors.exception_handler(exceptions.ValidationError({"items": []}), {}))
    assert body["detail"] == "输入有误。"


def test_a_policy_refusal_keeps_its_message_and_404_says_not_found():
    denied = errors.exception_handler(PermissionDenied("只有工作人员可以导出。"), {})
    assert denied.status_code == 403 and _body(denied)["detail"] == "只有工作人员可以导出。"
    missing = errors.exception_handler(Http404("No Case matches the given query."), {})
    assert missing.status_code == 404 and _body(missing)["detail"] == "未找到。"


def test_an_unauthenticated_answer_names_the_scheme():
    exc = exceptions.NotAuthenticated()
    exc.auth_header = 'Token realm="api"'
    response = errors.exception_handler(exc, {})
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Token realm="api"'


def test_an_exception_that_is_no_api_error_is_left_to_django():
    assert errors.exception_handler(RuntimeError("boom"), {}) is None


def test_problem_titles_in_english():
    with translation.override("en"):
        body = _body(errors.problem_response(409))
    assert body["title"] == "Conflict with the current state"
    assert body["detail"] == body["title"]


def test_an_unknown_status_gets_a_general_title():
    assert errors.problem_data(418)["title"] == "请求失败"


# ------------------------------------------------------------------------- Django's handlers


def test_handler400_under_api():
    too_big = errors.handler400(rf.post("/api/cases/"), RequestDataTooBig())
    assert too_big.status_code == 413
    worded = errors.handler400(rf.get("/api/cases/"), BadRequest("页码无效。"))
    assert worded.status_code == 400 and _body(worded)["detail"] == "页码无效。"
    bare = errors.handler400(rf.get("/api/cases/"), SuspiciousOperation("x"))
    assert _body(bare)["detail"] == "请求有误"


def test_handler403_and_404_under_api_are_problems():
    assert _body(errors.handler403(rf.get("/api/x/"), PermissionDenied()))["status"] == 403
    assert _body(errors.handler404(rf.get("/api/x/"), Http404()))["status"] == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "exception", "shown", "hidden"),
    [
        (403, PermissionDenied("只有综合窗口人员可以收件。"), "只有综合窗口人员可以收件。", None),
        (404, Http404("该办件不存在。"), "该办件不存在。", None),
        (404, Http404("No Case matches the given query."), None, "matches the given query"),
        (400, BadRequest("日期格式应为 YYYY-MM-DD。"), "日期格式应为 YYYY-MM-DD。", None),
        # a 400 from Django itself (a suspicious header) may name internals: not shown
        (400, SuspiciousOperation("Invalid HTTP_HOST header: 'evil'"), None, "HTTP_HOST"),
        (404, Http404({"path": "/x/"}), None, "path"),  # the resolver's dictionary
    ],
)
def test_error_pages_show_only_messages_meant_for_people(status, exception, shown, hidden):
    handler = {400: errors.handler400, 403: errors.handler403, 404: errors.handler404}[status]
    response = handler(rf.get("/staff/cases/"), exception)
    page = response.content.decode()
    assert response.status_code == status
    assert errors.titles()[status] in page
    if shown:
        assert shown in page
    if hidden:
        assert hidden not in page


@pytest.mark.django_db
def test_the_error_page_answers_when_the_context_processors_fail(monkeypatch, caplog):
    from yingshang.platform import context

    def broken(request):
        raise RuntimeError("database down")

    monkeypatch.setattr(context, "site", broken)
    request = rf.get("/")
    response = errors.error_page(request, 500)
    assert response.status_code == 500
    assert "服务器处理时出了错" in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_on_a_page_and_under_api():
    page = errors.csrf_failure(rf.post("/staff/cases/intake/"), reason="CSRF token missing")
    assert page.status_code == 403
    assert "页面已过期或浏览器未保存 Cookie" in page.content.decode()
    api = errors.csrf_failure(rf.post("/api/cases/"), reason="CSRF token missing")
    assert api.status_code == 403
    assert _body(api)["detail"] == "请求来源校验失败，请刷新页面后重试。"


@pytest.mark.django_db
def test_handler500_on_a_page_and_under_api():
    page = errors.handler500(rf.get("/staff/"))
    assert page.status_code == 500 and "服务器处理时出了错" in page.content.decode()
    api = errors.handler500(rf.get("/api/cases/"))
    assert _body(api)["detail"] == "服务器内部错误，请稍后再试。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "尝试次数过多，请在 1 分钟后再试。"), ("en", "please try again in 1 min.")],
)
def test_the_429_page_says_how_long_to_wait(language, words):
    with translation.override(language):
        response = errors.rate_limited(rf.get("/track/"), RateLimited(60, "cases.track"))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert words in response.content.decode()


# ------------------------------------------------------------------------- the middleware


@pytest.mark.parametrize("length", ["abc", "-x", "1.5"])
def test_a_malformed_content_length_is_400(length):
    reached = []
    middleware = errors.ApiProblemMiddleware(lambda r: reached.append(r) or HttpResponse("{}"))
    response = middleware(rf.post("/api/cases/", CONTENT_LENGTH=length))
    assert response.status_code == 400
    assert _body(response)["detail"] == "Content-Length 无效。"
    assert not reached  # the view never ran


def test_the_middleware_keeps_allow_and_www_authenticate_when_rewriting():
    def refusal(request):
        response = HttpResponse("Method Not Allowed", status=405, content_type="text/plain")
        response["Allow"] = "GET, HEAD"
        response["WWW-Authenticate"] = "Token"
        return response

    response = errors.ApiProblemMiddleware(refusal)(rf.delete("/api/x/"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD" and response["WWW-Authenticate"] == "Token"
    assert _body(response)["title"] == "不支持该请求方法"


@pytest.mark.django_db
def test_a_rate_limit_raised_on_a_page_is_the_429_page():
    middleware = errors.ApiProblemMiddleware(lambda r: HttpResponse())
    response = middleware.process_exception(rf.get("/track/"), RateLimited(30, "cases.track"))
    assert response.status_code == 429 and "text/html" in response["Content-Type"]
    # other exceptions on a page are left to Django
    assert middleware.process_exception(rf.get("/track/"), RuntimeError()) is None


# ------------------------------------------------------------------------- the token cache


@pytest.fixture
def token(staff):
    from rest_framework.authtoken.models import Token

    from yingshang.platform import api

    api._token_cache.clear()
    yield Token.objects.create(user=staff["chuangkou"])
    api._token_cache.clear()


def _auth(key):
    from yingshang.platform.api import CachedTokenAuthentication

    return CachedTokenAuthentication().authenticate_credentials(key)


def test_a_cached_token_is_read_once_within_its_time(token, django_assert_num_queries, settings):
    settings.API_TOKEN_CACHE_SECONDS = 60
    with django_assert_num_queries(1):
        user, _t = _auth(token.key)
    assert user.username == "chuangkou"
    assert user.division.code == "510700"  # joined in the same query
    with django_assert_num_queries(0):
        again, _t = _auth(token.key)
    assert again.pk == user.pk


def test_no_cache_when_its_time_is_zero(token, django_assert_num_queries, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    _auth(token.key)
    with django_assert_num_queries(1):
        _auth(token.key)


def test_an_unknown_token_is_refused(token):
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth("0" * 40)


def test_deleting_the_token_revokes_it_at_once(token, settings):
    settings.API_TOKEN_CACHE_SECONDS = 60
    _auth(token.key)
    key = token.key
    token.delete()
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(key)


def test_deactivating_the_user_revokes_the_cached_token(token, settings):
    settings.API_TOKEN_CACHE_SECONDS = 60
    _auth(token.key)
    user = token.user
    user.is_active = False
    user.save()
    with pytest.raises(exceptions.AuthenticationFailed) as err:
        _auth(token.key)
    # read again, not served from the cache: DRF's message for an inactive user
    assert str(err.value.detail) == "用户未激活或者已删除。"


def test_the_scoped_authentication_refuses_an_inactive_user(token):
    from yingshang.platform.api import ScopedTokenAuthentication

    user = token.user
    user.is_active = False
    user.save()
    with pytest.raises(exceptions.AuthenticationFailed):
        ScopedTokenAuthentication().authenticate_credentials(token.key)
    with pytest.raises(exceptions.AuthenticationFailed):
        ScopedTokenAuthentication().authenticate_credentials("1" * 40)
