"""Benchmark (a): case submission through the REST API on PostgreSQL behind gunicorn.

    .venv/bin/python bench/bench_case_submit.py [--db postgres://…/yingshang_bench_api]
        [--worker-class gthread] [--workers 2] [--threads 4] [--clients 16] [--seconds 20]
        [--batch 50] [--batch-clients 4]

Starts gunicorn (WORKER_CLASS, WORKERS × THREADS, --preload) on a free port and measures two
things, printed under separate headings:

1. SINGLE-REQUEST API — POST /api/cases/ with token auth, one case per request (an item of the
   demo catalog, its required materials as Base64 PDFs) from CLIENTS keep-alive connections for
   SECONDS: cases/s. This is the figure the ≥ 300 cases/s target is about.
2. BATCH API — POST /api/cases/batch/ with BATCH such submissions per request from
   BATCH_CLIENTS connections: cases/s (skipped with --batch 1). Not the single-request figure.

For each it prints the CPU time per case of the gunicorn processes, of the postgres processes
serving this database (backends and background writers, not other databases'), and of this
client process — the machine is shared, so CPU per case is steadier than cases/s. Then it
re-inserts exactly the rows the single requests wrote (case, event, materials, audit entry)
with plain psycopg — one transaction per case, as the API does — and prints that raw rate
beside the API rates, and the ratios. The load generator runs on the same machine (it takes
CPU from the server). Target: ≥ 300 cases/s.
"""

import argparse
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from cases_common import ROOT, ensure_base_data, ensure_database, print_machine, setup

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cpu_seconds(pids) -> float:
    """utime + stime of the processes, in seconds (0 for those that are gone)."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def processes(pgid=None, name=None) -> list[int]:
    """Pids of a process group, or of processes with this command name."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        if (pgid is not None and int(fields[2]) == pgid) or (name is not None and comm == name):
            out.append(int(entry))
    return out


def postgres_pids(url: str) -> list[int]:
    """The server processes working for this database: its backends and the shared background
    processes (WAL writer, checkpointer…), not other databases' backends (the machine is
    shared with other sessions' test runs)."""
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(url, autocommit=True) as conn:
        me = conn.info.backend_pid
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s OR backend_type <> "
            "'client backend') AND pid <> %s",
            [name, me],
        ).fetchall()
    return [r[0] for r in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/yingshang_bench_api")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--worker-class", default="gthread", help="gunicorn -k (gthread, sync)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument(
        "--batch", type=int, default=50, help="cases per batch request (1: no batch phase)"
    )
    ap.add_argument("--batch-clients", type=int, default=4)
    args = ap.parse_args()
    ensure_database(args.db)
    setup(args.db)
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from yingshang.cases.models import Case
    from yingshang.cases.services import material_slots
    from yingshang.catalog.models import ServiceItem
    from yingshang.core.models import Department, Division, User

    ensure_base_data()
    city = Division.objects.get(code="510700")
    hall = Department.objects.get(division=city, function_key="hall")
    system, _ = User.objects.get_or_create(
        username="bench_system",
        defaults={"role": "clerk", "division": city, "department": hall, "full_name": "接口"},
    )
    token, _ = Token.objects.get_or_create(user=system)
    # a city-wide item with the fewest materials (at least one upload per case)
    best = None
    for cand in ServiceItem.objects.filter(
        is_active=True, current_version__service_scope="city"
    ).select_related("current_version")[:200]:
        cand_slots = material_slots([cand.current_version])
        if cand_slots and (best is None or len(cand_slots) < len(best[1])):
            best = (cand, cand_slots)
    assert best is not None, "no suitable item in the demo catalog"
    item, slots = best
    from stdnum.cn import uscc

    body17 = "91510700MA6BENCH0"
    code = body17 + uscc.calc_check_digit(body17)
    payload = json.dumps(
        {
            "item": item.implementation_code,
            "applicant_kind": "enterprise",
            "applicant_code": code,
            "applicant_name": "绵阳压测科技有限公司",
            "materials": [
                {
                    "key": s.key,
                    "filename": f"{s.key}.pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
                for s in slots
            ],
        }
    ).encode()
    before_id = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    connection.close()

    port = free_port()
    var = tempfile.mkdtemp(prefix="yingshang-bench-")
    env = dict(
        os.environ,
        DATABASE_URL=args.db,
        YINGSHANG_VAR=var,
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        CONN_MAX_AGE="600",
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "yingshang.wsgi",
            "-k",
            args.worker_class,
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--preload",  # workers fork with Django loaded: none is still importing at t0
        ],
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        headers = {
            "Authorization": f"Token {token.key}",
            "Content-Type": "application/json",
            "Accept-Language": "zh-hans",
        }
        groups = {
            "server": lambda: processes(pgid=server.pid),
            "postgres": lambda: postgres_pids(args.db),
            "client": lambda: [os.getpid()],
        }
        single = run_phase(
            port, "/api/cases/", payload, headers, 1, args.clients, args.seconds, groups
        )
        mid_id = max_case_id(args.db)
        batch = None
        if args.batch > 1:
            body = b'{"submissions": [' + b", ".join([payload] * args.batch) + b"]}"
            batch = run_phase(
                port,
                "/api/cases/batch/",
                body,
                headers,
                args.batch,
                args.batch_clients,
                args.seconds,
                groups,
                warm_requests=3,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("yingshang case submission benchmark (REST API, PostgreSQL, gunicorn)")
    print_machine()
    print(
        f"  server    gunicorn {args.worker_class} {args.workers} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + ", --preload; clients: HTTP connections (keep-alive where the server keeps them) "
        "from this process"
    )
    print(f"  item      {item.name} ({len(slots)} materials uploaded per case)")
    print(f"\nSINGLE-REQUEST API (POST /api/cases/, one case per request, {args.clients} clients):")
    report(single)
    if batch is not None:
        print(
            f"\nBATCH API (POST /api/cases/batch/, {args.batch} cases per request, "
            f"{args.batch_clients} clients) — a different figure, not the single-request one:"
        )
        report(batch)
    raw_rate, raw_pg_ms = raw_insert_rate(args.db, before_id, mid_id)
    print(
        f"\nraw:  the single-request cases' rows re-inserted through psycopg, one transaction "
        f"per case, one connection = {raw_rate:,.0f} cases/s (postgres CPU {raw_pg_ms:.2f} ms "
        f"per case)"
    )
    print(f"ratio single-request API / raw = {single['rate'] / raw_rate:.2f}")
    if batch is not None:
        print(f"ratio batch API / raw = {batch['rate'] / raw_rate:.2f}")
    print(
        f"target ≥ 300 cases/s, single requests: {'PASS' if single['rate'] >= 300 else 'FAIL'}"
        + (f"; batch: {'PASS' if batch['rate'] >= 300 else 'FAIL'}" if batch else "")
    )


def report(phase: dict) -> None:
    print(
        f"  {phase['cases']:,} cases in {phase['elapsed']:.1f} s = {phase['rate']:,.0f} cases/s "
        f"({phase['errors']} errors)"
    )
    if phase["first_error"]:
        print(f"  first error: {phase['first_error']}")
    done = max(phase["cases"], 1)
    cpu = phase["cpu"]
    cores = os.cpu_count() or 1
    print(
        "  CPU per case: "
        + ", ".join(f"{k} {1000 * v / done:.2f} ms" for k, v in cpu.items())
        + f" (total {1000 * sum(cpu.values()) / done:.2f} ms; {cores} cores give "
        f"{1000 * cores * phase['elapsed'] / done:.2f} ms per case at this rate)"
    )
    print(f"  load average before {phase['load_before']:.1f}, at the end {phase['load_after']:.1f}")


def run_phase(port, path, body, headers, per_request, clients, seconds, groups, warm_requests=50):
    """POST ``body`` to ``path`` from ``clients`` keep-alive connections: warm up (3 s and
    ``warm_requests`` answered per client), then count for ``seconds`` with the CPU time of the
    server, postgres and client processes."""
    ok = [0] * clients
    warm = [0] * clients
    errors = [0] * clients
    first_error = []
    stop = threading.Event()
    measuring = threading.Event()

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while not stop.is_set():
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.status == 201:
                    if measuring.is_set():
                        ok[i] += 1
                    else:
                        warm[i] += 1
                else:
                    errors[i] += 1
                    if not first_error:
                        first_error.append((resp.status, data[:300]))
            except (OSError, http.client.HTTPException) as exc:
                errors[i] += 1
                if not first_error:
                    first_error.append(("exception", repr(exc)))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    time.sleep(3)
    while min(warm) < warm_requests and time.monotonic() < deadline and not first_error:
        time.sleep(0.2)
    load_before = os.getloadavg()[0]
    cpu0 = {k: {pid: cpu_seconds([pid]) for pid in f()} for k, f in groups.items()}
    measuring.set()
    t0 = time.perf_counter()
    time.sleep(seconds)
    measuring.clear()
    elapsed = time.perf_counter() - t0
    cpu = {
        k: sum(cpu_seconds([pid]) - cpu0[k].get(pid, 0) for pid in f()) for k, f in groups.items()
    }
    load_after = os.getloadavg()[0]
    stop.set()
    for t in threads:
        t.join()
    cases = sum(ok) * per_request
    return {
        "cases": cases,
        "elapsed": elapsed,
        "rate": cases / elapsed,
        "errors": sum(errors),
        "first_error": first_error[0] if first_error else None,
        "cpu": cpu,
        "load_before": load_before,
        "load_after": load_after,
    }


def max_case_id(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM cases_case").fetchone()[0]


def raw_insert_rate(
    url: str, after_id: int, upto_id: int, limit: int = 3000
) -> tuple[float, float]:
    """Re-insert the rows of up to ``limit`` API-made cases (ids after ``after_id`` up to
    ``upto_id``) with plain psycopg, one transaction per case (case, its events, materials
    and audit entry) — what the API writes per case — then remove them."""
    import psycopg

    with psycopg.connect(url) as conn:
        cols = {}
        for table in ("cases_case", "cases_caseevent", "cases_casematerial", "core_auditentry"):
            cur = conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
                [table],
            )
            cols[table] = [r[0] for r in cur.fetchall()]
        cc = cols["cases_case"]
        cases = conn.execute(
            f"SELECT id, {', '.join(cc)} FROM cases_case WHERE id > %s AND id <= %s "
            "ORDER BY id LIMIT %s",
            [after_id, upto_id, limit],
        ).fetchall()
        ids = [r[0] for r in cases]

        def children(table):
            c = cols[table]
            out = {}
            rows = conn.execute(
                f"SELECT case_id, {', '.join(c)} FROM {table} WHERE case_id = ANY(%s)", [ids]
            ).fetchall()
            for r in rows:
                out.setdefault(r[0], []).append(list(r[1:]))
            return out

        events, materials = children("cases_caseevent"), children("cases_casematerial")
        ac = cols["core_auditentry"]
        audits = {}
        for r in conn.execute(
            f"SELECT object_id, {', '.join(ac)} FROM core_auditentry "
            "WHERE object_type = 'cases.Case' AND object_id = ANY(%s)",
            [[str(i) for i in ids]],
        ).fetchall():
            audits[int(r[0])] = list(r[1:])
        conn.commit()
        num_i = cc.index("number")
        ev_case = cols["cases_caseevent"].index("case_id")
        mat_case = cols["cases_casematerial"].index("case_id")
        json_cols = {i for i, c in enumerate(cc) if c in ("form_data", "missing_materials")}
        from psycopg.types.json import Jsonb

        def j(row, jcols):
            return [Jsonb(v) if i in jcols else v for i, v in enumerate(row)]

        ev_json = {cols["cases_caseevent"].index("data")}
        au_json = {ac.index("changes")}
        sql_case = (
            f"INSERT INTO cases_case ({', '.join(cc)}) VALUES "
            f"({', '.join(['%s'] * len(cc))}) RETURNING id"
        )
        sql_ev = (
            f"INSERT INTO cases_caseevent ({', '.join(cols['cases_caseevent'])}) VALUES "
            f"({', '.join(['%s'] * len(cols['cases_caseevent']))})"
        )
        sql_mat = (
            f"INSERT INTO cases_casematerial ({', '.join(cols['cases_casematerial'])}) VALUES "
            f"({', '.join(['%s'] * len(cols['cases_casematerial']))})"
        )
        sql_au = (
            f"INSERT INTO core_auditentry ({', '.join(ac)}) VALUES ({', '.join(['%s'] * len(ac))})"
        )
        new_ids = []
        pg = postgres_pids(url) + [conn.info.backend_pid]
        pg0 = {pid: cpu_seconds([pid]) for pid in pg}
        t0 = time.perf_counter()
        for row in cases:
            old_id = row[0]
            values = j(list(row[1:]), json_cols)
            values[num_i] = values[num_i] + "R"
            with conn.transaction():
                new_id = conn.execute(sql_case, values).fetchone()[0]
                for ev in events.get(old_id, []):
                    ev = j(ev, ev_json)
                    ev[ev_case] = new_id
                    conn.execute(sql_ev, ev)
                mats = []
                for m in materials.get(old_id, []):
                    m = list(m)
                    m[mat_case] = new_id
                    mats.append(m)
                if mats:
                    conn.cursor().executemany(sql_mat, mats)
                if old_id in audits:
                    conn.execute(sql_au, j(audits[old_id], au_json))
            new_ids.append(new_id)
        elapsed = time.perf_counter() - t0
        pg_cpu = sum(cpu_seconds([pid]) - pg0[pid] for pid in pg)
        conn.execute("DELETE FROM cases_casematerial WHERE case_id = ANY(%s)", [new_ids])
        conn.execute("DELETE FROM cases_caseevent WHERE case_id = ANY(%s)", [new_ids])
        conn.execute("DELETE FROM cases_case WHERE id = ANY(%s)", [new_ids])
        conn.commit()
    if not new_ids:
        return float("nan"), float("nan")
    return len(new_ids) / elapsed, 1000 * pg_cpu / len(new_ids)


if __name__ == "__main__":
    sys.exit(main())
