from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.home, name="workbench"),
    path("staff/divisions/", views.division_list, name="division-list"),
    path("staff/departments/", views.department_list, name="department-list"),
    path("staff/departments/<int:pk>/", views.department_detail, name="department-detail"),
    path("staff/audit/", views.audit_list, name="audit-list"),
    path("staff/exports/", views.exports, name="exports"),
    path("staff/exports/new/<str:kind>/", views.export_start, name="export-start"),
    path("staff/exports/<int:pk>/status.json", views.export_status, name="export-status"),
    path("staff/exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("staff/exports/<int:pk>/discard/", views.export_discard, name="export-discard"),
]
