"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis: a fixed, database-free profile so that CI draws the same examples every run
# (derandomize) and stays fast; HYPOTHESIS_PROFILE=explore draws new random examples locally.
# Property tests read the database through function-scoped fixtures that every example shares
# read-only, hence the suppressed health check.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the same
# tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "mianyang2019!"


@pytest.fixture(autouse=True)
def _fresh_memo():
    """The per-process memo (platform/memo.py) outlives a test's rolled-back transaction."""
    from yingshang.platform import memo

    memo.clear()
    yield
    memo.clear()


@pytest.fixture(autouse=True)
def _reset_language(settings):
    """A request with Accept-Language: en leaves English active in this thread; reset it."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Every test (and so every pytest-xdist worker) writes files under its own temporary
    # directory, never the shared var/: uploads and the monitoring reports (VAR_DIR/reports).
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.VAR_DIR = tmp_path / "var"
    # Fast hashing for accounts made in tests; argon2 stays to verify the preloaded demo staff.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    # The callback's refusal counts at once (a timer thread cannot see a test's transaction);
    # tests/channels/test_refusal_tally.py tests the tally itself.
    settings.WECHAT_REFUSAL_FLUSH_SECONDS = 0
    # A fresh cache per test, so that the rate-limit counters (platform/ratelimit.py) of one test
    # never block another; tests/platform/test_ratelimit.py checks the shared database cache.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


def _load_core_demo():
    from yingshang.demo import framework as demo

    tally = demo.Tally()
    for step in demo.steps():
        if step.order < 100:  # core steps only; apps' bulk demo data is opt-in per test
            step.run({"seed": 2019, "quiet": True}, tally, None)
    return tally


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The core demo (divisions, departments, staff) is loaded once into the test database;
    each test's transaction rolls back to it."""
    with django_db_blocker.unblock():
        _load_core_demo()


@pytest.fixture
def mianyang(db):
    """The Mianyang divisions, departments and demo staff. Reloaded only if a transactional
    test flushed the database."""
    from yingshang.core.models import Division, User

    if not (
        Division.objects.filter(code="510700").exists()
        and User.objects.filter(username="admin").exists()
    ):
        _load_core_demo()


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


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page():
    """A fresh page in headless Debian Chromium. Never skipped: a missing browser fails."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or CHROMIUM
    assert os.path.exists(executable), "Chromium is missing: run scripts/bootstrap (apt chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
