"""Real-name login over OpenID Connect (authorization code flow, Authlib), and the local OpenID
provider the tests and the demo log in against.

Client — configured by ``settings.ACCOUNTS_OIDC`` (docs/accounts.md)::

    ACCOUNTS_OIDC = {
        "label": "天府通办",                      # the button: 使用天府通办实名登录
        "issuer": "https://idp.example.gov.cn",   # discovery at <issuer>/.well-known/openid-configuration
        "client_id": "…", "client_secret": "…",
        "scopes": "openid profile phone",
        "claims": {"name": "name", "id_number": "id_card", "phone": "phone_number"},
    }

The callback checks ``state`` and the ID token (signature from the provider's JWKS, ``iss``,
``aud``, ``exp``, ``nonce``) through Authlib, reads the claims named in ``claims`` from the ID
token and the userinfo endpoint, and signs the applicant in: the account bound to this ``iss`` +
``sub``, else — when an applicant is already signed in — binds it to that account, else a new
person account. The real name (and the ID number, when the provider releases it) is recorded.

Provider — ``ACCOUNTS_DEMO_IDP=1`` mounts a minimal OpenID provider under ``/accounts/demo-idp/``:
discovery, authorize (a page to pick a demo identity), token (client_secret_basic or _post),
JWKS and userinfo; ID tokens are RS256-signed with an RSA key generated when the process starts.
It is for tests and the demo only: it checks no password.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import forms, services

# --------------------------------------------------------------------------------- the client


def config() -> dict:
    conf = dict(getattr(settings, "ACCOUNTS_OIDC", {}) or {})
    if not conf.get("issuer") or not conf.get("client_id"):
        raise Http404
    conf.setdefault("scopes", "openid profile")
    conf.setdefault("claims", {"name": "name", "id_number": "id_number", "phone": "phone_number"})
    return conf


def _client(conf: dict):
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    issuer = conf["issuer"].rstrip("/")
    return oauth.register(
        "realname",
        client_id=conf["client_id"],
        client_secret=conf.get("client_secret", ""),
        server_metadata_url=conf.get("discovery_url")
        or f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": conf["scopes"], "timeout": conf.get("timeout", 10)},
    )


def start(request):
    """Redirect to the provider's authorization endpoint (state and nonce in the session)."""
    conf = config()
    nxt = request.GET.dict().get("next") or ""
    request.session["oidc_next"] = nxt if nxt.startswith("/") and not nxt.startswith("//") else ""
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc-callback"))
    return _client(conf).authorize_redirect(request, redirect_uri)


def callback(request):
    conf = config()
    if request.user.is_authenticated and (request.user.role or request.user.is_superuser):
        messages.error(request, _("工作人员请从“工作人员登录”页面登录。"))
        return redirect("core:login")
    client = _client(conf)
    try:
        token = client.authorize_access_token(request)
    except Exception as exc:  # noqa: BLE001 - Authlib's OAuthError, JoseError, network errors
        messages.error(
            request,
            _("实名认证未完成：%(e)s") % {"e": getattr(exc, "error", "") or type(exc).__name__},
        )
        return redirect("accounts:login")
    claims = dict(token.get("userinfo") or {})
    if token.get("access_token"):
        try:
            claims.update({k: v for k, v in client.userinfo(token=token).items() if v})
        except Exception:  # noqa: BLE001 - the ID token's claims suffice
            pass
    names = conf["claims"]
    issuer, subject = claims.get("iss") or conf["issuer"], str(claims.get("sub") or "")
    name = str(claims.get(names.get("name", "name")) or "")
    if not subject or not name:
        messages.error(request, _("实名认证未完成：身份提供方没有返回姓名。"))
        return redirect("accounts:login")
    values = {
        "name": name,
        "id_number": str(claims.get(names.get("id_number", "")) or ""),
    }
    try:
        if request.user.is_authenticated and not request.user.role:
            services.link_realname(user=request.user, issuer=issuer, subject=subject, **values)
            user = request.user
            messages.success(request, _("实名认证已完成。"))
        else:
            user = services.account_from_realname(
                issuer=issuer,
                subject=subject,
                phone=str(claims.get(names.get("phone", "")) or ""),
                **values,
            )
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("accounts:login")
    if not request.user.is_authenticated:
        auth_login(request, user, backend="yingshang.core.backends.ModelBackend")
    return redirect(request.session.pop("oidc_next", "") or reverse("accounts:home"))


# ------------------------------------------------------------------- the demo/test provider

DEMO_IDENTITIES = [
    {"sub": "demo-person-1", "name": "张明", "id_number": "", "phone_number": "19900000001"},
    {"sub": "demo-person-2", "name": "李华", "id_number": "", "phone_number": "19900000003"},
]
_KEY = None


def _enabled():
    if not getattr(settings, "ACCOUNTS_DEMO_IDP", False):
        raise Http404


def _key():
    """The provider's RSA signing key: generated once, kept in the shared cache so that every
    server process signs with the key its JWKS publishes (the web server runs several)."""
    global _KEY
    if _KEY is None:
        from joserfc.jwk import RSAKey

        stored = cache.get("demo-idp:key")
        if stored is None:
            fresh = RSAKey.generate_key(
                2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
            )
            cache.add("demo-idp:key", fresh.as_dict(private=True), None)
            stored = cache.get("demo-idp:key") or fresh.as_dict(private=True)
        _KEY = RSAKey.import_key(stored)
    return _KEY


def _issuer(request) -> str:
    return request.build_absolute_uri(reverse("accounts:idp-discovery")).removesuffix(
        "/.well-known/openid-configuration"
    )


def _idp_client() -> tuple[str, str]:
    conf = getattr(settings, "ACCOUNTS_OIDC", {}) or {}
    return conf.get("client_id", "yingshang-demo"), conf.get("client_secret", "")


def idp_discovery(request):
    _enabled()
    base = _issuer(request)
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "name", "id_number", "phone_number"],
        }
    )


def idp_jwks(request):
    _enabled()
    return JsonResponse({"keys": [_key().as_dict(private=False)]})


def idp_authorize(request):
    """Pick a demo identity and consent; answers the client's redirect_uri with code + state."""
    _enabled()
    params = request.GET.dict()
    client_id, _secret = _idp_client()
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != client_id or params.get("response_type") != "code":
        return HttpResponseBadRequest("invalid_request: client_id or response_type")
    if not redirect_uri.endswith(reverse("accounts:oidc-callback")):
        return HttpResponseBadRequest("invalid_request: redirect_uri")
    form = forms.DemoIdentityForm(request.POST or None, identities=DEMO_IDENTITIES)
    if request.method == "POST" and form.is_valid():
        identity = dict(DEMO_IDENTITIES[int(form.cleaned_data["identity"])])
        code = secrets.token_urlsafe(24)
        cache.set(
            f"demo-idp:code:{code}",
            {
                "identity": identity,
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "nonce": params.get("nonce", ""),
                "scope": params.get("scope", ""),
            },
            120,
        )
        sep = "&" if "?" in redirect_uri else "?"
        from urllib.parse import urlencode

        return redirect(
            f"{redirect_uri}{sep}{urlencode({'code': code, 'state': params.get('state', '')})}"
        )
    return render(request, "accounts/demo_idp.html", {"form": form, "params": params})


def _client_auth(request) -> str | None:
    import base64
    from urllib.parse import unquote

    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Basic "):
        try:
            raw = base64.b64decode(header[6:]).decode()
        except ValueError:
            return None
        cid, _sep, secret = raw.partition(":")
        return unquote(cid) if (unquote(cid), unquote(secret)) == _idp_client() else None
    data = forms.TokenRequestForm(request.POST)
    if (
        data.is_valid()
        and (
            data.cleaned_data["client_id"],
            data.cleaned_data["client_secret"],
        )
        == _idp_client()
    ):
        return data.cleaned_data["client_id"]
    return None


@csrf_exempt
@require_POST
def idp_token(request):
    _enabled()
    client_id = _client_auth(request)
    if client_id is None:
        return JsonResponse({"error": "invalid_client"}, status=401)
    form = forms.TokenRequestForm(request.POST)
    if not form.is_valid() or form.cleaned_data["grant_type"] != "authorization_code":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    key = f"demo-idp:code:{form.cleaned_data['code']}"
    grant = cache.get(key)
    cache.delete(key)  # a code is used once
    if not grant or grant["redirect_uri"] != form.cleaned_data["redirect_uri"]:
        return JsonResponse({"error": "invalid_grant"}, status=400)
    from joserfc import jwt

    now = int(time.time())
    identity = grant["identity"]
    claims = {
        "iss": _issuer(request),
        "sub": identity["sub"],
        "aud": client_id,
        "iat": now,
        "exp": now + 300,
        "auth_time": now,
        "name": identity["name"],
    }
    if grant["nonce"]:
        claims["nonce"] = grant["nonce"]
    id_token = jwt.encode({"alg": "RS256", "kid": _key().kid}, claims, _key())
    access = secrets.token_urlsafe(24)
    cache.set(f"demo-idp:access:{access}", identity, 300)
    return JsonResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
            "scope": grant["scope"],
        }
    )


def idp_userinfo(request):
    _enabled()
    header = request.META.get("HTTP_AUTHORIZATION", "")
    identity = cache.get(f"demo-idp:access:{header[7:]}") if header.startswith("Bearer ") else None
    if not identity:
        resp = JsonResponse({"error": "invalid_token"}, status=401)
        resp["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return resp
    return JsonResponse({k: v for k, v in identity.items() if v})
