from django.urls import include, path

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
    path("api/reforms/", include(router.urls)),
]
