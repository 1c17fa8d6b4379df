"""A real server (gunicorn, the WSGI server `yingshang serve` runs) killed with SIGKILL in the
middle of API submissions leaves no partial case, and after the uploads sweep no orphan file:
every acknowledged case is complete with its files, every file on disk belongs to a case.

Runs on its own temporary SQLite database file and upload directory, loopback only, bounded."""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SETUP = r"""
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from yingshang.demo import framework as demo
from yingshang.workdays import services as cs
tally = demo.Tally()
for step in demo.steps():
    if step.order < 100:
        step.run({"seed": 2019, "quiet": True}, tally, None)
for year in (2025, 2026, 2027):
    cs.seed_year_from_library(year, confirm=cs.library_has_arrangement(year))
from rest_framework.authtoken.models import Token
from yingshang.catalog import services as cat
from yingshang.cases.services import material_slots
from yingshang.core.models import Department, Division, User
city = Division.objects.get(code="510700")
item = cat.create_item(
    implementation_code="000001510700CITYMARKET01", basic_code="000001510700", name="企业设立登记",
    category="licensing", department=Department.objects.get(division=city, function_key="market"),
    kind="committed", legal_limit_days=15, committed_limit_days=3, service_scope="city",
    materials=[{"name": "公司登记申请书", "requirement": "required"},
               {"name": "住所使用证明", "requirement": "required"}],
)
clerk = User.objects.get(username="chuangkou") if User.objects.filter(username="chuangkou").exists() \
    else User.objects.filter(role="clerk").first()
print(json.dumps({"token": Token.objects.create(user=clerk).key,
                  "slots": [s.key for s in material_slots([item.current_version])]}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _uscc(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91510700MA6K{n:05d}"
    return body + uscc.calc_check_digit(body)


@pytest.mark.skipif(not shutil.which("gunicorn", path=str(BIN)), reason="gunicorn not installed")
def test_sigkill_mid_submissions_leaves_no_partial_case_and_no_orphan(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    db = tmp_path / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        YINGSHANG_VAR=str(var),
        DJANGO_SETTINGS_MODULE="yingshang.settings",
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )
    out = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    payload = {
        "item": "000001510700CITYMARKET01",
        "applicant_kind": "enterprise",
        "applicant_name": "绵阳压测科技有限公司",
        "materials": [
            {"key": k, "filename": f"{k}.pdf", "content_base64": base64.b64encode(PDF).decode()}
            for k in info["slots"]
        ],
    }
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "yingshang.wsgi",
            "-k",
            "gthread",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(n: int):
        conn = None
        for i in range(200):  # bounded
            if stop.is_set():
                return
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                body = json.dumps({**payload, "applicant_code": _uscc(n * 1000 + i)})
                conn.request(
                    "POST",
                    "/api/cases/",
                    body,
                    {
                        "Authorization": f"Token {info['token']}",
                        "Content-Type": "application/json",
                    },
                )
                r = conn.getresponse()
                data = r.read()
                if r.status == 201:
                    with lock:
                        acknowledged.append(json.loads(data)["number"])
            except (OSError, http.client.HTTPException):
                conn = None
                time.sleep(0.05)

    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while len(acknowledged) < 25 and time.time() < deadline:
            time.sleep(0.02)
        # in the middle of submissions: the whole server, master and workers, at once
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    assert len(acknowledged) >= 25, "the server acknowledged too few submissions to test"

    uploads_dir = var / "uploads"
    before = [p for p in uploads_dir.rglob("*") if p.is_file()]
    subprocess.run(
        [sys.executable, "-m", "django", "uploads", "sweep", "--older-than", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    with sqlite3.connect(db) as conn:
        cases = dict(conn.execute("SELECT number, id FROM cases_case").fetchall())
        materials = conn.execute(
            "SELECT case_id, stored_name FROM cases_casematerial WHERE source = 'upload'"
        ).fetchall()
        events = {r[0] for r in conn.execute("SELECT case_id FROM cases_caseevent")}
    # every acknowledged case is there; no case is partial (each has its submit event and
    # every material with its file)
    assert set(acknowledged) <= set(cases)
    per_case: dict[int, list[str]] = {}
    for case_id, name in materials:
        per_case.setdefault(case_id, []).append(name)
    for number, case_id in cases.items():
        assert case_id in events, number
        names = per_case.get(case_id, [])
        assert len(names) == len(info["slots"]), number
        for name in names:
            assert (uploads_dir / name).read_bytes() == PDF, name
    # and no file that no case names
    on_disk = {p.relative_to(uploads_dir).as_posix() for p in uploads_dir.rglob("*") if p.is_file()}
    assert on_disk == {name for _c, name in materials}
    assert len(before) >= len(on_disk)
