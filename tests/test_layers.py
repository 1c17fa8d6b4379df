"""The layer contract (pyproject.toml [tool.importlinter]): no app imports an app above it, so
there is no import cycle between apps, the platform imports no domain app and no domain app
imports the demo. Runs import-linter's own command, as a developer would."""

import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return contract


def test_lint_imports_keeps_the_layers():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_app_is_in_a_layer():
    """A new app cannot escape the contract: each yingshang app sits in exactly one layer."""
    in_layers = [name.strip() for layer in _contract()["layers"] for name in layer.split("|")]
    apps = [
        a.removeprefix("yingshang.") for a in settings.INSTALLED_APPS if a.startswith("yingshang.")
    ]
    assert sorted(in_layers) == sorted(apps)
