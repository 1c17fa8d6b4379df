from django.urls import path

from . import binding_views, views

app_name = "channels"
urlpatterns = [
    path("wechat/", views.callback, name="wechat-callback"),
    path("staff/channels/phone/", views.phone_simulator, name="phone"),
    path("staff/channels/refusals/", views.refusals_view, name="refusals"),
    # identity binding (channels/binding.py): web authorisation, consent + code, my bindings
    path("wechat/oauth/", binding_views.oauth_start, name="oauth-start"),
    path("wechat/oauth/callback/", binding_views.oauth_callback, name="oauth-callback"),
    path("wechat/bind/", binding_views.bind_view, name="bind"),
    path("accounts/wechat/", binding_views.bindings_view, name="bindings"),
    path("accounts/wechat/<int:pk>/unbind/", binding_views.unbind_view, name="unbind"),
]
