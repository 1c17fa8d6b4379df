"""The WeChat channel's workbench card (platform/workbench.py): refusals of the last 7 days."""

from django.urls import reverse
from django.utils.translation import gettext as _

from yingshang.platform.workbench import WATCH, Card, provider

from . import selectors
from .policies import may_see_refusals


@provider
def refusal_cards(user) -> list[Card]:
    if not may_see_refusals(user):
        return []
    return [
        Card(
            key="channels.refusals",
            title=_("公众号拒绝的请求（近 7 日）"),
            count=selectors.refusals_since(7),
            url=reverse("channels:refusals"),
            group=WATCH,
            order=95,
        )
    ]
