"""Demo loading. Each part's loader (yingshang.demo.<part>) contributes steps with
``@demo_step``; ``yingshang demo`` runs them in order. Every step must be idempotent: a rerun
changes nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module


@dataclass
class DemoStep:
    order: int
    name: str
    run: Callable
    add_arguments: Callable | None = None
    module: str = ""

    @property
    def app(self) -> str:
        """The app whose data the step loads, named by the demo module that registered it
        (yingshang.demo.cases → cases): ``yingshang demo --only cases`` selects it."""
        return self.module.rsplit(".", 1)[-1]


_steps: list[DemoStep] = []
_extra_logins: list[str] = []


def register_login(username: str) -> None:
    """An app's demo creates this staff account: list it in the demo logins table."""
    if username not in _extra_logins:
        _extra_logins.append(username)


def extra_logins() -> list[str]:
    return list(_extra_logins)


def demo_step(order: int, name: str, add_arguments: Callable | None = None):
    def register(func):
        _steps.append(DemoStep(order, name, func, add_arguments, func.__module__))
        return func

    return register


# The per-part loaders, in the order of the layers they fill (each registers its steps).
LOADERS = [
    "core",
    "registry",
    "catalog",
    "cases",
    "reforms",
    "appeals",
    "evaluations",
    "monitoring",
    "accounts",
]


def steps() -> list[DemoStep]:
    for name in LOADERS:
        import_module(f"yingshang.demo.{name}")
    return sorted(_steps, key=lambda s: s.order)


class Tally:
    """Counts what a step did per kind of object, for the command's report."""

    def __init__(self):
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, kind: str, status: str, n: int = 1):
        bucket = self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[status] = bucket.get(status, 0) + n
