from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("wechat/", views.callback, name="wechat-callback"),
]
