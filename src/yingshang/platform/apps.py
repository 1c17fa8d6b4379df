from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "yingshang.platform"
    label = "platform"
    verbose_name = _("平台")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from . import audit, choices, export_policy, ratelimit  # noqa: F401 - policy registered

        audit.connect_signals()
        choices.install()  # get_FOO_display() without rebuilding the choices on every call
        user_login_failed.connect(ratelimit.count_failed_login, dispatch_uid="ratelimit-login")
        from axes.signals import user_locked_out

        user_locked_out.connect(ratelimit.audit_axes_lockout, dispatch_uid="ratelimit-axes")
        post_migrate.connect(create_cache_table, sender=self)


def create_cache_table(using="default", **kwargs):
    """``migrate`` also makes the table of the database cache (settings ``CACHES``: the shared
    rate-limit counters), so every way of building a database — ``make run``, the tests, a
    deployment — has it. A no-op when the table exists or the cache is Redis."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
