"""App boundaries, checked on the source with ``ast`` (docs/architecture.md, "Public entry points"):

- a module of domain app A imports from another domain app B only B's public module
  (``B.public``) or ``B.models`` (foreign keys, choices); the foundation packages (``core``,
  ``platform``) may be imported by anyone. The exceptions still in the code are listed below, each
  with its reason, so that the list can only shrink;
- the monitoring package reads upstream data only through its ``sources/`` adapters: no other
  monitoring module imports an upstream app or names an upstream model (``"cases.Case"``);
- pages take input through forms: no ``views.py`` reads ``request.POST``/``request.GET`` by key.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "yingshang"
DOMAIN_APPS = {
    "accounts",
    "appeals",
    "cases",
    "catalog",
    "channels",
    "evaluations",
    "monitoring",
    "notifications",
    "reforms",
    "registry",
}
FOUNDATION = {"core", "platform", "workdays"}
PUBLIC = {"public", "models"}
UPSTREAM = {"cases", "appeals", "evaluations", "reforms", "catalog", "registry"}

# (importing module, imported module) → why it is still allowed. Only shrinks.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in DOMAIN_APPS | FOUNDATION and "migrations" not in rel.parts:
            yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree) -> list[str]:
    """Every absolute ``yingshang.…`` module a file imports (also inside functions);
    ``from yingshang.x import y`` counts as ``yingshang.x.y`` when ``y`` is a module name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("yingshang.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("yingshang."):
                continue
            if node.module.count(".") == 1:  # from yingshang.app import module
                found += [f"{node.module}.{a.name}" for a in node.names]
            else:
                found.append(node.module)
    return found


def _violations():
    out = []
    for rel, tree in _modules():
        app = rel.parts[0]
        for target in _imports(tree):
            parts = target.split(".")
            other = parts[1]
            if other == app or other not in DOMAIN_APPS:
                continue
            if len(parts) >= 3 and parts[2] in PUBLIC:
                continue
            out.append((rel.as_posix(), ".".join(parts[:3])))
    return out


def test_cross_app_imports_go_through_public_modules():
    unexpected = sorted(set(_violations()) - set(EXCEPTIONS))
    assert unexpected == [], "import another app's public module (or its models) instead: " + repr(
        unexpected
    )


def test_exception_list_only_names_real_imports():
    """A rerouted exception must leave the list (so that it cannot grow back silently)."""
    stale = sorted(set(EXCEPTIONS) - set(_violations()))
    assert stale == []


@pytest.mark.parametrize(
    "app", ["registry", "evaluations", "catalog", "notifications", "cases", "appeals"]
)
def test_public_modules_are_small_and_declared(app):
    path = SRC / app / "public.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{app}.public needs a docstring"
    exported = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
    )
    names = [e.value for e in exported.elts]
    assert names and len(names) <= 20
    module = __import__(f"yingshang.{app}.public", fromlist=names)
    for name in names:
        assert callable(getattr(module, name)), f"{app}.public.{name}"


MODEL_LABEL = re.compile(rf"^({'|'.join(sorted(UPSTREAM))})\.[A-Z]\w+$")


def test_monitoring_reads_upstream_only_through_sources():
    offenders = []
    for rel, tree in _modules():
        if rel.parts[0] != "monitoring" or "sources" in rel.parts:
            continue
        for target in _imports(tree):
            if target.split(".")[1] in UPSTREAM:
                offenders.append((rel.as_posix(), target))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if MODEL_LABEL.match(node.value):
                    offenders.append((rel.as_posix(), node.value))
    assert offenders == []


def test_views_take_input_through_forms():
    """``request.POST.get(...)``/``request.GET[...]`` hand parsing is gone from the views (the
    action name a form chooses and binding a form to ``request.POST`` are fine)."""
    hand = re.compile(r"request\.(POST|GET)(\.get(list)?\(|\[)")
    allowed = {'request.POST.get("action", "")', 'request.POST.get("step")'}
    offenders = []
    for path in sorted(SRC.glob("*/views.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if hand.search(line) and not any(a in line for a in allowed):
                offenders.append(f"{path.relative_to(SRC)}:{no}: {line.strip()}")
    assert offenders == []
