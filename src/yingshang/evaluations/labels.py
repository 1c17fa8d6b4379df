"""Labels of the evaluations app (platform/labels.py discovers this module).

``rectifications.action``: the edges of the rectification machine label themselves; the
opening step (recorded by ``services.open_rectification``, not an edge) is named here."""

from django.utils.translation import gettext_lazy as _

from yingshang.platform.labels import register

register("rectifications.action", {"open": _("生成整改单")})
