"""The cases app's workbench cards (platform/workbench.py): each role's to-dos over the cases
it can see, every figure linking to the queue filtered the same way."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingshang.core.models import Role
from yingshang.platform.workbench import TODO, WATCH, Card, module_gate, provider

from . import selectors
from .models import Case, Status


@module_gate("cases:intake")
def may_take_in(user) -> bool:
    """综合窗口收件 is offered to the roles the intake page lets in (cases/views.py
    ``_require_writer``: a writing role the case policy allows to "handle")."""
    from yingshang.platform.scoping import can_write

    from .workflow import MACHINE

    return can_write(user) and MACHINE.policy.can(user, "handle")


def _queue(**params) -> str:
    return f"{reverse('cases:queue')}?{urlencode(params)}"


def _card(user, key, title, *, params, order, group=TODO, tone="", q=None, hint=""):
    """A card over the queue's rows (``queue_for`` with the same filters as the link)."""
    filters = {"status": "open", **params}
    qs = selectors.queue_for(user, **filters)
    if q is not None:
        qs = qs.filter(q)
    found = qs.order_by().aggregate(n=Count("pk"), due=Min("due_at"))
    n = found["n"] or 0
    return Card(
        key=f"cases.{key}",
        title=title,
        count=n,
        url=_queue(**params),
        due=found["due"] if n else None,
        tone=tone if n else "",
        hint=hint,
        group=group,
        order=order,
    )


def _on_time_rate(user, days=30) -> Card:
    since = timezone.now() - datetime.timedelta(days=days)
    done = Case.objects.visible_to(user).filter(
        status__in=(Status.COMPLETED, Status.DELIVERED), completed_at__gte=since
    )
    figures = done.order_by().aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(final_sla_state="overdue"))
    )
    total = figures["total"] or 0
    rate = round(100 * (total - (figures["late"] or 0)) / total) if total else None
    return Card(
        key="cases.on_time_rate",
        title=_("近30日按时办结率"),
        count=rate if rate is not None else 0,
        suffix="%" if rate is not None else "",
        empty=rate is None,
        url=_queue(status="completed"),
        hint=_("近30日办结 %(n)d 件") % {"n": total},
        tone="warn" if rate is not None and rate < 90 else "",
        group=WATCH,
        order=60,
    )


@provider
def case_cards(user) -> list[Card]:
    if not user.is_staff_member:
        return []
    role = user.role
    overdue = {"sla_state": "overdue"}
    if role == Role.CLERK:
        return [
            _card(user, "window", _("等待窗口受理"), params={"todo": "window"}, order=10),
            _card(
                user,
                "resubmitted",
                _("补正材料已交回"),
                params={"todo": "resubmitted"},
                order=20,
            ),
            _card(
                user,
                "supplement",
                _("等待申请人补正"),
                params={"status": Status.SUPPLEMENT},
                order=30,
                group=WATCH,
            ),
        ]
    if role == Role.HANDLER:
        return [
            _card(
                user,
                "due_today",
                _("今日到期"),
                params={"todo": "due_today"},
                order=10,
                tone="warn",
            ),
            _card(user, "overdue", _("已超期"), params=overdue, order=20, tone="danger"),
            _card(user, "decision", _("待我决定"), params={"todo": "decision"}, order=30),
            _card(
                user,
                "warning",
                _("临近到期（预警）"),
                params={"sla_state": "warning"},
                order=40,
                group=WATCH,
                tone="warn",
            ),
        ]
    if role == Role.DEPT_HEAD:
        return [
            _card(user, "approval", _("待审批"), params={"todo": "approval"}, order=10),
            _card(user, "overdue", _("本部门超期办件"), params=overdue, order=20, tone="danger"),
            _card(
                user,
                "warning",
                _("本部门预警办件"),
                params={"sla_state": "warning"},
                order=50,
                group=WATCH,
                tone="warn",
            ),
            _on_time_rate(user),
        ]
    if role == Role.LEADER:
        return [
            _card(user, "overdue", _("超期办件"), params=overdue, order=20, tone="danger"),
            _on_time_rate(user),
        ]
    # supervisor, administrator (and a superuser without a role)
    return [
        _card(
            user,
            "warning",
            _("预警办件"),
            params={"sla_state": "warning"},
            order=10,
            tone="warn",
        ),
        _card(user, "overdue", _("超期办件"), params=overdue, order=20, tone="danger"),
        _on_time_rate(user),
    ]
