"""Which client a request comes from. WeChat's in-app browser (微信内置浏览器, on iOS a WKWebView,
on Android Tencent's XWeb) names itself in the user agent with ``MicroMessenger/<version>``;
pages adapt to it (the web authorisation instead of a password, the channel ``wechat`` on what
the person sends, notices the browser can show). Only a hint for convenience and statistics:
nothing about permissions is decided by it."""

WECHAT_MARK = "MicroMessenger"


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "") or ""


def in_wechat(request) -> bool:
    """The request comes from WeChat's in-app browser (phone, or WeChat for Windows/Mac)."""
    return WECHAT_MARK in user_agent(request)


def wechat_on_android(request) -> bool:
    """WeChat's browser on Android: it neither shows PDFs nor downloads files."""
    return in_wechat(request) and "Android" in user_agent(request)
