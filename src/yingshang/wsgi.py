"""The WSGI application (gunicorn: ``yingshang.wsgi:application``; ``yingshang serve`` runs it
with ``--preload``, so the warm-up below runs once in the master and the workers fork warm).

Warm-up (``YINGSHANG_WARM_UP=0`` skips it): import every view through the URLconf, fill the
URL reverse tables, and call each app's optional ``AppConfig.warm_up()`` (appeals: jieba's
dictionary). Without it each worker paid these at its first requests — the load benchmark's
profile showed seconds per worker for jieba alone (bench/load, docs/performance.md).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
site = get_wsgi_application()


class _LeanHandler(type(site)):
    """The official account's callback (``/wechat/`` exactly) through a short middleware chain:
    the request is authenticated by its signature, not by a session, so session, login, CSRF,
    locale, messages and the login-lockout middleware have nothing to do there — and they were
    a third of its CPU (docs/performance.md, WeChat channel). Kept: NUL refusal, the security
    headers, the audit context. Everything else of the site goes through ``site``."""

    MIDDLEWARE = [
        "yingshang.platform.errors.ApiProblemMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "yingshang.platform.middleware.AuditContextMiddleware",
    ]

    def load_middleware(self, is_async=False):
        from django.conf import settings

        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.MIDDLEWARE  # at start-up, before any request is served
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


LEAN_PATHS = frozenset({"/wechat/"})
lean = _LeanHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") in LEAN_PATHS:
        return lean(environ, start_response)
    return site(environ, start_response)


def warm_up() -> None:
    from django.apps import apps
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every urls module and view
    resolver.reverse_dict  # noqa: B018 - fills the reverse tables
    for config in apps.get_app_configs():
        if hasattr(config, "warm_up"):
            config.warm_up()


if os.environ.get("YINGSHANG_WARM_UP", "1") != "0":
    warm_up()
