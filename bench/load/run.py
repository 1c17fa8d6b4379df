"""Load benchmark: the mixed workload of locustfile.py against `yingshang serve`, at rising
concurrency, on PostgreSQL and SQLite.

    .venv/bin/python bench/load/run.py                 # both databases, 1/4/8/16/32 clients
    .venv/bin/python bench/load/run.py --db postgres --users 16 --seconds 30
    .venv/bin/python bench/load/run.py --db postgres --profile ApiSubmitter --users 8

For each database: creates and prepares it the first time (`yingshang migrate` and
`yingshang demo`, a few minutes, not part of the run; kept for the next run under
var/load/), starts `yingshang serve` (its default workers and threads unless --workers/
--threads, with its background worker) on a free port, then runs locust headless at each
concurrency for SECONDS (the first seconds of each level are warm-up and not counted) and prints:
the machine (CPU model, cores, RAM, Python, database version, load average at each level), per
level the throughput, p50/p95/p99 and failures of all requests and of each kind of request,
and the saturation point (the level past which more clients bring < 10 % more throughput).
The tables are also written to var/load/results-<time>.md. Target (2 cores, PostgreSQL):
≥ 150 requests/s with p95 ≤ 300 ms at 16 clients.

--profile CLASS runs that locust user class only (Citizen, Staff, ApiReader, ApiSubmitter,
AppealFiler; "all": the whole mix) against gunicorn's sync workers under cProfile and prints the top functions by
cumulative time (the stats files stay in var/load/profile-*.pstats).
"""

import argparse
import csv
import datetime
import json
import os
import platform
import pstats
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
VAR = ROOT / "var" / "load"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yingshang_load"

FIXTURE = r"""
import json, django
django.setup()
from django.db import connection
from rest_framework.authtoken.models import Token
from yingshang.appeals.models import AppealType, Topic
from yingshang.cases.models import Case
from yingshang.cases.services import material_slots
from yingshang.catalog.models import ServiceItem
from yingshang.core.models import User

staff = User.objects.get(username="chengban")
system = User.objects.get(username="chuangkou")
token, _ = Token.objects.get_or_create(user=system)
# staff are logged in already (a login, Argon2, is once a day, not part of the mix)
from django.test import Client
session_client = Client()
session_client.force_login(staff)
staff_session = session_client.cookies["sessionid"].value
items = list(ServiceItem.objects.filter(is_active=True).order_by("pk")
             .values_list("implementation_code", flat=True)[:300])
best = None
for cand in ServiceItem.objects.filter(is_active=True, current_version__service_scope="city") \
        .select_related("current_version")[:200]:
    slots = material_slots([cand.current_version])
    if slots and (best is None or len(slots) < len(best[1])):
        best = (cand, slots)
staff_cases = list(Case.objects.filter(department=staff.department).order_by("-pk")
                   .values_list("number", flat=True)[:500])
api_cases = list(Case.objects.filter(division=system.division).order_by("-pk")
                 .values_list("number", flat=True)[:500])
with connection.cursor() as cur:
    cur.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SELECT version()")
    version = cur.fetchone()[0].split(" on ")[0]
print(json.dumps({
    "token": token.key, "staff": staff.username, "password": "mianyang2019!",
    "staff_session": staff_session,
    "items": items, "submit_item": best[0].implementation_code,
    "submit_slots": [s.key for s in best[1]],
    "staff_cases": staff_cases or api_cases, "api_cases": api_cases or staff_cases,
    "appeal_type": AppealType.values[0], "appeal_topic": Topic.values[0],
    "database": ("SQLite " if connection.vendor == "sqlite" else "") + version,
    "cases": Case.objects.count(),
}))
"""

KIND_ORDER = [
    "portal browsing",
    "portal search",
    "staff queue",
    "staff case page",
    "API read",
    "API submission",
    "appeal filing",
]


def machine() -> dict:
    cpu = ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _stat(pid: str) -> tuple[str, list[str]] | None:
    try:
        raw = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    return raw[raw.index("(") + 1 : raw.rindex(")")], raw.rsplit(")", 1)[1].split()


def cpu_by_group(server_pgid: int, dbname: str | None) -> dict:
    """CPU seconds so far of the server (its process group: serve and gunicorn; the background
    worker runs in its own session and is not counted) and of the PostgreSQL backends serving
    ``dbname`` (identified by their process title; a lower bound: a backend whose connection
    closes during the level — CONN_MAX_AGE — takes its CPU time with it)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "postgres": 0.0}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        st = _stat(pid)
        if st is None:
            continue
        comm, fields = st
        cpu = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) == server_pgid:
            out["server"] += cpu
        elif dbname and comm.startswith("postgres"):
            try:
                title = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                continue
            if f" {dbname} " in title:
                out["postgres"] += cpu
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resolve_db(name: str) -> tuple[str, str, Path]:
    """(label, DATABASE_URL, YINGSHANG_VAR) of --db postgres|sqlite|URL."""
    if name == "postgres":
        name = DEFAULT_PG
    if name == "sqlite":
        var = VAR / "sqlite"
        return "SQLite", f"sqlite:///{var / 'yingshang.sqlite3'}", var
    if name.startswith("sqlite:"):
        return "SQLite", name, VAR / "sqlite-custom"
    return "PostgreSQL", name, VAR / ("pg-" + name.rpartition("/")[2])


def env_for(url: str, var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=url,
        YINGSHANG_VAR=str(var),
        DJANGO_SETTINGS_MODULE="yingshang.settings",
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        # the load comes from one address: no lock-out of the benchmark's own logins, and the
        # per-address limit of anonymous submissions (20 per 10 minutes, meant for one person)
        # would turn most appeal filings into 429s — the mix models many citizens
        AXES_FAILURE_LIMIT="1000",
        SUBMISSION_RATE="100000/10m",
    )
    return env


def prepare(label: str, url: str, var: Path) -> dict:
    var.mkdir(parents=True, exist_ok=True)
    env = env_for(url, var)
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    marker = var / "demo-loaded"
    if not marker.exists():
        print(f"[{label}] preparing the database (migrate + demo; first run only)…", flush=True)
        t0 = time.monotonic()
        subprocess.run([str(BIN / "yingshang"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([str(BIN / "yingshang"), "demo", "--quiet"], env=env, cwd=ROOT, check=True)
        marker.write_text(datetime.datetime.now(datetime.UTC).isoformat())
        print(f"[{label}] prepared in {time.monotonic() - t0:.0f} s", flush=True)
    if not (var / "static").is_dir():  # once: serve then starts without collecting
        subprocess.run(
            [str(BIN / "yingshang"), "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    out = subprocess.run(
        [str(BIN / "yingshang"), "shell", "-c", FIXTURE],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fixture = json.loads(out.strip().splitlines()[-1])
    (var / "fixture.json").write_text(json.dumps(fixture))
    return fixture


def start_server(url, var, port, args, profile_dir=None):
    env = env_for(url, var)
    if profile_dir is None:
        cmd = [str(BIN / "yingshang"), "serve", "--no-collectstatic", "--bind", f"127.0.0.1:{port}"]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
    else:
        env["PROFILE_DIR"] = str(profile_dir)
        cmd = [
            str(BIN / "gunicorn"),
            "yingshang.wsgi:application",
            "-c",
            str(HERE / "gunicorn_profile.py"),
            "-k",
            "sync",
            "-w",
            str(args.workers or 2),
            "-b",
            f"127.0.0.1:{port}",
            "--preload",
        ]
    server = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(var / "server.log", "ab"),
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see {var}/server.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("the server did not answer within 300 s")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_level(
    port, users, seconds, warmup, var, fixture_path, classes=(), server=None, dbname=None
) -> dict:
    """One locust run; the statistics are reset after the warm-up."""
    prefix = var / f"locust-{users}"
    env = dict(os.environ, LOAD_FIXTURE=str(fixture_path))

    def locust(run_seconds: float, csv_prefix: Path) -> None:
        cmd = [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "-u",
            str(users),
            "-r",
            str(max(users, 1)),  # all clients at once
            "-t",
            f"{run_seconds:.0f}s",
            "--csv",
            str(csv_prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "5",
            *classes,
        ]
        subprocess.run(cmd, env=env, cwd=HERE, capture_output=True, timeout=run_seconds + 90)

    before = load()
    if warmup:  # a short run of the same size first: connections, caches, worker imports
        locust(warmup, var / "locust-warmup")
    cpu0 = cpu_by_group(server.pid, dbname) if server else None
    locust(seconds, prefix)
    cpu1 = cpu_by_group(server.pid, dbname) if server else None
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = row
    requests = _num(rows.get("Aggregated", {}), "Request Count") or 1
    cpu = {k: (cpu1[k] - cpu0[k]) * 1000 / requests for k in cpu0} if cpu0 else {}
    return {"users": users, "load": before, "rows": rows, "seconds": seconds, "cpu": cpu}


def _num(row, key) -> float:
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def by_kind(rows: dict) -> dict:
    """Per kind of request (locustfile.KINDS): count, failures, rps and percentiles (the
    percentiles of the request name with most requests within a kind stand for it where a
    kind has several names; the count and rps are summed)."""
    sys.path.insert(0, str(HERE))
    from locustfile import KINDS  # noqa: PLC0415 - imports locust only here, after the run

    out = {}
    for name, row in rows.items():
        kind = KINDS.get(name)
        if kind is None:
            continue
        k = out.setdefault(kind, {"count": 0, "failures": 0, "rps": 0.0, "_w": []})
        n = _num(row, "Request Count")
        k["count"] += n
        k["failures"] += _num(row, "Failure Count")
        k["rps"] += _num(row, "Requests/s")
        k["_w"].append((n, row))
    for k in out.values():
        n_total = sum(n for n, _r in k["_w"]) or 1
        for p, key in (("p50", "50%"), ("p95", "95%"), ("p99", "99%")):
            # request-weighted mean of the names' percentiles (an approximation per kind)
            k[p] = sum(n * _num(r, key) for n, r in k["_w"]) / n_total
        del k["_w"]
    return out


def report(label, fixture, levels, out) -> None:
    def w(line=""):
        print(line)
        out.append(line)

    w(f"### {label}: {fixture['database']}, {fixture['cases']:,} cases in the database")
    w()
    w(
        "| clients | load avg before | requests/s | p50 ms | p95 ms | p99 ms | failures "
        "| CPU ms/request: server, postgres (lower bound) |"
    )
    w("|---:|---|---:|---:|---:|---:|---:|---|")
    for lv in levels:
        agg = lv["rows"].get("Aggregated", {})
        w(
            f"| {lv['users']} | {lv['load']} | {_num(agg, 'Requests/s'):.1f} | "
            f"{_num(agg, '50%'):.0f} | {_num(agg, '95%'):.0f} | {_num(agg, '99%'):.0f} | "
            f"{_num(agg, 'Failure Count'):.0f} / {_num(agg, 'Request Count'):.0f} | "
            f"{lv['cpu'].get('server', 0):.1f}, "
            + (f"{lv['cpu']['postgres']:.1f}" if "postgres" in label.lower() else "—")
            + " |"
        )
    w()
    sat = saturation(levels)
    if sat:
        w(f"Saturation: {sat}")
        w()
    for lv in levels:
        w(f"{label}, {lv['users']} clients — per kind of request:")
        w()
        w("| kind | requests/s | p50 ms | p95 ms | p99 ms | failures |")
        w("|---|---:|---:|---:|---:|---:|")
        kinds = by_kind(lv["rows"])
        for kind in KIND_ORDER:
            if kind in kinds:
                k = kinds[kind]
                w(
                    f"| {kind} | {k['rps']:.1f} | {k['p50']:.0f} | {k['p95']:.0f} | "
                    f"{k['p99']:.0f} | {k['failures']:.0f} / {k['count']:.0f} |"
                )
        w()


def saturation(levels) -> str:
    rates = [(lv["users"], _num(lv["rows"].get("Aggregated", {}), "Requests/s")) for lv in levels]
    for (u, r), (u2, r2) in zip(rates, rates[1:], strict=False):
        if r2 < 1.1 * r:
            return (
                f"throughput stops growing at about {u} clients ({r:.0f} requests/s; "
                f"{u2} clients: {r2:.0f} requests/s)"
            )
    if rates:
        return f"not reached at {rates[-1][0]} clients ({rates[-1][1]:.0f} requests/s)"
    return ""


def profile(label, url, var, port, args, fixture_path) -> None:
    pdir = VAR / f"profile-{args.profile}"
    pdir.mkdir(parents=True, exist_ok=True)
    for old in [*pdir.glob("*.pstats"), pdir / "start"]:
        old.unlink(missing_ok=True)
    server = start_server(url, var, port, args, profile_dir=pdir)
    try:
        users = args.users[0]
        classes = [] if args.profile == "all" else [args.profile]
        if args.warmup:  # unprofiled: lazy imports and first renderings happen here
            run_level(port, users, args.warmup, 0, var, fixture_path, classes=classes)
        (pdir / "start").touch()
        lv = run_level(port, users, args.seconds, 0, var, fixture_path, classes=classes)
    finally:
        stop_server(server)
    agg = lv["rows"].get("Aggregated", {})
    print(
        f"[{label}] profiled {args.profile}, {users} clients: {_num(agg, 'Requests/s'):.1f} "
        f"requests/s (under the profiler), p95 {_num(agg, '95%'):.0f} ms"
    )
    files = [str(p) for p in pdir.glob("*.pstats")]
    if not files:
        print("no profile written")
        return
    stats = pstats.Stats(*files)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--db",
        action="append",
        help=f"postgres (default URL: {DEFAULT_PG}), sqlite, or a DATABASE_URL; repeatable "
        "(default: postgres and sqlite)",
    )
    ap.add_argument("--users", default="1,4,8,16,32", help="concurrency levels")
    ap.add_argument("--seconds", type=float, default=20, help="measured seconds per level")
    ap.add_argument("--warmup", type=float, default=4, help="warm-up seconds per level")
    ap.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    ap.add_argument("--threads", type=int, help="threads per worker (default: serve's)")
    ap.add_argument("--profile", metavar="CLASS", help="profile one locust user class")
    ap.add_argument(
        "--only", metavar="CLASS", action="append", default=[], help="only these user classes"
    )
    args = ap.parse_args()
    args.users = [int(u) for u in args.users.split(",") if u.strip()]
    dbs = args.db or ["postgres", "sqlite"]
    info = machine()
    started = datetime.datetime.now(datetime.UTC)
    out = [
        f"## Load benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, Python "
        f"{info['python']}, {info['os']}; load average at start {load()}. Server: "
        f"`yingshang serve`"
        + (f" --workers {args.workers}" if args.workers else "")
        + (f" --threads {args.threads}" if args.threads else "")
        + f"; {args.seconds:.0f} s per level after {args.warmup:.0f} s warm-up; locust on the "
        "same machine.",
        "",
    ]
    print("\n".join(out))
    for name in dbs:
        label, url, var = resolve_db(name)
        fixture = prepare(label, url, var)
        fixture_path = var / "fixture.json"
        port = free_port()
        if args.profile:
            profile(label, url, var, port, args, fixture_path)
            continue
        server = start_server(url, var, port, args)
        levels = []
        try:
            for users in args.users:
                lv = run_level(
                    port,
                    users,
                    args.seconds,
                    args.warmup,
                    var,
                    fixture_path,
                    classes=args.only,
                    server=server,
                    dbname=url.rpartition("/")[2] if url.startswith("postgres") else None,
                )
                agg = lv["rows"].get("Aggregated", {})
                print(
                    f"[{label}] {users:>3} clients: {_num(agg, 'Requests/s'):7.1f} requests/s, "
                    f"p95 {_num(agg, '95%'):5.0f} ms, server CPU {lv['cpu'].get('server', 0):.1f} "
                    f"ms/request, load before {lv['load']}",
                    flush=True,
                )
                levels.append(lv)
        finally:
            stop_server(server)
        print()
        report(label, fixture, levels, out)
    if not args.profile:
        VAR.mkdir(parents=True, exist_ok=True)
        path = VAR / f"results-{started:%Y%m%dT%H%M%SZ}.md"
        path.write_text("\n".join(out) + "\n")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
