from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "yingshang.platform"
    label = "platform"
    verbose_name = _("平台")

    def ready(self):
        from . import audit, choices

        audit.connect_signals()
        choices.install()  # get_FOO_display() without rebuilding the choices on every call
