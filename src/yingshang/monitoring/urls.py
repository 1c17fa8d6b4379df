from django.urls import include, path

from . import views
from .api import router

app_name = "monitoring"
urlpatterns = [
    path("staff/monitoring/", views.dashboard, name="dashboard"),
    path("staff/monitoring/screen/", views.screen, name="screen"),
    path("staff/monitoring/benchmarks/", views.benchmark_list, name="benchmarks"),
    path("staff/monitoring/benchmarks/upload/", views.benchmark_upload, name="benchmark-upload"),
    path(
        "staff/monitoring/drill/<str:indicator>/<str:dimension>/<int:member>/<str:kind>/<str:period>/",
        views.drill,
        name="drill",
    ),
    path("staff/monitoring/supervision/", views.supervision, name="supervision"),
    path("staff/monitoring/process/", views.process, name="process"),
    path("staff/monitoring/process/log.xes", views.process_xes, name="process-xes"),
    path("staff/monitoring/reports/", views.reports, name="reports"),
    path("staff/monitoring/reports/<str:name>", views.report_download, name="report-download"),
    path("api/monitoring/", include(router.urls)),
]
