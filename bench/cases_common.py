"""Shared helpers of the cases benchmarks: machine description and Django setup."""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    import django

    django.setup()


def machine() -> dict:
    cpu, mem = "unknown", "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": mem,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    try:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT version()")
            info["database"] = cur.fetchone()[0].split(" on ")[0]
    except Exception:  # noqa: BLE001 - printed as unknown
        info["database"] = "unknown"
    return info


def print_machine():
    for k, v in machine().items():
        print(f"  {k:<9} {v}")


def ensure_database(url: str):
    """Create the PostgreSQL database of ``url`` if missing (connects to ``postgres``)."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_base_data():
    """Migrate and load the core + catalog + registry demo steps (idempotent)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from yingshang.demo import framework as demo

    tally = demo.Tally()
    for step in demo.steps():
        if step.order < 300:
            step.run({"seed": 2019, "quiet": True}, tally, None)
