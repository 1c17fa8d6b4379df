from django.urls import include, path

from . import apply_views, views
from .api import router

app_name = "cases"
urlpatterns = [
    # portal: guided applications (apply_views.py)
    path("apply/guided/item/<str:code>/", apply_views.start_item, name="guided-item"),
    path("apply/guided/bundle/<slug:key>/", apply_views.start_bundle, name="guided-bundle"),
    path("apply/drafts/", apply_views.my_drafts, name="my-drafts"),
    path("apply/drafts/<str:token>/discard/", apply_views.discard, name="draft-discard"),
    path("apply/drafts/<str:token>/<slug:step>/", apply_views.step, name="draft-step"),
    # portal
    path("apply/bundle/<slug:key>/", views.apply_bundle, name="apply-bundle"),
    path("apply/<str:code>/", views.apply_item, name="apply"),
    path("my/cases/", views.my_cases, name="my-cases"),
    path("my/cases/<str:number>/", views.my_case, name="my-case"),
    path("my/cases/<str:number>/action/", views.my_case_action, name="my-case-action"),
    path(
        "my/cases/<str:number>/notice/<str:kind>.pdf",
        views.my_case_notice,
        name="my-case-notice",
    ),
    path("track/", views.track, name="track"),
    path("track/<str:number>/<str:token>/", views.track_link, name="track-link"),
    path(
        "track/<str:number>/<str:token>/notice/<str:kind>.pdf",
        views.track_notice,
        name="track-notice",
    ),
    path("cases/materials/<int:pk>/", views.material_file, name="material-file"),
    # workbench
    path("staff/cases/", views.queue, name="queue"),
    path("staff/cases/intake/", views.intake, name="intake"),
    path("staff/cases/intake/items.json", views.intake_items, name="intake-items"),
    path("staff/cases/intake/applicant.json", views.intake_applicant, name="intake-applicant"),
    path("staff/cases/trips/", views.trips, name="trips"),
    path("staff/cases/<str:number>/", views.case_detail, name="detail"),
    path("staff/cases/<str:number>/action/", views.case_action, name="action"),
    path("staff/cases/<str:number>/visit/", views.case_visit, name="visit"),
    path("staff/cases/<str:number>/notice/<str:kind>.pdf", views.notice_pdf, name="notice"),
    # API
    path("api/cases/", include(router.urls)),
]
