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
    path("staff/audit/export.xlsx", views.audit_export, name="audit-export"),
]
