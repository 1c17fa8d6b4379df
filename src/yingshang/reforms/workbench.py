"""The reforms app's workbench cards (platform/workbench.py): lagging and overdue reform tasks,
per programme the person can open, linking to the programme's schedule filtered by state."""

from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from yingshang.core.models import Role
from yingshang.platform.workbench import TODO, WATCH, Card, provider

from . import selectors
from .models import Task, TaskState

MAX_PROGRAMMES = 3  # the programmes with the most lagging tasks get a card


@provider
def reform_cards(user) -> list[Card]:
    if not user.is_staff_member or user.role == Role.CLERK:
        return []
    programmes = {p.pk: p for p in selectors.programmes_for(user)}
    if not programmes:
        return []
    rows = (
        Task.objects.visible_to(user)
        .filter(programme_id__in=programmes, state__in=(TaskState.LAGGING, TaskState.OVERDUE))
        .order_by()
        .values("programme_id", "state")
        .annotate(n=Count("pk"), due=Min("deadline"))
    )
    per_programme: dict[int, dict] = {}
    for row in rows:
        per_programme.setdefault(row["programme_id"], {})[row["state"]] = row
    ranked = sorted(per_programme, key=lambda pk: -sum(r["n"] for r in per_programme[pk].values()))
    todo = user.role in (Role.SUPERVISOR, Role.HANDLER, Role.DEPT_HEAD)
    titles = {TaskState.LAGGING: _("进度滞后任务"), TaskState.OVERDUE: _("逾期未完成任务")}
    cards = []
    for pk in ranked[:MAX_PROGRAMMES]:
        programme = programmes[pk]
        for state, title in titles.items():
            row = per_programme[pk].get(state)
            if not row:
                continue
            url = reverse("reforms:schedule", args=[pk])
            cards.append(
                Card(
                    key=f"reforms.{pk}.{state}",
                    title=title,
                    count=row["n"],
                    url=f"{url}?{urlencode({'state': state})}",
                    due=row["due"],
                    hint=str(programme),
                    tone="danger" if state == TaskState.OVERDUE else "warn",
                    group=TODO if todo else WATCH,
                    order=70 if state == TaskState.OVERDUE else 75,
                )
            )
    return cards
