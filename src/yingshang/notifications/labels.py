"""Names of the notification categories (platform/labels.py, kind ``notifications.category``):
the categories the apps send under, in words for the inbox, the digest and the workbench."""

from django.utils.translation import gettext_lazy as _

from yingshang.platform.labels import register

register(
    "notifications.category",
    {
        "": _("其他"),
        "case": _("办件进度"),
        "cases": _("办件进度"),
        "appeals": _("企业诉求"),
        "evaluations": _("好差评"),
        "reforms": _("督查督办"),
        "reforms.reminder": _("督办催办"),
        "monitoring": _("效能监督"),
        "digest": _("每日汇总"),
        "system": _("系统通知"),
    },
)
