"""The designed error pages (400/403/404/500) in the site's frame, in Chinese and English: the
status code, what happened, the server's own message when it is meant for people (never a
technical one), and where to go next; /api/ keeps problem details."""

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.portal.urls")


def _page(client, url, status, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'class="site-header"' in html and 'class="site-footer"' in html  # the site's frame
    assert 'id="site-nav"' in html
    return html


def test_403_shows_the_servers_message_and_where_to_go(client, staff):
    html = _page(client, "/boom/403/", 403)
    assert "没有权限" in html
    assert '<p class="error-detail" data-error-detail>只读角色不能收件。</p>' in html
    assert "/login/?next=/boom/403/" in html  # anonymous: log in
    client.force_login(staff["shilingdao"])
    html = _page(client, "/boom/403/", 403)
    assert "只读角色不能收件。" in html and "返回工作台" in html


def test_403_without_a_message_has_no_empty_detail(client, mianyang):
    html = _page(client, "/boom/403-bare/", 403)
    assert "data-error-detail" not in html and "没有权限" in html


def test_404_of_an_unknown_url_and_a_technical_message(client, mianyang):
    html = _page(client, "/no-such-page/", 404)
    assert "未找到" in html and "返回首页" in html and 'href="/track/"' in html
    assert "tried" not in html and "data-error-detail" not in html
    html = _page(client, "/boom/404/", 404)
    assert "matches the given query" not in html  # Django's technical text stays out
    html = _page(client, "/boom/404-words/", 404)
    assert "该办件已撤回。" in html


def test_400_shows_a_bad_requests_message_but_not_a_suspicious_operations(client, mianyang):
    html = _page(client, "/boom/400/", 400)
    assert "请求有误" in html and "请求中含有不允许的空字符（NUL）。" in html
    html = _page(client, "/boom/400-suspicious/", 400)
    assert "evil" not in html and "HTTP_HOST" not in html and "请求有误" in html


def test_500_says_what_happened_without_internals(mianyang):
    client = Client(raise_request_exception=False)
    html = _page(client, "/boom/500/", 500)
    assert "服务器内部错误" in html and "secret internals" not in html
    assert "Traceback" not in html


def test_500_still_answers_when_the_context_processors_fail(mianyang, monkeypatch):
    from yingshang.notifications import context

    def broken(request):
        raise RuntimeError("database down")

    monkeypatch.setattr(context, "unread", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/boom/500/")
    assert response.status_code == 500
    assert "服务器内部错误" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "status", "title", "action", "detail"),
    [
        ("/boom/403/", 403, "Permission denied", ">Log in</a>", "只读角色不能收件。"),
        ("/no-such-page/", 404, "Not found", "Back to the home page", None),
        ("/boom/400/", 400, "Bad request", "Back to the home page", None),
    ],
)
def test_error_pages_in_english(client, mianyang, url, status, title, action, detail):
    html = _page(client, url, status, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in html and title in html and action in html
    assert "Search services" in html and "Need help? Call 0816-12345." in html
    assert "返回首页" not in html and "没有权限" not in html and "未找到" not in html
    if detail:
        assert detail in html  # the server's message as it was raised


def test_api_errors_stay_problem_details(client, mianyang):
    response = client.get("/api/boom/403/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["status"] == 404


def test_a_stale_form_gets_the_403_page_in_words(mianyang):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/appeals/new/", {"title": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html and "页面已过期" in html and "CSRF" not in html
