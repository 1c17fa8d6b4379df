from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "yingshang.platform"
    label = "platform"
    verbose_name = _("平台")

    def ready(self):
        from . import audit

        audit.connect_signals()
