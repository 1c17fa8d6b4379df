from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("wechat/", views.callback, name="wechat-callback"),
    path("staff/channels/phone/", views.phone_simulator, name="phone"),
]
