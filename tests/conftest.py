"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the same
# tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "mianyang2019!"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mianyang(db):
    """The Mianyang divisions, departments and demo staff, loaded through the demo steps."""
    from yingshang.core import demo

    tally = demo.Tally()
    for step in demo.steps():
        if step.order < 100:  # core steps only; apps' bulk demo data is opt-in per test
            step.run({"seed": 2019, "quiet": True}, tally, None)
    return tally


@pytest.fixture
def staff(mianyang):
    """Demo staff by username."""
    from yingshang.core.models import User

    return {u.username: u for u in User.objects.exclude(role="")}


@pytest.fixture
def login(client):
    """login(user) → a test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
