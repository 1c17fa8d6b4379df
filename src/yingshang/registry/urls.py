from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "registry"

router = DefaultRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="api-enterprise")
router.register("licences", api.ELicenceViewSet, basename="api-licence")

urlpatterns = [
    path("api/registry/", include(router.urls)),
]
