"""Everything under /api/ answers RFC 9457 problem details (application/problem+json) for every
error status, including a URL that matches no route and a database that is down; other paths
keep Django's pages."""

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.exceptions import Throttled

from yingshang.platform import errors

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def anon(db):
    return Client(raise_request_exception=False)


def test_400_field_errors_in_errors_and_at_top_level(anon, mianyang):
    body = assert_problem(anon.get("/api/evaluations/stats/", {"year": "14105"}), 400)
    assert body["title"] == "请求有误"
    assert "2100" in body["errors"]["year"][0]
    assert body["year"] == body["errors"]["year"]  # the old shape stays readable
    assert body["detail"] == body["errors"]["year"][0]


def test_400_field_named_like_a_problem_member_is_only_in_errors():
    response = errors.exception_handler(
        __import__("rest_framework").exceptions.ValidationError(
            {"status": ["状态不允许。"], "title": ["太长。"], "name": ["必填。"]}
        ),
        {},
    )
    import json

    body = json.loads(response.content)
    assert body["status"] == 400 and body["title"] == "请求有误"
    assert body["errors"] == {"status": ["状态不允许。"], "title": ["太长。"], "name": ["必填。"]}
    assert body["name"] == ["必填。"]


def test_400_from_a_service_validation_error(staff, login):
    client = login(staff["chengban"])
    r = client.post(
        "/api/appeals/sessions/", {"date": "not a date"}, content_type="application/json"
    )
    body = assert_problem(r, 400)
    assert "date" in body["errors"]


def test_400_malformed_json(staff, login):
    r = login(staff["chengban"]).post(
        "/api/appeals/sessions/", "{not json", content_type="application/json"
    )
    assert_problem(r, 400)


def test_401_without_credentials_and_with_a_bad_token(anon, mianyang):
    r = anon.get("/api/cases/")
    body = assert_problem(r, 401)
    assert r["WWW-Authenticate"] == "Token"
    assert body["title"] == "未登录"
    r = anon.get("/api/cases/", HTTP_AUTHORIZATION="Token nope")
    assert_problem(r, 401)


def test_403_for_a_role_without_the_right(staff, login):
    r = login(staff["shilingdao"]).post(
        "/api/appeals/sessions/", {"date": "2019-02-21"}, content_type="application/json"
    )
    assert assert_problem(r, 403)["title"] == "没有权限"


def test_404_object_route_and_english(anon, staff, login):
    client = login(staff["admin"])
    assert assert_problem(client.get("/api/cases/12345678/"), 404)["detail"] == "未找到。"
    # a URL under /api/ that matches no route: Django's handler404, in the API's format
    body = assert_problem(client.get("/api/no-such-thing/at/all/"), 404)
    assert body["detail"] == "未找到。"
    body = assert_problem(anon.get("/api/nothing/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    assert body["detail"] == "Not found."
    # pages keep Django's HTML 404
    page = anon.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_405_with_allow(anon, mianyang):
    r = anon.delete("/api/evaluations/stats/")
    assert_problem(r, 405)
    assert "GET" in r["Allow"]


def test_413_body_too_large(anon, settings, mianyang):
    settings.API_MAX_BODY_BYTES = 1000
    r = anon.post("/api/appeals/portal/track/", "x" * 2000, content_type="application/json")
    assert assert_problem(r, 413)["title"] == "请求内容过大"
    # pages are not affected by the API limit
    assert anon.post("/portal/", "x" * 2000, content_type="text/plain").status_code != 413


def test_415_unsupported_media_type(staff, login):
    r = login(staff["chengban"]).post(
        "/api/appeals/sessions/", "date=2019-02-21", content_type="text/plain"
    )
    assert assert_problem(r, 415)["title"] == "不支持的内容类型"


def test_429_keeps_retry_after():
    import json

    response = errors.exception_handler(Throttled(wait=12), {})
    assert response.status_code == 429 and response["Retry-After"] == "12"
    assert response["Content-Type"] == PROBLEM
    assert json.loads(response.content)["title"] == "请求过于频繁"


def test_middleware_rewrites_a_non_json_error_answer(rf):
    def html_429(request):
        response = HttpResponse("<h1>locked</h1>", status=429)
        response["Retry-After"] = "60"
        return response

    middleware = errors.ApiProblemMiddleware(html_429)
    r = middleware(rf.post("/api/core/anything/"))
    assert r["Content-Type"] == PROBLEM and r.status_code == 429 and r["Retry-After"] == "60"
    page = middleware(rf.post("/staff/login/"))
    assert page.content == b"<h1>locked</h1>"


def test_500_is_a_problem_without_the_traceback(anon, monkeypatch, mianyang):
    from yingshang.evaluations import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "monthly_stats", boom)
    r = anon.get("/api/evaluations/stats/")
    body = assert_problem(r, 500)
    assert "secret" not in r.content.decode()
    assert body["title"] == "服务器内部错误"


def test_503_when_the_database_is_down(anon, staff, login, monkeypatch):
    client = login(staff["admin"])
    client.raise_request_exception = False

    def refuse():
        raise OperationalError("connection to server at 127.0.0.1, port 1 failed")

    responses = []
    with monkeypatch.context() as m:
        m.setattr(connection, "ensure_connection", refuse)
        for c, url in ((anon, "/api/evaluations/stats/"), (client, "/api/cases/")):
            responses.append(c.get(url))
        page = anon.get("/")  # pages still get Django's (HTML) server error
    for r in responses:
        body = assert_problem(r, 503)
        assert r["Retry-After"] == "30"
        assert body["title"] == "服务暂时不可用"
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def _db_error_view(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [path("api/plain/", _db_error_view), path("plain/", _db_error_view)]


def test_503_from_a_plain_django_view_under_api(anon, settings):
    settings.ROOT_URLCONF = __name__
    r = anon.get("/api/plain/")
    assert_problem(r, 503)
    assert r["Retry-After"] == "30"


def test_schema_documents_the_problem_format(staff, login):
    schema = login(staff["admin"]).get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    op = schema["paths"]["/api/evaluations/stats/"]["get"]
    assert {"400", "500", "503"} <= op["responses"].keys()
    ref = op["responses"]["400"]["content"][PROBLEM]["schema"]["$ref"]
    assert ref == "#/components/schemas/Problem"
    detail = schema["paths"]["/api/cases/{number}/"]["get"]["responses"]
    assert {"401", "403", "404"} <= detail.keys()


@pytest.mark.parametrize(
    "url", ["/api/catalog/items/%00/", "/api/cases/?year=%00", "/api/core/divisions/?page=1%00"]
)
def test_400_for_a_nul_character_in_path_or_query(anon, mianyang, url):
    """PostgreSQL cannot hold NUL: it is refused before any look-up (never a 500)."""
    r = anon.get(url)
    assert_problem(r, 400)
    assert "NUL" in r.json()["detail"]


def test_400_for_a_nul_character_on_a_page(anon, mianyang):
    assert anon.get("/catalog/?q=a%00b").status_code == 400


@pytest.mark.parametrize("page", ["0", "-1", "999", "abc", "1e3"])
def test_a_bad_page_is_400_on_the_page_field(staff, login, page):
    r = login(staff["admin"]).get("/api/core/divisions/", {"page": page})
    body = assert_problem(r, 400)
    assert body["errors"]["page"] and body["detail"] == body["errors"]["page"][0]
    assert login(staff["admin"]).get("/api/core/divisions/", {"page": "1"}).status_code == 200


def test_declared_error_answers_get_the_problem_body(staff, login):
    """``problem_responses`` (the shared helper for a view's own error answers): the answer is
    documented with the Problem schema, and the page number's minimum is in the schema."""
    schema = login(staff["admin"]).get("/api/schema/", {"format": "json"}).json()
    track = schema["paths"]["/api/appeals/portal/track/"]["post"]["responses"]
    ref = track["404"]["content"][PROBLEM]["schema"]["$ref"]
    assert ref == "#/components/schemas/Problem"
    (page,) = [
        p for p in schema["paths"]["/api/cases/"]["get"]["parameters"] if p["name"] == "page"
    ]
    assert page["schema"]["minimum"] == 1
    assert errors.problem_responses(404, 429).keys() == {404, 429}
