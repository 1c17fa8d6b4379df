"""The appeals app's workbench cards (platform/workbench.py): appeals to sign and dispatch for
the service office, open appeals with their deadlines for departments, escalations for
supervisors and leaders."""

from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from yingshang.core.models import Role
from yingshang.platform.workbench import TODO, Card, provider

from . import selectors
from .models import Status, is_service_office


def _card(user, key, title, *, queue, status="", due_field, order, group=TODO, tone=""):
    qs = selectors.appeals_for(user, queue, "", status).order_by()
    found = qs.aggregate(n=Count("pk"), due=Min(due_field))
    n = found["n"] or 0
    params = {"queue": queue, **({"status": status} if status else {})}
    return Card(
        key=f"appeals.{key}",
        title=title,
        count=n,
        url=f"{reverse('appeals:queue')}?{urlencode(params)}",
        due=found["due"] if n else None,
        tone=tone if n else "",
        group=group,
        order=order,
    )


@provider
def appeal_cards(user) -> list[Card]:
    if not user.is_staff_member:
        return []
    cards = []
    if is_service_office(user):
        cards.append(
            _card(
                user,
                "sign",
                _("企业诉求待签收/待交办"),
                queue="sign",
                due_field="sign_due",
                order=15,
            )
        )
    if user.role in (Role.HANDLER, Role.DEPT_HEAD):
        cards.append(
            _card(user, "open", _("企业诉求办理中"), queue="open", due_field="due_at", order=35)
        )
    if user.role in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN) or not user.role:
        cards.append(
            _card(
                user,
                "escalated",
                _("市领导督办诉求"),
                queue="escalated",
                status=Status.ESCALATED,
                due_field="due_at",
                order=25,
                tone="danger",
            )
        )
    return cards
