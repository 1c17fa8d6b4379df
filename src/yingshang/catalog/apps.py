from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yingshang.catalog"
    label = "catalog"
    verbose_name = _("政务服务事项")

    def ready(self):
        from . import search  # noqa: F401 - connects the index's signals

        search.connect_department_signal()
