"""The portal inside WeChat (#14 item 3): pages opened from the menu and from pushes in WeChat's
in-app browser are logged in through the binding, without a password.

``WeChatLoginMiddleware`` (settings.MIDDLEWARE, after authentication and messages) acts on a
GET from WeChat's browser (user agent ``MicroMessenger``) by a person who is not logged in:

* a page that needs login answers with a redirect to the applicant login page (Django's
  ``login_required``): that answer is replaced by the web authorisation
  ``/wechat/oauth/?next=<the same page>`` — WeChat's snsapi_base round trip is silent, and the
  person comes back to the same page logged in when the openid is bound, on the binding page
  otherwise;
* a link carrying the marker ``wx=1`` (every pushed link, ``mark``) goes through the
  authorisation first even when the page itself does not need login (a rating page, the home
  page's to-dos), and comes back without the marker.

An openid already learned in this session that is not bound goes straight to the binding page
(no second round trip). Outside WeChat, for logged-in people, for the authorisation and binding
pages themselves (``/wechat/…``, ``/accounts/…``), for staff pages, the admin and the API, and
while the account is not configured, nothing changes. Who is logged in is decided only by the
openid WeChat hands out for this phone, never by the link: a forwarded push logs the forwardee
into their own binding (or none)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from yingshang.platform.clients import in_wechat

from . import binding
from .config import get_config

MARKER = "wx"
SKIPPED_PREFIXES = ("/wechat/", "/accounts/", "/staff/", "/admin/", "/api/", "/static/", "/i18n/")


def mark(link: str) -> str:
    """``link`` (a page of this site: ``/path?query``) with the marker that logs the person in
    through WeChat's authorisation when opened in WeChat. Other links are returned as they are."""
    if not link or not link.startswith("/") or link.startswith("//"):
        return link
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != MARKER]
    query.append((MARKER, "1"))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def unmarked(request) -> str:
    """The request's path and query without the marker."""
    query = [(k, v) for k, v in request.GET.items() if k != MARKER]
    return request.path + (("?" + urlencode(query)) if query else "")


def _ready() -> bool:
    config = get_config()
    return config is not None and config.push_ready


def _applies(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and in_wechat(request)
        and not request.user.is_authenticated
        and not request.path.startswith(SKIPPED_PREFIXES)
        and _ready()
    )


def authorise(request, next_url: str):
    """Off to the web authorisation (back at ``next_url``), or to the binding page when this
    session already knows its openid and it is not bound."""
    openid = request.session.get(binding.SESSION_OPENID)
    if openid and binding.bound_user(openid) is None:
        return redirect(reverse("channels:bind") + "?" + urlencode({"next": next_url}))
    return redirect(reverse("channels:oauth-start") + "?" + urlencode({"next": next_url}))


def _is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    location = response.get("Location", "")
    return urlsplit(location).path == resolve_url(settings.LOGIN_URL)


class WeChatLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.GET.get(MARKER) == "1" and _applies(request):
            return authorise(request, unmarked(request))
        response = self.get_response(request)
        if _is_login_redirect(response) and _applies(request):
            return authorise(request, unmarked(request))
        return response
