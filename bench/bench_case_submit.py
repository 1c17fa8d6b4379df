"""Benchmark (a): case submission through the REST API on PostgreSQL behind gunicorn.

    .venv/bin/python bench/bench_case_submit.py [--db postgres://…/yingshang_bench_api]
        [--workers 2] [--threads 4] [--clients 16] [--seconds 20]

Starts gunicorn (gthread, WORKERS × THREADS) on a free port, posts submissions
(POST /api/cases/ with token auth, an item of the demo catalog, its required materials as
Base64 PDFs) from CLIENTS keep-alive connections for SECONDS, and prints cases/s. Then it
re-inserts exactly the rows those submissions wrote (case, event, materials, audit entry) with
plain psycopg — one transaction per case, as the API does — and prints that raw rate beside
the API rate, and the ratio. The load generator runs on the same machine (it takes CPU from
the server). Target: ≥ 300 cases/s.
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
        ok = [0] * args.clients
        warm = [0] * args.clients
        errors = [0] * args.clients
        first_error = []
        stop = threading.Event()
        measuring = threading.Event()

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while not stop.is_set():
                try:
                    conn.request("POST", "/api/cases/", body=payload, headers=headers)
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
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        # warm-up: connections, URL conf, caches — 3 s and 50 submissions per client
        deadline = time.monotonic() + 60
        time.sleep(3)
        while min(warm) < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        groups = {
            "server": lambda: processes(pgid=server.pid),
            "postgres": lambda: postgres_pids(args.db),
            "client": lambda: [os.getpid()],
        }
        cpu0 = {k: {pid: cpu_seconds([pid]) for pid in f()} for k, f in groups.items()}
        measuring.set()
        t0 = time.perf_counter()
        time.sleep(args.seconds)
        measuring.clear()
        elapsed = time.perf_counter() - t0
        cpu = {
            k: sum(cpu_seconds([pid]) - cpu0[k].get(pid, 0) for pid in f())
            for k, f in groups.items()
        }
        load_during = os.getloadavg()[0]
        stop.set()
        for t in threads:
            t.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    api_rate = sum(ok) / elapsed
    print("yingshang case submission benchmark (REST API, PostgreSQL, gunicorn)")
    print_machine()
    print(
        f"  server    gunicorn {args.worker_class} {args.workers} workers × {args.threads} threads; "
        f"{args.clients} keep-alive clients on the same machine"
    )
    print(f"  item      {item.name} ({len(slots)} materials uploaded per case)")
    print(
        f"\nAPI:  {sum(ok):,} cases in {elapsed:.1f} s = {api_rate:,.0f} cases/s "
        f"({sum(errors)} errors)"
    )
    if first_error:
        print(f"  first error: {first_error[0]}")
    done = max(sum(ok), 1)
    print(
        "  CPU per case: "
        + ", ".join(f"{k} {1000 * v / done:.2f} ms" for k, v in cpu.items())
        + f" (total {1000 * sum(cpu.values()) / done:.2f} ms of {1000 * (os.cpu_count() or 1) * elapsed / done:.2f} ms "
        f"available on {os.cpu_count()} cores); load average at the end {load_during:.1f}"
    )
    raw_rate, raw_pg_ms = raw_insert_rate(args.db, before_id)
    print(
        f"raw:  the same rows through psycopg = {raw_rate:,.0f} cases/s "
        f"(one connection; postgres CPU {raw_pg_ms:.2f} ms per case)"
    )
    print(f"ratio API / raw = {api_rate / raw_rate:.2f}")
    print(f"target ≥ 300 cases/s: {'PASS' if api_rate >= 300 else 'FAIL'}")


def raw_insert_rate(url: str, after_id: int, limit: int = 3000) -> tuple[float, float]:
    """Re-insert the rows of up to ``limit`` API-made cases with plain psycopg, one
    transaction per case (case, its events, materials and audit entry), then remove them."""
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
            f"SELECT id, {', '.join(cc)} FROM cases_case WHERE id > %s ORDER BY id LIMIT %s",
            [after_id, limit],
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
