"""Mounted at the site root (path("", include(...))) like the other domain apps: the inbox at
/notifications/ and the API at /api/notifications/."""

from django.urls import include, path

from . import views
from .api import router

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("api/", include(router.urls)),
]
