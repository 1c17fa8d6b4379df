from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api, views

app_name = "catalog"

router = DefaultRouter()
router.register("items", api.ItemViewSet, basename="api-item")
router.register("bundles", api.BundleViewSet, basename="api-bundle")

urlpatterns = [
    # Public portal (no login). The cases app adds /apply/… and /track/.
    path("", views.portal_home, name="portal-home"),
    path("services/", views.service_search, name="service-search"),
    path("services/suggest/", views.service_suggest, name="service-suggest"),
    path("services/<str:code>/", views.service_detail, name="service-detail"),
    path("bundles/<slug:key>/", views.bundle_detail, name="bundle-detail"),
    # Staff
    path("staff/catalog/", views.staff_catalog, name="staff-list"),
    path("staff/catalog/export.xlsx", views.staff_export, name="staff-export"),
    path("staff/catalog/import/", views.staff_import, name="staff-import"),
    path("staff/catalog/terms/", views.staff_terms, name="staff-terms"),
    # API
    path("api/catalog/", include(router.urls)),
]
