from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yingshang.catalog"
    label = "catalog"
    verbose_name = _("政务服务事项")

    def ready(self):
        from . import search  # noqa: F401 - connects the index's signals

        search.connect_department_signal()
        self._connect_facts()

    def _connect_facts(self):
        """The portal's memoised facts (selectors.home_facts/search_facts) follow the
        catalogue, its departments and divisions."""
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from yingshang.core.models import Department, Division

        from . import models, selectors

        senders = (
            models.ServiceItem,
            models.ServiceItemVersion,
            models.Bundle,
            models.BundleItem,
            Department,
            Division,
        )
        for sender in senders:
            uid = f"catalog-facts-{sender._meta.label_lower}"
            post_save.connect(selectors.forget_facts, sender=sender, dispatch_uid=uid + "-s")
            post_delete.connect(selectors.forget_facts, sender=sender, dispatch_uid=uid + "-d")
        m2m_changed.connect(
            selectors.forget_facts, sender=models.Bundle.items.through, dispatch_uid="catalog-m2m"
        )
