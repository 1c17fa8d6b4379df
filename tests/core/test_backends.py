"""The authentication backend (core/backends.py): a session's user comes with the division
every scoped read needs, in one statement; inactive accounts are not loaded."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.test import RequestFactory

from tests.core.factories import UserFactory
from yingshang.core.backends import ModelBackend

pytestmark = pytest.mark.django_db


def _city():
    from yingshang.core.models import Division

    return Division.objects.get(code="510700")


def test_the_session_user_comes_with_the_division_in_one_statement(
    django_assert_num_queries, mianyang
):
    city = _city()
    clerk = UserFactory(role="clerk", division=city)
    backend = ModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(clerk.pk)
        assert user.division.path == city.path  # no second query


def test_an_inactive_or_missing_user_is_nobody(mianyang):
    clerk = UserFactory(role="clerk", division=_city(), is_active=False)
    assert ModelBackend().get_user(clerk.pk) is None
    assert ModelBackend().get_user(10**9) is None


def test_a_logged_in_request_uses_it(client, mianyang):
    clerk = UserFactory(role="clerk", division=_city())
    client.force_login(clerk, backend="yingshang.core.backends.ModelBackend")
    request = RequestFactory().get("/")
    request.session = client.session
    assert request.session[SESSION_KEY] == str(clerk.pk)
    user = get_user(request)
    assert user == clerk and "division" in user._state.fields_cache


def test_logging_in_with_a_password_records_this_backend(client, mianyang):
    clerk = UserFactory(role="clerk", division=_city(), username="backend_clerk")
    clerk.set_password("一个足够长的口令pw")
    clerk.save()
    response = client.post(
        "/login/", {"username": "backend_clerk", "password": "一个足够长的口令pw"}
    )
    assert response.status_code == 302, response.content[:500]
    assert client.session["_auth_user_backend"] == "yingshang.core.backends.ModelBackend"
