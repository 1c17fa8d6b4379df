"""Workbench cards: each app says what a staff member has to do, the workbench only shows it.

An app contributes cards from a ``workbench.py`` module (discovered like ``jobs.py``)::

    from yingshang.platform.workbench import Card, provider

    @provider
    def cases_cards(user) -> list[Card]:
        ...  # counts from the app's own selectors, scoped by ``visible_to(user)``

A card is one figure of the person's to-do list: a count, the earliest due date among the
counted items, and the link to the filtered list the person can open (no link when they
cannot). The workbench page (core) imports only this module, never a domain app, so the
import layers hold (docs/architecture.md).
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("yingshang.workbench")

# Groups of cards, in the order the page shows them.
TODO = "todo"  # things to act on now
WATCH = "watch"  # figures to keep an eye on (SLA, warnings)


@dataclass(frozen=True)
class Card:
    key: str  # stable, e.g. "cases.overdue" (the page's element id, tests)
    title: str
    count: int
    suffix: str = ""  # "%" for a rate
    empty: bool = False  # no data (the count is not shown)
    url: str = ""  # the filtered list; empty when the person may not open it
    due: datetime.date | datetime.datetime | None = None  # earliest due among the counted
    tone: str = ""  # "" | "warn" | "danger"
    hint: str = ""
    group: str = TODO
    order: int = 100
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def dom_id(self) -> str:
        return "card-" + self.key.replace(".", "-")

    @property
    def due_date(self) -> datetime.date | None:
        if isinstance(self.due, datetime.datetime):
            from django.utils import timezone

            return (
                timezone.localtime(self.due).date()
                if timezone.is_aware(self.due)
                else (self.due.date())
            )
        return self.due


Provider = Callable[[object], list[Card]]
_providers: dict[str, Provider] = {}
_discovered = False


def provider(func: Provider) -> Provider:
    """Register a card provider (the function's module and name identify it)."""
    _providers[f"{func.__module__}.{func.__qualname__}"] = func
    return func


Gate = Callable[[object], bool]
_gates: dict[str, Gate] = {}


def module_gate(url_name: str):
    """Register who may open a workbench module (by its URL name): the owning app's own rule,
    so that the workbench offers a link only to the roles its policy lets in."""

    def register(func: Gate) -> Gate:
        _gates[url_name] = func
        return func

    return register


def module_allowed(url_name: str, user) -> bool | None:
    """The owning app's answer for ``user``, or None when the app registered no gate."""
    discover()
    gate = _gates.get(url_name)
    return None if gate is None else bool(gate(user))


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("workbench")
        _discovered = True


def providers() -> list[Provider]:
    discover()
    return [p for _name, p in sorted(_providers.items())]


def cards_for(user) -> list[Card]:
    """Every card of every app for ``user``, by group then order."""
    cards: list[Card] = []
    for p in providers():
        cards.extend(p(user) or [])
    return sorted(cards, key=lambda c: (c.group != TODO, c.order, c.key))
