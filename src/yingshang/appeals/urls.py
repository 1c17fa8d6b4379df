from django.urls import include, path

from . import views
from .api import router

app_name = "appeals"

urlpatterns = [
    # portal (public)
    path("appeals/", views.portal_home, name="portal-home"),
    path("appeals/new/", views.portal_new, name="portal-new"),
    path("appeals/track/", views.portal_track, name="portal-track"),
    path("appeals/sessions/", views.session_list, name="session-list"),
    path("appeals/sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("appeals/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("appeals/<str:number>/", views.portal_detail, name="portal-detail"),
    path("appeals/<str:number>/confirm/", views.portal_confirm, name="portal-confirm"),
    path("appeals/<str:number>/rate/", views.portal_rate, name="portal-rate"),
    # staff
    path("staff/appeals/", views.queue, name="queue"),
    path("staff/appeals/new/", views.staff_new, name="staff-new"),
    path("staff/appeals/commitments/", views.commitments, name="commitments"),
    path("staff/appeals/sessions/", views.staff_sessions, name="staff-sessions"),
    path("staff/appeals/sessions/<int:pk>/", views.staff_session, name="staff-session"),
    path(
        "staff/appeals/commitments/<int:pk>/",
        views.commitment_action,
        name="commitment-action",
    ),
    path("staff/appeals/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/appeals/<int:pk>/<slug:action>/", views.staff_action, name="staff-action"),
    # API
    path("api/appeals/", include(router.urls)),
]
