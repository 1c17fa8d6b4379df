from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api, views

app_name = "registry"

router = DefaultRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="api-enterprise")
router.register("licences", api.ELicenceViewSet, basename="api-licence")
router.register("representations", api.RepresentationViewSet, basename="api-representation")

urlpatterns = [
    path("my/enterprises/", views.my_enterprises, name="my-enterprises"),
    path("staff/registry/representatives/", views.queue, name="representation-queue"),
    path(
        "staff/registry/representatives/<int:pk>/letter/",
        views.letter,
        name="representation-letter",
    ),
    path("api/registry/", include(router.urls)),
]
