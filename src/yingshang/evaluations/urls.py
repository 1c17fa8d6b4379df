from django.urls import include, path

from . import views
from .api import StatsView, router

app_name = "evaluations"

urlpatterns = [
    path("evaluations/stats/", views.stats, name="stats"),
    path("evaluations/rectifications/<int:pk>/", views.verdict, name="verdict"),
    path(
        "evaluations/rate/<str:subject_type>/<str:subject_id>/",
        views.rate,
        name="rate",
    ),
    path("staff/evaluations/", views.evaluation_list, name="list"),
    path("staff/evaluations/rectifications/", views.rectification_list, name="rectifications"),
    path(
        "staff/evaluations/rectifications/<int:pk>/",
        views.rectification_detail,
        name="rectification-detail",
    ),
    path(
        "staff/evaluations/rectifications/<int:pk>/step/",
        views.rectification_action,
        name="rectification-action",
    ),
    path("api/evaluations/stats/", StatsView.as_view(), name="api-stats"),
    path("api/evaluations/", include(router.urls)),
]
