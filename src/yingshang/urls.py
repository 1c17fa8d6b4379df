from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from yingshang.core.api import router as core_router
from yingshang.platform.admin import superusers_only

admin.site.site_header = "营商 yingshang"
admin.site.site_title = "营商 yingshang"
admin.site.index_title = "管理后台"
# Superusers only: the admin applies no write policies (docs/security.md, "Admin").
admin.site.has_permission = superusers_only

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/core/", include(core_router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # The footer's statements (templates/_footer.html, docs/portal.md)
    path("privacy/", TemplateView.as_view(template_name="privacy.html"), name="privacy"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
    path("", include("yingshang.notifications.urls")),
    path("", include("yingshang.channels.urls")),
    # Each domain app mounts its own pages (staff/<app>/…, public pages) and API (api/<app>/…).
    path("", include("yingshang.registry.urls")),
    path("", include("yingshang.catalog.urls")),
    path("", include("yingshang.cases.urls")),
    path("", include("yingshang.reforms.urls")),
    path("", include("yingshang.appeals.urls")),
    path("", include("yingshang.evaluations.urls")),
    path("", include("yingshang.monitoring.urls")),
    path("", include("yingshang.workdays.urls")),
    path("", include("yingshang.accounts.urls")),
    path("", include("yingshang.core.urls")),
]

# Under /api/ errors are problem details (RFC 9457); elsewhere the site's designed pages
# (templates/400.html … 500.html).
handler400 = "yingshang.platform.errors.handler400"
handler403 = "yingshang.platform.errors.handler403"
handler404 = "yingshang.platform.errors.handler404"
handler500 = "yingshang.platform.errors.handler500"
