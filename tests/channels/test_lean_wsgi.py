"""The WSGI entry point serves ``/wechat/`` through a short middleware chain (no session, login,
CSRF or locale: the signature is the authentication) and everything else through the site's full
chain. Called as gunicorn calls it: ``application(environ, start_response)``."""

import io
import os
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings

from .conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN, decrypt, encrypt, sha1_sorted, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def wsgi():
    os.environ.setdefault("YINGSHANG_WARM_UP", "0")
    from yingshang import wsgi

    return wsgi


def _call(app, path, *, method="GET", query="", body=b"", headers=None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "text/xml",
        "wsgi.input": io.BytesIO(body),
    }
    environ.update(headers or {})
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = {k.lower(): v for k, v in response_headers}

    response = app.application(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        getattr(response, "close", lambda: None)()
    return seen["status"], seen["headers"], content


def test_the_full_middleware_list_is_kept_for_the_site(wsgi):
    assert "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    lean_view = {m.__self__.__class__.__name__ for m in wsgi.lean._view_middleware}
    site_view = {m.__self__.__class__.__name__ for m in wsgi.site._view_middleware}
    assert "CsrfViewMiddleware" in site_view
    assert "CsrfViewMiddleware" not in lean_view


def test_url_verification_through_the_lean_chain(wsgi, wechat_env):
    ts, nonce = str(int(time.time())), "lean-nonce-1"
    query = f"signature={sha1_sorted(TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=ok42"
    status, headers, content = _call(wsgi, "/wechat/", query=query)
    assert status == 200 and content == b"ok42"
    assert headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in headers  # no session on this path
    bad = f"signature={'0' * 40}&timestamp={ts}&nonce={nonce}&echostr=ok42"
    status, _headers, content = _call(wsgi, "/wechat/", query=bad)
    assert status == 403 and b"ok42" not in content


def test_an_encrypted_message_is_answered_encrypted_through_the_lean_chain(wsgi, wechat_env):
    ts, nonce = str(int(time.time())), f"lean-{time.time_ns()}"
    enc = encrypt(text_xml("我的办件"))
    query = (
        f"timestamp={ts}&nonce={nonce}&encrypt_type=aes"
        f"&msg_signature={sha1_sorted(TOKEN, ts, nonce, enc)}&signature={sha1_sorted(TOKEN, ts, nonce)}"
    )
    body = (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    ).encode()
    status, headers, content = _call(wsgi, "/wechat/", method="POST", query=query, body=body)
    assert status == 200, content
    text = content.decode()
    reply = text.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
    message, app_id = decrypt(reply, aes_key=AES_KEY)
    assert app_id == APP_ID and "绑定" in message
    # the same nonce again is a replay, refused here too
    status, _h, _c = _call(wsgi, "/wechat/", method="POST", query=query, body=body)
    assert status == 403


def test_other_paths_keep_the_sites_chain(wsgi, wechat_env):
    status, headers, _content = _call(wsgi, "/accounts/login/")
    assert status == 200
    assert "content-security-policy" in headers  # the site's CSP middleware ran
    assert "csrftoken" in headers.get("set-cookie", "")  # and the CSRF middleware
    # a path that merely starts like the callback is the site's (its 404 page)
    status, headers, _content = _call(wsgi, "/wechat/oauth/")
    assert "content-security-policy" in headers


# ---- a question's transaction does not wait for the disk; a domain write does ----


def _statements(phone, xml):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = phone.plain(xml)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_a_question_commits_without_waiting_a_follow_does(phone):
    from django.db import connection

    from yingshang.channels.models import Follower, RefusalCount

    from .conftest import event_xml

    asked = _statements(phone, text_xml("我的办件"))
    followed = _statements(phone, event_xml("subscribe"))
    relaxed = [s for s in asked if "synchronous_commit" in s]
    assert Follower.objects.filter(subscribed=True).count() == 1
    assert not [s for s in followed if "synchronous_commit" in s]  # a follower row: durable
    if connection.vendor == "postgresql":
        # the question's transaction, and the unbound ask's counter in its own after the commit
        # (when the test's transaction lets on_commit run)
        counted = RefusalCount.objects.filter(reason="unbound").exists()
        assert relaxed == ["SET LOCAL synchronous_commit TO OFF"] * (1 + counted)
    else:
        assert relaxed == []  # SQLite has no such setting: nothing is sent


def test_domain_writes_watcher_ignores_only_the_guard_tables():
    from yingshang.channels.services import DomainWrites

    def run(sql):
        watcher = DomainWrites()
        watcher(lambda *a: None, sql, [], False, {})
        return watcher.seen

    assert not run('INSERT INTO "channels_seennonce" (nonce) VALUES (%s)')
    assert not run('INSERT INTO "channels_ratebucket" (openid) VALUES (%s)')
    assert not run('SELECT user_id FROM "channels_follower" WHERE openid = %s')
    assert run('UPDATE "channels_follower" SET subscribed = true')
    assert run('  insert into "appeals_appeal" (title) values (%s)')
    assert run('DELETE FROM "channels_follower"')
