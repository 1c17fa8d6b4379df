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

**snsapi_userinfo and the UnionID.** With ``WECHAT_OAUTH_SCOPE=snsapi_userinfo`` WeChat asks the
person's consent on its authorisation page and the token answer carries the open platform's
``unionid`` (else ``GET {api_base}/sns/userinfo?access_token&openid&lang=zh_CN`` is asked for it;
with an snsapi_base token WeChat answers errcode 48001). Only the UnionID is kept — nickname, head
image and region are not stored (PIPL: what the service needs). A person already bound through
another account or mini program of the same open platform (same UnionID) is recognised on their
first authorisation here: the new openid is bound to them without a second code (WeChat itself
vouches that it is the same WeChat user), audited like any binding.

Bindings are personal data: the openid is masked in lists and logs, binding and unbinding are
audited (``Follower.audited``), and a person removes a binding on their bindings page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from yingshang.accounts import public as accounts

from . import services
from .config import Config
from .models import Follower, RefusalReason

STATE_SALT = "channels.oauth"
SESSION_NONCE = "wechat_oauth_nonce"
SESSION_OPENID = "wechat_openid"
SESSION_UNIONID = "wechat_unionid"
SCOPES = ("snsapi_base", "snsapi_userinfo")
# openids and unionids are URL-safe base64-like strings of 28–32 characters
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


@dataclass(frozen=True)
class Identity:
    """What one web authorisation tells about the person on the phone."""

    openid: str
    unionid: str = ""


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


def identity_from_code(config: Config, code: str, *, redirect_uri: str = "") -> Identity:
    """The openid (and, for snsapi_userinfo, the unionid) WeChat hands out for a one-use
    authorisation code. OAuthRefused when WeChat refuses or answers something unusable."""
    if not code or len(code) > 128:
        raise OAuthRefused("code")
    client = _OAuth(config, redirect_uri)
    try:
        answer = client.fetch_access_token(code)
        openid = str(answer.get("openid") or "")
        if not _ID_RE.match(openid):
            raise OAuthRefused("openid")
        unionid = str(answer.get("unionid") or "")
        if not unionid and "snsapi_userinfo" in str(answer.get("scope") or ""):
            info = client.get_user_info(openid=openid, access_token=answer["access_token"])
            if str(info.get("openid") or "") != openid:
                raise OAuthRefused("userinfo")
            unionid = str(info.get("unionid") or "")
    except WeChatOAuthException as exc:  # errcode 40029 invalid code, 40001 credential, 48001 …
        raise OAuthRefused(f"code:{exc.errcode}") from exc
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:  # not JSON …
        raise OAuthRefused("unreachable") from exc
    if unionid and not _ID_RE.match(unionid):
        raise OAuthRefused("unionid")
    return Identity(openid=openid, unionid=unionid)


def _usable(user):
    if user is None or not user.is_active or not accounts.phone_of(user):
        return None
    return user


def bound_user(openid: str):
    """The active portal user bound to ``openid``, or None."""
    # the chat asks this for every 我的办件: one narrow query for the (usually absent) binding,
    # the person's row only when there is one
    table = connection.ops.quote_name(Follower._meta.db_table)
    with connection.cursor() as cursor:  # a statement, not a compiled queryset: a hot path
        cursor.execute(
            f"SELECT user_id FROM {table} WHERE openid = %s AND user_id IS NOT NULL", [openid]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    user_id = row[0]
    from django.contrib.auth import get_user_model

    return _usable(get_user_model().objects.select_related("account").filter(pk=user_id).first())


@transaction.atomic
def recognise(identity: Identity):
    """The person behind one authorisation, or None: the user bound to the openid, else — when
    WeChat gave a UnionID — the person bound through another account or mini program of the
    same open platform, to whom this openid is then bound too (audited). A UnionID WeChat
    gives for a known openid is kept on its row."""
    follower = Follower.objects.select_for_update().filter(openid=identity.openid).first()
    if follower is not None and identity.unionid and follower.unionid != identity.unionid:
        follower.unionid = identity.unionid
        follower.save(update_fields=["unionid"])
    user = _usable(follower.user if follower is not None else None)
    if user is not None or not identity.unionid:
        return user
    if follower is not None and follower.unbound_at is not None:
        return None  # the person unbound this openid: only a code binds it again
    owners = set(
        Follower.objects.filter(unionid=identity.unionid, user__isnull=False)
        .exclude(openid=identity.openid)
        .values_list("user_id", flat=True)
    )
    if len(owners) != 1:  # nobody, or two people: not a recognition, the binding page decides
        return None
    sibling = Follower.objects.select_related("user").filter(
        unionid=identity.unionid, user_id=owners.pop()
    )
    user = _usable(sibling.first().user)
    if user is None:
        return None
    if follower is None:
        follower = Follower(openid=identity.openid, subscribed=False)
    follower.user = user
    follower.unionid = identity.unionid
    follower.bound_at = timezone.now()
    follower.save()  # audited: bound through the UnionID
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


def bind(*, user, openid: str, code: str, consent: bool, unionid: str = "") -> Follower:
    """Join ``openid`` to ``user`` after the code to the account's phone is confirmed. An openid
    already bound to another person is moved only by that confirmation (the phone's owner).
    ValidationError per field (``consent``, ``code``).

    The code is checked *before* the binding's transaction: each try is counted by an UPDATE of
    its own, which a wrong code's ValidationError would otherwise roll back (and the tries of a
    brute force would never add up)."""
    if not consent:
        raise ValidationError({"consent": _("请阅读并同意绑定说明。")}, code="consent")
    phone = _phone_of(user)
    try:
        accounts.verify_code(phone=phone, purpose=accounts.CodePurpose.WECHAT_BIND, code=code)
    except ValidationError:  # wrong, expired, used up, too many tries: counted for supervisors
        services.count_refusal(RefusalReason.CODE)
        raise
    with transaction.atomic():
        return _join(user, openid, unionid)


def _join(user, openid: str, unionid: str) -> Follower:
    follower, _created = Follower.objects.select_for_update().get_or_create(
        openid=openid[:64], defaults={"subscribed": False}
    )
    follower.user = user
    follower.bound_at = timezone.now()
    follower.unbound_at = None
    fields = ["user", "bound_at", "unbound_at"]
    if unionid and _ID_RE.match(unionid):
        follower.unionid = unionid
        fields.append("unionid")
    follower.save(update_fields=fields)  # audited: who bound which openid
    return follower


@transaction.atomic
def unbind(*, user, pk: int) -> None:
    """Remove one of ``user``'s bindings (another person's is not found: DoesNotExist), with
    the bindings of the same WeChat user (same UnionID) in the open platform's other accounts."""
    follower = Follower.objects.select_for_update().get(pk=pk, user=user)
    group = [follower]
    if follower.unionid:  # the same WeChat user in the open platform's other accounts too,
        # or the UnionID would bind this openid again at the next authorisation
        group = list(
            Follower.objects.select_for_update().filter(user=user, unionid=follower.unionid)
        )
    now = timezone.now()
    for row in group:
        row.user = None
        row.bound_at = None
        row.unbound_at = now
        row.save(update_fields=["user", "bound_at", "unbound_at"])


def bindings_of(user):
    return Follower.objects.filter(user=user).order_by("-bound_at", "-id")
