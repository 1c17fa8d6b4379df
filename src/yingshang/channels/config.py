"""The account's effective configuration: the admin's row (WeChatAccount) where a field is
filled, else the environment (WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN,
WECHAT_ENCODING_AES_KEY, WECHAT_ORIGINAL_ID, WECHAT_API_BASE; WECHAT_OAUTH_BASE and
WECHAT_OAUTH_SCOPE only from the environment). Read at most every few seconds
per process (``WECHAT_CONFIG_CACHE_SECONDS``); saving the row drops the cache at once."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import WeChatAccount

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# web authorisation (网页授权): the page WeChat's in-app browser opens to hand out a code
DEFAULT_OAUTH_BASE = "https://open.weixin.qq.com"
ENV = {
    "app_id": "WECHAT_APP_ID",
    "app_secret": "WECHAT_APP_SECRET",
    "token": "WECHAT_TOKEN",
    "encoding_aes_key": "WECHAT_ENCODING_AES_KEY",
    "original_id": "WECHAT_ORIGINAL_ID",
    "api_base": "WECHAT_API_BASE",
}
# not in the admin's row: where the authorisation page is (the fake server in the demo)
OAUTH_BASE_ENV = "WECHAT_OAUTH_BASE"
# not in the admin's row either: snsapi_base (the openid, no consent screen; the default) or
# snsapi_userinfo (WeChat asks the person's consent and also hands out the open platform's
# UnionID, needed when the city runs several accounts or mini programs under one open platform)
OAUTH_SCOPE_ENV = "WECHAT_OAUTH_SCOPE"
OAUTH_SCOPES = ("snsapi_base", "snsapi_userinfo")


@dataclass(frozen=True)
class Config:
    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    original_id: str = ""
    api_base: str = DEFAULT_API_BASE
    oauth_base: str = DEFAULT_OAUTH_BASE
    oauth_scope: str = "snsapi_base"

    @property
    def callback_ready(self) -> bool:
        """The callback can verify requests: an AppID and a token."""
        return bool(self.app_id and self.token)

    @property
    def push_ready(self) -> bool:
        """The API can be called: AppID and AppSecret."""
        return bool(self.app_id and self.app_secret)


_cache: tuple[float, Config | None] | None = None


def get_config() -> Config | None:
    """The effective configuration, or None when the account is switched off in the admin."""
    global _cache
    ttl = float(getattr(settings, "WECHAT_CONFIG_CACHE_SECONDS", 5))
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < ttl:
        return _cache[1]
    row = WeChatAccount.objects.order_by("pk").first()
    if row is not None and not row.enabled:
        config = None
    else:
        values = {}
        for field, env in ENV.items():
            value = (getattr(row, field, "") if row is not None else "") or os.environ.get(env, "")
            if value:
                values[field] = value.strip()
        if "api_base" in values:
            values["api_base"] = values["api_base"].rstrip("/")
        if oauth_base := os.environ.get(OAUTH_BASE_ENV, "").strip():
            values["oauth_base"] = oauth_base.rstrip("/")
        scope = os.environ.get(OAUTH_SCOPE_ENV, "").strip()
        if scope:
            if scope not in OAUTH_SCOPES:
                raise ImproperlyConfigured(
                    f"{OAUTH_SCOPE_ENV} must be one of {', '.join(OAUTH_SCOPES)}, not {scope!r}"
                )
            values["oauth_scope"] = scope
        config = Config(**values)
    _cache = (now, config)
    return config


def clear_cache() -> None:
    global _cache
    _cache = None


@receiver(post_save, sender=WeChatAccount)
@receiver(post_delete, sender=WeChatAccount)
def _account_changed(**kwargs):
    clear_cache()
