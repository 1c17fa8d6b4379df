"""Rate limits of public look-ups and anonymous submissions, on django-ratelimit's counters.

A ``Limit`` counts, in the shared cache (settings ``CACHES``: the database table
``yingshang_cache`` or Redis — never per process), the *failed* attempts of one kind
(``group``) per client (its address, or a WeChat openid) and per target (a case or appeal
number). Before the look-up, ``check()`` refuses when either counter has reached the limit
(``settings.LOOKUP_RATE``, 20 per 10 minutes): it writes ``ratelimit.blocked`` to the audit log
and raises ``RateLimited`` with the seconds left in the window. After a failed look-up,
``fail()`` counts it on both. ``ApiProblemMiddleware`` turns ``RateLimited`` into 429 with
``Retry-After``: a problem (RFC 9457) under ``/api/``, the page ``429.html`` elsewhere; the DRF
exception handler does the same for API views.

django-ratelimit supplies the fixed windows and the cache keys (``core.get_usage``); we only
choose what is counted (failures, not every request) and where the answer goes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from . import audit


class RateLimited(Exception):
    def __init__(self, retry_after: int, group: str = ""):
        super().__init__(f"rate limited: {group}, retry after {retry_after} s")
        self.retry_after = max(int(retry_after), 1)
        self.group = group


def wait_text(seconds: int) -> str:
    minutes, rest = divmod(max(int(seconds), 1), 60)
    if minutes and rest:
        return _("%(m)d 分 %(s)d 秒") % {"m": minutes, "s": rest}
    if minutes:
        return _("%(m)d 分钟") % {"m": minutes}
    return _("%(s)d 秒") % {"s": rest}


def message(seconds: int) -> str:
    return _("尝试次数过多，请在 %(wait)s后再试。") % {"wait": wait_text(seconds)}


def _key(value: str):
    return lambda group, request: value


class Limit:
    """The counters of one attempt: ``Limit(request, "cases.track", target=number)``; the client
    is the request's address unless ``client`` names it (a WeChat openid)."""

    def __init__(self, request, group: str, *, target: str = "", client: str = "", rate=None):
        self.request = request
        self.group = group
        self.rate = rate or settings.LOOKUP_RATE
        ip = audit.client_ip(request) if request is not None else None
        self.keys = [("client", client or f"ip:{ip or '-'}")]
        if target:
            self.keys.append(("target", f"target:{str(target).strip().upper()[:64]}"))

    def _usage(self, value: str, increment: bool):
        return get_usage(
            self.request,
            group=self.group,
            key=_key(value),
            rate=self.rate,
            increment=increment,
        )

    def retry_after(self) -> int:
        """Seconds until the attempt is allowed again; 0 when it is allowed now."""
        wait = 0
        for _name, value in self.keys:
            usage = self._usage(value, False)
            if usage is not None and usage["count"] >= usage["limit"]:
                wait = max(wait, usage["time_left"], 1)
        return wait

    def check(self) -> None:
        wait = self.retry_after()
        if wait:
            audit.record(
                "ratelimit.blocked",
                object_type="ratelimit",
                object_id=self.group,
                object_repr=self.group,
                changes={
                    "group": self.group,
                    "keys": [name for name, _v in self.keys],
                    "target": next((v for n, v in self.keys if n == "target"), "")[7:],
                    "retry_after": wait,
                },
            )
            raise RateLimited(wait, self.group)

    def fail(self) -> None:
        for _name, value in self.keys:
            self._usage(value, True)

    def attempt(self, ok: bool) -> None:
        if not ok:
            self.fail()


# ------------------------------------------------------------------------------------ logins
#
# django-axes locks a username at one address after AXES_FAILURE_LIMIT failures (5). On top of
# it, the same counters as the look-ups: at most LOOKUP_RATE failed logins per address (any
# usernames: password spraying) and per username (any addresses: a botnet on one account).


def _login_limit(request, credentials) -> Limit:
    username = str((credentials or {}).get("username") or "").strip().lower()
    return Limit(request, "login", target=username)


class LoginRateLimitBackend:
    """First in AUTHENTICATION_BACKENDS: refuses (429) a login attempt whose address or
    username is over the limit, before any password is checked; never authenticates."""

    def authenticate(self, request, username=None, **kwargs):
        if request is not None:
            _login_limit(request, {"username": username}).check()
        return None  # no get_user: never named in a session (the test client skips it too)


def count_failed_login(sender, credentials, request=None, **kwargs):
    """``user_login_failed`` receiver: one failure for the address and for the username."""
    if request is not None:
        _login_limit(request, credentials).fail()


def audit_axes_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes' ``user_locked_out``: its lock-outs go to the audit log like our blocks."""
    audit.record(
        "ratelimit.blocked",
        object_type="ratelimit",
        object_id="login.axes",
        object_repr="login.axes",
        changes={"group": "login.axes", "target": str(username or "")[:150]},
    )
