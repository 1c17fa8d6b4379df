from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "yingshang.monitoring"
    label = "monitoring"
    verbose_name = _("营商环境监测")

    def ready(self):
        from . import checks  # noqa: F401 - registers the definition-file system check
