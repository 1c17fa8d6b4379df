"""Pushes through the official account: the notification centre's ``wechat`` sender.

Subscription messages (服务号订阅通知, ``message/subscribe/bizsend``) first; a template message
(``message/template/send``) where one is mapped for the category and the subscription message
cannot be sent (no subscription template mapped, or the user refused them: errcode 43101).
Every answer is recorded (PushResult: errcode, msgid); a failure raises, so the notification
centre retries it with back-off and finally lists it as dead in the admin.

The access_token is one database row per AppID shared by every worker: read without a lock,
refreshed under ``select_for_update`` (one refresh at a time; a worker that waited finds the
new token and does not fetch again), and refreshed once more when the API answers 40001/42001."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from yingshang.notifications.public import BaseSender, absolute_link, register

from .config import Config, get_config
from .inbrowser import mark
from .models import AccessToken, Follower, PushKind, PushResult, TemplateMapping

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / invalid token / token expired
USER_REFUSED = 43101
TOKEN_MARGIN = timedelta(seconds=300)  # refresh a little before WeChat's expiry
DEFAULT_FIELDS = {
    PushKind.SUBSCRIBE: {"thing1": "title", "thing2": "body", "time3": "created_at"},
    PushKind.TEMPLATE: {"first": "title", "keyword1": "body", "keyword2": "created_at"},
}
# Subscription-message value limits by keyword type (WeChat rejects longer values).
VALUE_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "number": 32, "letter": 32}


class NotDeliverable(Exception):
    """The delivery cannot go out through WeChat as things stand (said plainly in last_error)."""


class SharedTokenMixin:
    """A wechatpy client (official account or WeCom) against ``config.api_base`` (the real API or
    the fake server), its access token taken from the shared database row (``shared_token``)
    instead of wechatpy's per-process session. Subclasses give ``credentials(config)``."""

    def __init__(self, config):
        self.API_BASE_URL = config.api_base + "/cgi-bin/"
        self.config = config
        super().__init__(
            *self.credentials(config),
            session=MemoryStorage(),
            timeout=float(getattr(settings, "WECHAT_API_TIMEOUT", 10)),
            auto_retry=False,
        )
        # requests reads the proxy environment on every call (a third of a push's CPU in the
        # profile, docs/performance.md): read it once per client instead — a proxy or CA bundle
        # set in the environment still applies
        http = self._http
        http.trust_env = False
        http.proxies.update(requests.utils.get_environ_proxies(config.api_base))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            http.verify = bundle

    @staticmethod
    def credentials(config) -> tuple[str, str]:
        raise NotImplementedError

    @property
    def access_token(self):
        return shared_token(self)

    @access_token.setter
    def access_token(self, value):  # wechatpy's constructor may assign it; the row is the truth
        pass


class ApiClient(SharedTokenMixin, WeChatClient):
    """The official account's API client."""

    @staticmethod
    def credentials(config: Config) -> tuple[str, str]:
        return config.app_id, config.app_secret

    def fetch_token_from_api(self) -> dict:
        return self._fetch_access_token(
            url=self.config.api_base + "/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": self.config.app_id,
                "secret": self.config.app_secret,
            },
        )

    def call(self, endpoint: str, data: dict) -> dict:
        """POST ``data`` to ``endpoint``; on 40001/42001 refresh the shared token and retry once."""
        token = self.access_token
        try:
            return self.post(endpoint, params={"access_token": token}, data=data)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
        token = shared_token(self, stale=token)
        return self.post(endpoint, params={"access_token": token}, data=data)


# Per thread: one API client per configuration (its HTTP connection is kept alive) and the last
# token read from the shared row (used until it expires or the API refuses it).
_local = threading.local()


def forget_clients() -> None:
    """Drop this thread's API clients and remembered tokens (tests; a changed configuration)."""
    _local.__dict__.clear()


def api_client(config: Config) -> ApiClient:
    clients = _local.__dict__.setdefault("clients", {})
    client = clients.get(config)
    if client is None:
        clients.clear()
        client = clients[config] = ApiClient(config)
    return client


def shared_token(client: ApiClient, *, stale: str | None = None) -> str:
    """The current access_token for the client's AppID, fetched when missing, expiring, or equal
    to ``stale`` (the token the API just refused)."""
    app_id = client.config.app_id
    now = timezone.now()
    memo = _local.__dict__.setdefault("tokens", {}).get(app_id)
    if memo and memo[0] != stale and memo[1] > now + TOKEN_MARGIN:
        return memo[0]
    row = AccessToken.objects.filter(app_id=app_id).only("token", "expires_at").first()
    if row and row.token and row.token != stale and row.expires_at > now + TOKEN_MARGIN:
        _local.tokens[app_id] = (row.token, row.expires_at)
        return row.token
    AccessToken.objects.get_or_create(app_id=app_id)
    with transaction.atomic():
        row = AccessToken.objects.select_for_update().get(app_id=app_id)
        now = timezone.now()
        if row.token and row.token != stale and row.expires_at > now + TOKEN_MARGIN:
            _local.tokens[app_id] = (row.token, row.expires_at)
            return row.token  # another worker refreshed it while we waited for the lock
        result = client.fetch_token_from_api()
        row.token = result["access_token"]
        row.expires_at = now + timedelta(seconds=int(result.get("expires_in", 7200)))
        row.refreshed_at = now
        row.refreshes += 1
        row.save(update_fields=["token", "expires_at", "refreshed_at", "refreshes"])
    _local.tokens[app_id] = (row.token, row.expires_at)
    return row.token


def send_custom_text(openid: str, text: str) -> dict:
    """A text through the customer-service message API (客服消息, ``message/custom/send``): the
    deferred answer to a command. WeChat's errcode raises (WeChatClientException); an
    unconfigured account raises NotDeliverable."""
    config = get_config()
    if config is None or not config.push_ready:
        raise NotDeliverable("WeChat is not configured (WECHAT_APP_ID / WECHAT_APP_SECRET)")
    payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
    return api_client(config).call("message/custom/send", payload)


def templates_for(category: str) -> dict[str, dict]:
    """kind → {"template_id", "fields", "page"} for a category: the admin's rows for the category,
    else its default rows (blank category), else settings.WECHAT_TEMPLATES[category or ""]."""
    rows = list(TemplateMapping.objects.filter(category__in=[category, ""]))
    chosen = [r for r in rows if r.category == category] or [r for r in rows if r.category == ""]
    if chosen:
        return {
            r.kind: {"template_id": r.template_id, "fields": r.fields, "page": r.page}
            for r in chosen
        }
    configured = getattr(settings, "WECHAT_TEMPLATES", {}) or {}
    return dict(configured.get(category) or configured.get("") or {})


def _value(notification, attribute: str) -> str:
    if attribute == "created_at":
        return timezone.localtime(notification.created_at).strftime("%Y-%m-%d %H:%M")
    return str(getattr(notification, attribute, "") or "") or "-"


def _limit(keyword: str, value: str) -> str:
    prefix = keyword.rstrip("0123456789")
    limit = VALUE_LIMITS.get(prefix, 200)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def build_payload(kind: str, mapping: dict, openid: str, notification) -> dict:
    fields = mapping.get("fields") or DEFAULT_FIELDS[kind]
    data = {key: {"value": _limit(key, _value(notification, attr))} for key, attr in fields.items()}
    # a page of this site opens logged in through WeChat's authorisation (inbrowser.py)
    link = absolute_link(mapping.get("page") or mark(notification.link))
    payload = {"touser": openid, "template_id": mapping["template_id"], "data": data}
    if link:
        payload["page" if kind == PushKind.SUBSCRIBE else "url"] = link
    return payload


ENDPOINTS = {
    PushKind.SUBSCRIBE: "message/subscribe/bizsend",
    PushKind.TEMPLATE: "message/template/send",
}


@register("wechat")
class WeChatSender(BaseSender):
    """微信公众号 — the recipient's subscribed, bound follower openid."""

    label = _("微信")

    def address_for(self, recipient) -> str | None:
        config = get_config()
        if config is None or not config.push_ready or recipient is None or recipient.pk is None:
            return None
        return (
            Follower.objects.filter(user=recipient, subscribed=True)
            .order_by("-subscribed_at")
            .values_list("openid", flat=True)
            .first()
        )

    batched = True  # notify() queues one drain per transaction; see send_many

    def send(self, delivery) -> None:
        outcome = self.send_many([delivery])[delivery.pk]
        if outcome is not None:
            raise outcome

    def send_many(self, deliveries) -> dict:
        """Push a claimed batch: what the batch shares is read once (configuration, templates
        per category, unsubscribed followers, the shared access token), the HTTP calls run on
        ``WECHAT_PUSH_CONCURRENCY`` threads (each with its own keep-alive connection, none
        touching the database), the answers are written with one INSERT. A token WeChat
        refuses (40001/42001) is refreshed once for the batch and those pushes are sent again."""
        config = get_config()
        if config is None or not config.push_ready:
            error = NotDeliverable("WeChat is not configured (WECHAT_APP_ID / WECHAT_APP_SECRET)")
            return {d.pk: error for d in deliveries}
        outcome: dict = {}
        ready: list[tuple] = []
        openids = {d.address for d in deliveries if d.address}
        stopped = set(
            Follower.objects.filter(openid__in=openids, subscribed=False).values_list(
                "openid", flat=True
            )
        )
        templates: dict[str, dict] = {}
        for delivery in deliveries:
            category = delivery.notification.category
            if category not in templates:
                templates[category] = templates_for(category)
            mappings = templates[category]
            kinds = [k for k in (PushKind.SUBSCRIBE, PushKind.TEMPLATE) if k in mappings]
            if not delivery.address:
                outcome[delivery.pk] = NotDeliverable("recipient has no WeChat openid")
            elif delivery.address in stopped:
                outcome[delivery.pk] = NotDeliverable(
                    "the follower has unsubscribed; pushes stopped"
                )
            elif not kinds:
                outcome[delivery.pk] = NotDeliverable(
                    f"no WeChat template mapped for category {category!r}"
                )
            else:
                ready.append((delivery, [(k, mappings[k]) for k in kinds]))
        if not ready:
            return outcome
        token = shared_token(api_client(config))
        pushed = _run(config, token, ready)
        refused = [
            job
            for job, (_results, error) in zip(ready, pushed, strict=True)
            if error is _TOKEN_REFUSED
        ]
        if refused:  # one refresh for the batch, then those pushes once more
            token = shared_token(api_client(config), stale=token)
            again = iter(_run(config, token, refused))
            pushed = [next(again) if error is _TOKEN_REFUSED else (r, error) for r, error in pushed]
        results = []
        for (delivery, _kinds), (answers, error) in zip(ready, pushed, strict=True):
            for kind, errcode, errmsg, msgid in answers:
                results.append(
                    PushResult(
                        delivery=delivery, kind=kind, errcode=errcode, errmsg=errmsg, msgid=msgid
                    )
                )
            if error is _TOKEN_REFUSED:
                error = RuntimeError("WeChat refused the access token twice")
            outcome[delivery.pk] = error
        PushResult.objects.bulk_create(results)
        return outcome


_TOKEN_REFUSED = object()  # a push the API refused for its access token (refresh, resend)


def _push(config: Config, token: str, job: tuple) -> tuple[list, object]:
    """One delivery's HTTP calls (a subscription message, the template message as the fallback
    when the person refused subscription messages). No database access: runs on a pool thread.
    → (answers as (kind, errcode, errmsg, msgid), None | the error | _TOKEN_REFUSED)."""
    delivery, kinds = job
    client = api_client(config)
    answers = []
    for index, (kind, mapping) in enumerate(kinds):
        payload = build_payload(kind, mapping, delivery.address, delivery.notification)
        try:
            result = client.post(ENDPOINTS[kind], params={"access_token": token}, data=payload)
        except WeChatClientException as exc:
            if exc.errcode in TOKEN_ERRORS:
                return answers, _TOKEN_REFUSED
            answers.append((kind, exc.errcode, str(exc.errmsg)[:300], ""))
            if index + 1 < len(kinds) and exc.errcode == USER_REFUSED:
                continue
            return answers, RuntimeError(f"WeChat {kind} errcode {exc.errcode}: {exc.errmsg}")
        except Exception as exc:  # noqa: BLE001 - unreachable, timeout: recorded, retried
            return answers, exc
        answers.append(
            (
                kind,
                int(result.get("errcode", 0)),
                str(result.get("errmsg", ""))[:300],
                str(result.get("msgid", "")),
            )
        )
        return answers, None
    return answers, RuntimeError("no template could be sent")


_pool: tuple[tuple[int, int], ThreadPoolExecutor] | None = None  # ((pid, size), pool)
_pool_lock = threading.Lock()


def _run(config: Config, token: str, jobs: list) -> list:
    """``_push`` for every job, on the process's push threads (in order)."""
    global _pool
    workers = max(1, int(getattr(settings, "WECHAT_PUSH_CONCURRENCY", 8)))
    if workers == 1 or len(jobs) == 1:
        return [_push(config, token, job) for job in jobs]
    with _pool_lock:
        # a new pool in a forked child: the parent's threads do not survive a fork
        if _pool is None or _pool[0] != (os.getpid(), workers):
            _pool = ((os.getpid(), workers), ThreadPoolExecutor(workers, "wechat-push"))
        pool = _pool[1]
    return list(pool.map(lambda job: _push(config, token, job), jobs))
