from django.urls import include, path

from . import views
from .api import router

app_name = "monitoring"
urlpatterns = [
    path("staff/monitoring/benchmarks/", views.benchmark_list, name="benchmarks"),
    path("api/monitoring/", include(router.urls)),
]
