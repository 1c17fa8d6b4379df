"""The notification centre's workbench card (platform/workbench.py): unread messages."""

from django.urls import reverse
from django.utils.translation import gettext as _

from yingshang.platform.workbench import WATCH, Card, provider

from . import selectors


@provider
def notification_cards(user) -> list[Card]:
    if not user.is_authenticated:
        return []
    n = selectors.unread_count(user)
    return [
        Card(
            key="notifications.unread",
            title=_("未读消息"),
            count=n,
            url=f"{reverse('notifications:inbox')}?unread=1",
            group=WATCH,
            order=90,
        )
    ]
