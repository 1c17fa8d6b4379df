"""The workbench card of 我的导出 (platform/workbench.py): exports ready to download."""

from django.urls import reverse
from django.utils.translation import gettext as _

from yingshang.platform.export_jobs import jobs_for
from yingshang.platform.models import ExportStatus
from yingshang.platform.workbench import WATCH, Card, provider


@provider
def export_cards(user) -> list[Card]:
    if not getattr(user, "is_authenticated", False):
        return []
    ready = jobs_for(user).filter(status=ExportStatus.DONE)
    n = ready.count()
    if not n:
        return []
    first = ready.order_by("expires_at").values_list("expires_at", flat=True).first()
    return [
        Card(
            key="core.exports",
            title=_("导出已完成"),
            count=n,
            url=reverse("core:exports"),
            due=first,
            hint=_("导出文件过期后自动删除，请及时下载。"),
            group=WATCH,
            order=95,
        )
    ]
