"""The evaluations app's workbench cards (platform/workbench.py): bad ratings whose
rectification is still open, and the ones past their deadline."""

from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingshang.core.models import Role
from yingshang.platform.workbench import TODO, WATCH, Card, provider

from . import selectors


@provider
def evaluation_cards(user) -> list[Card]:
    if not user.is_staff_member or user.role == Role.CLERK:
        return []
    now = timezone.now()
    qs = selectors.rectifications_for(user, selectors.OPEN_FILTER).order_by()
    found = qs.aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)), due=Min("due_at")
    )
    n = found["n"] or 0
    url = f"{reverse('evaluations:rectifications')}?{urlencode({'status': 'open'})}"
    todo = user.role in (Role.HANDLER, Role.DEPT_HEAD, Role.SUPERVISOR)
    return [
        Card(
            key="evaluations.bad_open",
            title=_("差评待整改"),
            count=n,
            url=url,
            due=found["due"] if n else None,
            hint=_("其中已超期 %(n)d 件") % {"n": found["late"] or 0} if found["late"] else "",
            tone="danger" if found["late"] else ("warn" if n else ""),
            group=TODO if todo else WATCH,
            order=45,
        )
    ]
