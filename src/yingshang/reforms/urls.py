from django.urls import include, path

from . import public_pages as public
from . import views
from .api import router

app_name = "reforms"
urlpatterns = [
    path("staff/reforms/", views.programme_list, name="programme-list"),
    path("staff/reforms/<int:pk>/", views.schedule, name="schedule"),
    path("staff/reforms/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("staff/reforms/<int:pk>/statistics/", views.statistics, name="statistics"),
    path("staff/reforms/<int:pk>/import/", views.import_view, name="import"),
    path("staff/reforms/<int:pk>/book/", views.task_book, name="book-index"),
    path("staff/reforms/<int:pk>/book/<int:dept_pk>/", views.task_book, name="book"),
    path("staff/reforms/<int:pk>/supervision/", views.supervision, name="supervision"),
    path("staff/reforms/tasks/<int:pk>/", views.task_detail, name="task"),
    path("staff/reforms/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("staff/reforms/<int:pk>/publication/", views.programme_publication, name="publication"),
    path(
        "staff/reforms/tasks/<int:pk>/publication/",
        views.task_publication,
        name="task-publication",
    ),
    path("api/reforms/", include(router.urls)),
    # public pages (政务公开): no login; stable URLs by the programme's public code
    path("open/reforms/", public.programme_list, name="public-list"),
    path("open/reforms/feed.atom", public.ChangesFeed(), name="public-feed-all"),
    path("open/reforms/<slug:slug>/", public.programme_page, name="public-programme"),
    path("open/reforms/<slug:slug>/tasks.csv", public.tasks_csv, name="public-tasks-csv"),
    path("open/reforms/<slug:slug>/tasks.json", public.tasks_json, name="public-tasks-json"),
    path("open/reforms/<slug:slug>/feed.atom", public.ChangesFeed(), name="public-feed"),
]
