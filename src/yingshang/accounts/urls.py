from django.urls import path

from . import oidc, views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/register/", views.register_choice, name="register"),
    path("accounts/register/person/", views.register_person, name="register-person"),
    path("accounts/register/enterprise/", views.register_enterprise, name="register-enterprise"),
    path("accounts/reset/", views.reset, name="reset"),
    path("accounts/", views.home, name="home"),
    path("accounts/export.json", views.export, name="export"),
    path("accounts/delete/", views.delete, name="delete"),
    path("accounts/demo-sms/", views.demo_sms, name="demo-sms"),
    # real-name login over OpenID Connect (docs/accounts.md)
    path("accounts/oidc/login/", oidc.start, name="oidc-login"),
    path("accounts/oidc/callback/", oidc.callback, name="oidc-callback"),
    # the local OpenID provider of tests and the demo (ACCOUNTS_DEMO_IDP=1)
    path(
        "accounts/demo-idp/.well-known/openid-configuration",
        oidc.idp_discovery,
        name="idp-discovery",
    ),
    path("accounts/demo-idp/authorize", oidc.idp_authorize, name="idp-authorize"),
    path("accounts/demo-idp/token", oidc.idp_token, name="idp-token"),
    path("accounts/demo-idp/jwks", oidc.idp_jwks, name="idp-jwks"),
    path("accounts/demo-idp/userinfo", oidc.idp_userinfo, name="idp-userinfo"),
]
