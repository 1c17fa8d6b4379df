"""The state-machine kit: a declarative transition table per model and ONE applier.

A machine is a ``Machine`` subclass (or instance) naming the model, its state field, its states
(a ``TextChoices``), its event table and a list of ``Edge`` rows::

    class RectificationMachine(Machine):
        model = Rectification
        states = RectStatus
        event_model = RectificationEvent
        event_fk = "rectification"
        policy = policies            # module/object with can(user, action, obj) and check(...)
        edges = [
            Edge("verify", {S.VERIFYING}, S.RECTIFYING, _("核实属实"), permission="rectify"),
            ...
        ]

``machine.transition(obj, action, actor=..., channel=..., note=..., **data)``:

1. looks the action up (unknown → ValidationError on ``error_field``);
2. locks the row (``lock()``: ``select_for_update``; a machine may scope it to the actor);
3. checks the actor's permission (``policy.check(actor, edge.permission, obj)``, before or after
   the state check as the machine's ``permission_first`` says);
4. checks the edge (``refuse()`` builds the machine's zh/en message) and every guard;
5. computes the target state (a value, a callable of the locked object, or ``None`` =
   unchanged), runs the edge's effects (they change the object), sets the state, saves;
6. appends the event (``record()``, the same fields everywhere), runs ``after`` hooks in the
   transaction, and queues the notifications and ``on_commit`` hooks with
   ``transaction.on_commit`` — a failed notification is logged, never undoes the step.

Modelled on Signalen's ``ALLOWED_STATUS_CHANGES`` + locking manager (Amsterdam/signals). The
table is also data: ``mermaid()`` renders it as a ``stateDiagram-v2`` (see docs/state-machines.md,
kept in step by a test).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

log = logging.getLogger(__name__)

SAME = None  # target: the state does not change


@dataclass(frozen=True)
class Edge:
    """One row of a transition table."""

    action: str
    sources: frozenset
    target: Any  # a state value, SAME (None), {source: target} or callable(ctx) -> state
    label: Any  # lazy zh label (the button and the diagram)
    permission: str | None = None  # a policy action; None = the applier does not check
    guards: tuple = ()  # callable(ctx): raise ValidationError to refuse
    effects: tuple = ()  # callable(ctx): change ctx.obj before it is saved
    after: tuple = ()  # callable(ctx): in the transaction, after the save and the event
    on_commit: tuple = ()  # callable(ctx): after commit
    notify: Callable | None = None  # callable(ctx) -> iterable of Notice
    event_action: str = ""  # the action written to the event log (default: action)
    target_label: Any = None  # the diagram's name for a computed target

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        for name in ("guards", "effects", "after", "on_commit"):
            value = getattr(self, name)
            if callable(value):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))


@dataclass(frozen=True)
class Notice:
    recipient: Any
    title: str
    body: str = ""
    link: str = ""
    category: str = ""
    data: dict = field(default_factory=dict)  # facts for templated channels (SMS): number, status
    dedup_key: str = ""  # one message per event per person (the notification centre's key)


@dataclass
class Context:
    """What every guard, effect and hook receives."""

    machine: Machine
    obj: Any
    edge: Edge
    actor: Any
    channel: str
    note: str
    data: dict
    now: Any
    before: str = ""
    target: str = ""
    event_data: dict = field(default_factory=dict)
    event: Any = None
    notices: list = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.edge.action

    def notify(self, recipient, title, body="", link="", category=""):
        if recipient is not None:
            self.notices.append(Notice(recipient, title, body, link, category))


def send_notices(notices: Iterable[Notice], default_category: str = ""):
    """Queue notifications through the notification centre after commit
    (``settings.YINGSHANG_NOTIFY``, default ``yingshang.notifications.services.notify``)."""
    notices = [n for n in notices if n.recipient is not None]
    if not notices:
        return

    def send():
        path = getattr(settings, "YINGSHANG_NOTIFY", "yingshang.notifications.services.notify")
        try:
            notify = import_string(path)
        except ImportError:  # the notification centre is not installed
            return
        for n in notices:
            try:
                notify(
                    n.recipient,
                    n.title,
                    n.body,
                    link=n.link,
                    category=n.category or default_category,
                    **({"data": n.data} if n.data else {}),
                    **({"dedup_key": n.dedup_key} if n.dedup_key else {}),
                )
            except Exception:  # noqa: BLE001
                log.exception("notification to %s failed", getattr(n.recipient, "pk", None))

    transaction.on_commit(send)


class Machine:
    """Base of every transition table. Subclasses set the class attributes and may override
    the hooks (``lock``, ``refuse``, ``actor_role``, ``event_owner``, ``event_fields``)."""

    name: str = ""
    title: Any = ""  # zh title for the docs
    model: type[models.Model]
    field: str = "status"
    states: type[models.TextChoices]
    event_model: type[models.Model] | None = None
    event_fk: str = ""
    edges: list[Edge] = []
    policy: Any = None
    permission_first: bool = False  # check the actor before the state
    error_field: str = "status"
    category: str = ""  # notification category

    def __init__(self):
        self.table: dict[str, Edge] = {}
        for edge in self.edges:
            if edge.action in self.table:
                raise ValueError(f"{self.name}: duplicate action {edge.action}")
            self.table[edge.action] = edge

    # ------------------------------------------------------------------ hooks

    def state_label(self, value) -> str:
        try:
            return str(self.states(value).label)
        except ValueError:
            return value

    def unknown(self, action) -> Exception:
        return ValidationError({self.error_field: _("未知操作“%(a)s”。") % {"a": action}})

    def refuse(self, obj, edge: Edge) -> Exception:
        """The error for an action not allowed from the object's state."""
        return ValidationError(
            {
                self.error_field: _("当前状态为“%(s)s”，不能执行“%(a)s”。")
                % {"s": self.state_label(self.state_of(obj)), "a": edge.label}
            }
        )

    def lock(self, obj, ctx: Context):
        return type(obj).objects.select_for_update().get(pk=obj.pk)

    def check_permission(self, ctx: Context):
        """``actor=None`` is the system (sweeps, scheduled jobs): trusted, not checked."""
        if ctx.actor is not None and ctx.edge.permission and self.policy is not None:
            self.policy.check(ctx.actor, ctx.edge.permission, ctx.obj)

    def actor_role(self, actor) -> str:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return "system" if actor is None else "applicant"
        return getattr(actor, "role", "") or ("admin" if actor.is_superuser else "applicant")

    def actor_name(self, actor) -> str:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return "system"
        return actor.get_username()

    def event_owner(self, obj):
        return obj

    def event_fields(self, ctx: Context) -> dict:
        return {}

    def before_save(self, ctx: Context):
        """Machine-wide hook after the edge's effects, before the save (e.g. a version bump)."""

    def finish(self, ctx: Context):
        """Machine-wide hook in the transaction after the event, the edge's ``after`` hooks and
        the queued notifications (e.g. a roll-up to a parent record)."""

    # ------------------------------------------------------------------ the table as data

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)

    def allowed(self, obj, actor=None) -> list[str]:
        """Actions possible from the object's state (and for ``actor``, when given)."""
        state = self.state_of(obj)
        result = []
        for edge in self.edges:
            if state not in edge.sources:
                continue
            if actor is not None and edge.permission and self.policy is not None:  # noqa: SIM102
                if not self.policy.can(actor, edge.permission, obj):
                    continue
            result.append(edge.action)
        return result

    def edge(self, action) -> Edge:
        try:
            return self.table[action]
        except KeyError:
            raise self.unknown(action) from None

    def target_name(self, edge: Edge, source) -> str:
        """The target of ``edge`` from ``source`` as the diagram names it."""
        if edge.target is SAME:
            return source
        if isinstance(edge.target, dict):
            return edge.target[source]
        if callable(edge.target):
            return str(edge.target_label or "?")
        return edge.target

    def by_state(self) -> dict[str, dict[str, str]]:
        """The table as ``{state: {action: target}}`` for every state (a state with no way out
        maps to ``{}``), targets named as the diagram names them."""
        out: dict[str, dict[str, str]] = {str(s): {} for s in self.states.values}
        for edge in self.edges:
            for source in edge.sources:
                out.setdefault(str(source), {})[edge.action] = self.target_name(edge, source)
        return out

    def require(self, obj, action) -> Edge:
        """Raise the machine's refusal unless ``action`` is allowed from ``obj``'s state (for a
        step that only checks, e.g. asking for an extension)."""
        edge = self.edge(action)
        if self.state_of(obj) not in edge.sources:
            raise self.refuse(obj, edge)
        return edge

    def mermaid(self) -> str:
        """The table as a Mermaid ``stateDiagram-v2`` with zh labels (default language)."""
        with override(settings.LANGUAGE_CODE):
            ids = {value: value for value in self.states.values}
            lines = ["stateDiagram-v2"]
            for value, label in self.states.choices:
                lines.append(f"    {ids[value]}: {label}")
            for edge in self.edges:
                for source in [v for v in self.states.values if v in edge.sources]:
                    lines.append(
                        f"    {ids[source]} --> {self.target_name(edge, source)}: {edge.label}"
                    )
            return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ the applier

    def transition(self, obj, action, *, actor=None, channel="", note="", now=None, **data):
        edge = self.edge(action)
        with transaction.atomic():
            ctx = Context(
                self,
                obj,
                edge,
                actor,
                channel,
                (note or "").strip(),
                data,
                now or timezone.now(),
            )
            ctx.obj = self.lock(obj, ctx)
            if self.permission_first:
                self.check_permission(ctx)
            self.check_state(ctx)
            if not self.permission_first:
                self.check_permission(ctx)
            for guard in edge.guards:
                guard(ctx)
            ctx.before = self.state_of(ctx.obj)
            if edge.target is SAME:
                ctx.target = ctx.before
            elif isinstance(edge.target, dict):
                ctx.target = edge.target[ctx.before]
            elif callable(edge.target):  # computed from the object as locked, before effects
                ctx.target = edge.target(ctx)
            else:
                ctx.target = edge.target
            for effect in edge.effects:
                effect(ctx)
            setattr(ctx.obj, self.field, ctx.target)
            self.before_save(ctx)
            ctx.obj.save()
            ctx.event = self.record(
                ctx.obj,
                edge.event_action or edge.action,
                ctx.before,
                ctx.target,
                actor=actor,
                channel=channel,
                note=ctx.note,
                data=ctx.event_data,
                at=ctx.now,
                ctx=ctx,
            )
            for hook in edge.after:
                hook(ctx)
            if edge.notify is not None:
                for notice in edge.notify(ctx) or ():
                    ctx.notices.append(notice)
            send_notices(ctx.notices, self.category)
            for hook in edge.on_commit:
                transaction.on_commit(lambda hook=hook: hook(ctx))
            self.finish(ctx)
            return ctx.obj

    def check_state(self, ctx: Context):
        if self.state_of(ctx.obj) not in ctx.edge.sources:
            raise self.refuse(ctx.obj, ctx.edge)

    def record(
        self,
        obj,
        action,
        from_state,
        to_state,
        *,
        actor=None,
        channel="",
        note="",
        data=None,
        at=None,
        ctx=None,
        **fields,
    ):
        """Append one event for ``obj`` (also for steps outside the table: submissions,
        roll-ups, sweeps, reminders)."""
        if self.event_model is None:
            return None
        real = actor if getattr(actor, "is_authenticated", False) else None
        values = {
            self.event_fk: self.event_owner(obj),
            "at": at or timezone.now(),
            "action": action,
            "from_state": from_state or "",
            "to_state": to_state or "",
            "actor": real,
            "actor_name": self.actor_name(actor),
            "actor_role": self.actor_role(actor),
            "channel": channel or "",
            "note": note or "",
            "data": data or {},
        }
        if ctx is not None:
            values.update(self.event_fields(ctx))
        values.update(fields)
        return self.event_model.objects.create(**values)


MACHINES: dict[str, Machine] = {}


def register(machine_class):
    """Class decorator: instantiate and register a machine under its ``name``."""
    machine = machine_class()
    MACHINES[machine.name] = machine
    return machine


def machine_for(obj) -> Machine:
    for machine in MACHINES.values():
        if isinstance(obj, machine.model):
            return machine
    raise LookupError(f"no state machine for {type(obj).__name__}")


def transition(obj, action, *, actor=None, channel="", note="", **data):
    """Perform ``action`` on ``obj`` through its registered machine."""
    return machine_for(obj).transition(obj, action, actor=actor, channel=channel, note=note, **data)


def all_machines() -> list[Machine]:
    """Every registered machine (importing each app's ``machines`` module)."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "machines"):
            import_module(f"{config.name}.machines")
    return sorted(MACHINES.values(), key=lambda m: m.name)


def render_docs() -> str:
    """docs/state-machines.md, generated from the tables."""
    with override(settings.LANGUAGE_CODE):
        parts = [
            "# 状态机 (state machines)\n",
            "Generated from the transition tables by `yingshang kit_docs`; "
            "`tests/platform/test_kit_docs.py` fails when this file differs. Do not edit.\n",
        ]
        for machine in all_machines():
            parts.append(f"## {machine.title} (`{machine.name}`)\n")
            parts.append(
                f"Model `{machine.model._meta.label}`, field `{machine.field}`, events "
                f"`{machine.event_model._meta.label if machine.event_model else '-'}`.\n"
            )
            parts.append("```mermaid\n" + machine.mermaid() + "```\n")
            rows = [
                "| 操作 action | 来源状态 | 目标状态 | 权限 policy action |",
                "|---|---|---|---|",
            ]
            for edge in machine.edges:
                sources = "、".join(
                    str(machine.state_label(v)) for v in machine.states.values if v in edge.sources
                )
                if edge.target is SAME:
                    target = "(不变)"
                elif isinstance(edge.target, dict):
                    target = "、".join(
                        f"{machine.state_label(k)}→{machine.state_label(v)}"
                        for k, v in edge.target.items()
                    )
                elif callable(edge.target):
                    target = str(edge.target_label or "?")
                else:
                    target = machine.state_label(edge.target)
                rows.append(
                    f"| {edge.label} `{edge.action}` | {sources} | {target} | "
                    f"{edge.permission or '-'} |"
                )
            parts.append("\n".join(rows) + "\n")
        return "\n".join(parts)
