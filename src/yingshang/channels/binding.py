"""Identity binding (绑定): an openid of the official account joined to a portal account.

1. **Web authorisation** (网页授权, OAuth 2.0): a page opened in WeChat goes to
   ``{oauth_base}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=
   snsapi_base&state=…#wechat_redirect``; WeChat sends the browser back with ``code`` and our
   ``state``, and ``GET {api_base}/sns/oauth2/access_token?appid&secret&code&grant_type=
   authorization_code`` answers the ``openid`` (wechatpy's ``WeChatOAuth``, pointed at the
   configured API base). ``state`` is signed (SECRET_KEY, salt ``channels.oauth``), expires after
   ``WECHAT_OAUTH_STATE_SECONDS`` (600) and carries a nonce that must equal the one kept in the
   browser's session: a forged, replayed or foreign state is refused and nothing is stored.
2. **Confirmation**: the person, logged in to the portal, asks for a one-time code to the phone on
   record of their account (accounts' codes, purpose ``bind``: six digits, five minutes, five
   tries), agrees to the consent text and enters the code; the follower row then names the user.
3. From then on the authorisation of a bound openid logs its person in (the pages opened from the
   menu and from pushes), ``我的办件`` answers in the chat, and pushes reach them.

Bindings are personal data: the openid is masked in lists and logs, binding and unbinding are
audited (``Follower.audited``), and a person removes a binding on their bindings page.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from yingshang.accounts import public as accounts

from .config import Config
from .models import Follower

STATE_SALT = "channels.oauth"
SESSION_NONCE = "wechat_oauth_nonce"
SESSION_OPENID = "wechat_openid"
SCOPES = ("snsapi_base", "snsapi_userinfo")


class OAuthRefused(Exception):
    """The authorisation came back unusable: forged or expired state, a refused code."""


def state_seconds() -> int:
    return int(getattr(settings, "WECHAT_OAUTH_STATE_SECONDS", 600))


def make_state(session, next_url: str) -> str:
    """A signed state naming where to go afterwards; its nonce is kept in the session."""
    nonce = secrets.token_urlsafe(16)
    session[SESSION_NONCE] = nonce
    return signing.dumps({"n": nonce, "next": next_url}, salt=STATE_SALT, compress=True)


def check_state(session, state: str) -> str:
    """The ``next`` URL of a state this browser asked for, within its lifetime; the nonce is
    used up. OAuthRefused otherwise."""
    try:
        data = signing.loads(state or "", salt=STATE_SALT, max_age=state_seconds())
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise OAuthRefused("state") from exc
    expected = session.pop(SESSION_NONCE, None)
    if not isinstance(data, dict) or not expected or data.get("n") != expected:
        raise OAuthRefused("state")
    return str(data.get("next") or "")


def authorize_url(config: Config, *, redirect_uri: str, state: str, scope="snsapi_base") -> str:
    """WeChat's authorisation page for ``redirect_uri`` (an absolute URL of this site)."""
    if scope not in SCOPES:
        raise ValueError(scope)
    query = urlencode(
        {
            "appid": config.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        }
    )
    return f"{config.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect"


class _OAuth(WeChatOAuth):
    """wechatpy's OAuth client against the configured API base (the fake server in tests)."""

    def __init__(self, config: Config, redirect_uri: str):
        super().__init__(config.app_id, config.app_secret, redirect_uri)
        self.API_BASE_URL = f"{config.api_base}/"

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", float(getattr(settings, "WECHAT_API_TIMEOUT", 5)))
        return super()._request(method, url_or_endpoint, **kwargs)


def openid_from_code(config: Config, code: str, *, redirect_uri: str = "") -> str:
    """The openid WeChat hands out for a one-use authorisation code (OAuthRefused if refused)."""
    if not code or len(code) > 128:
        raise OAuthRefused("code")
    try:
        answer = _OAuth(config, redirect_uri).fetch_access_token(code)
    except WeChatOAuthException as exc:  # errcode 40029 invalid code, 40001 credential …
        raise OAuthRefused(f"code:{exc.errcode}") from exc
    except (requests.RequestException, ValueError, KeyError) as exc:  # unreachable, not JSON
        raise OAuthRefused("unreachable") from exc
    openid = str(answer.get("openid") or "")
    if not openid or len(openid) > 64:
        raise OAuthRefused("openid")
    return openid


def bound_user(openid: str):
    """The active portal user bound to ``openid``, or None."""
    row = Follower.objects.select_related("user").filter(openid=openid).first()
    user = row.user if row is not None else None
    if user is None or not user.is_active or not accounts.phone_of(user):
        return None
    return user


def _phone_of(user) -> str:
    """The phone on record of ``user``'s applicant account; a field error without one."""
    phone = accounts.phone_of(user)
    if not phone:
        raise ValidationError(
            {"code": _("只有已验证手机号的申请人账号可以绑定微信。")}, code="no_phone"
        )
    return phone


def send_code(*, user, ip: str | None = None):
    """A one-time code to the phone on record of ``user``'s account."""
    phone = _phone_of(user)
    return accounts.send_code(phone=phone, purpose=accounts.CodePurpose.WECHAT_BIND, ip=ip)


@transaction.atomic
def bind(*, user, openid: str, code: str, consent: bool) -> Follower:
    """Join ``openid`` to ``user`` after the code to the account's phone is confirmed. An openid
    already bound to another person is moved only by that confirmation (the phone's owner).
    ValidationError per field (``consent``, ``code``)."""
    if not consent:
        raise ValidationError({"consent": _("请阅读并同意绑定说明。")}, code="consent")
    phone = _phone_of(user)
    accounts.verify_code(phone=phone, purpose=accounts.CodePurpose.WECHAT_BIND, code=code)
    follower, _created = Follower.objects.select_for_update().get_or_create(
        openid=openid[:64], defaults={"subscribed": False}
    )
    follower.user = user
    follower.bound_at = timezone.now()
    follower.save(update_fields=["user", "bound_at"])  # audited: who bound which openid
    return follower


@transaction.atomic
def unbind(*, user, pk: int) -> None:
    """Remove one of ``user``'s bindings (another person's is not found: DoesNotExist)."""
    follower = Follower.objects.select_for_update().get(pk=pk, user=user)
    follower.user = None
    follower.bound_at = None
    follower.save(update_fields=["user", "bound_at"])


def bindings_of(user):
    return Follower.objects.filter(user=user).order_by("-bound_at", "-id")
