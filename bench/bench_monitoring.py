"""Benchmark: full recompute of the monitoring time series on PostgreSQL, beside DuckDB
computing the same daily aggregates from the same rows; dashboard API latency.

    # data: a year of generated cases (the cases app's volume generator)
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_monitoring YINGSHANG_VAR=/tmp/monbench
    .venv/bin/yingshang migrate
    .venv/bin/yingshang demo --only core,catalog,registry,cases --cases 1000000
    .venv/bin/python bench/bench_monitoring.py [--requests 200] [--keep-csv DIR]

Timed:
1. ``monitoring.compute.recompute`` over the whole date range of the cases (all sources, all
   period kinds, every division, department and item): SQL aggregation, roll-up, write.
2. DuckDB (``duckdb`` dev dependency): the adapter's three GROUP BY passes over the case rows
   (completed with 补正, submitted, overdue — by day, department, item). The rows are read
   from PostgreSQL through DuckDB's postgres scanner when that extension can be loaded (it is
   downloaded on first use, so offline it usually cannot), otherwise exported with COPY to CSV
   and loaded into DuckDB first; only the aggregation is timed, and the ratio is printed
   against the PostgreSQL time of the same passes.
3. ``GET /api/monitoring/dashboard/`` and ``/api/monitoring/values/`` from stored results:
   p50 / p95 over N requests (Django test client, in process).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The case adapter's three passes on PostgreSQL (sources/cases.py ``_facts_pg``), written once
# for both engines: local day = UTC date of the instant + 8 h (Asia/Shanghai has no DST).
DAY = "CAST(timezone('UTC', c.{col}) + INTERVAL '8 hours' AS DATE)"
PASSES = {
    "completed": f"""
        SELECT {DAY.format(col="completed_at")} AS day, c.department_id, c.item_id, COUNT(*) AS n,
               COUNT(*) FILTER (WHERE c.final_sla_state = 'on_time') AS on_time,
               COUNT(*) FILTER (WHERE c.channel <> 'window' AND c.visits = 0) AS online,
               COUNT(*) FILTER (WHERE c.version_id IN (SELECT id FROM versions
                                                       WHERE kind = 'immediate')) AS instant,
               COUNT(*) FILTER (WHERE c.visits <= 1) AS one_visit,
               SUM(c.working_days_used) AS wd, COUNT(c.working_days_used) AS wd_n,
               SUM(c.visits) AS visits,
               COUNT(*) FILTER (WHERE c.id IN (SELECT case_id FROM events)) AS corrected
        FROM cases c
        WHERE c.item_id IS NOT NULL AND c.status IN ('completed', 'delivered')
          AND c.completed_at IS NOT NULL
        GROUP BY 1, 2, 3""",
    "submitted": f"""
        SELECT {DAY.format(col="submitted_at")} AS day, c.department_id, c.item_id, COUNT(*) AS total
        FROM cases c WHERE c.item_id IS NOT NULL GROUP BY 1, 2, 3""",
    "overdue": f"""
        SELECT {DAY.format(col="due_at")} AS day, c.department_id, c.item_id, COUNT(*) AS overdue
        FROM cases c
        WHERE c.item_id IS NOT NULL AND c.due_at IS NOT NULL
          AND (c.completed_at > c.due_at OR (c.status IN ('submitted', 'prechecking', 'accepted',
               'supplement_requested', 'in_process', 'suspended') AND c.paused_since IS NULL
               AND c.due_at < now()))
        GROUP BY 1, 2, 3""",
}

EXPORTS = {
    "cases": "SELECT id, item_id, version_id, department_id, status, channel, final_sla_state, "
    "visits, working_days_used, submitted_at, completed_at, due_at, paused_since "
    "FROM cases_case",
    "events": "SELECT case_id FROM cases_caseevent WHERE to_status = 'supplement_requested'",
    "versions": "SELECT id, kind FROM catalog_serviceitemversion",
}


def duckdb_run(pg_url: str, keep: Path | None) -> dict:
    import duckdb
    from django.db import connection

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    mode = "csv"
    try:
        con.execute("LOAD postgres")
        con.execute(f"ATTACH '{pg_url}' AS pg (TYPE postgres, READ_ONLY)")
        for name, sql in EXPORTS.items():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM postgres_query('pg', $${sql}$$)")
        mode = "postgres scanner"
    except Exception as exc:  # extension not installable offline
        print(
            f"  DuckDB postgres scanner unavailable ({str(exc).splitlines()[0][:90]}); using COPY → CSV"
        )
        tmp = keep or Path(tempfile.mkdtemp(prefix="monbench-"))
        t = time.perf_counter()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for name, sql in EXPORTS.items():
                path = tmp / f"{name}.csv"
                with (
                    open(path, "wb") as f,
                    raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
                ):
                    for data in copy:
                        f.write(data)
                con.execute(
                    f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header=true, "
                    "auto_detect=true)"
                )
        print(f"  export + load into DuckDB: {time.perf_counter() - t:.1f} s (not timed below)")
    times = {}
    rows = {}
    t0 = time.perf_counter()
    for name, sql in PASSES.items():
        t = time.perf_counter()
        rows[name] = len(con.execute(sql).fetchall())
        times[name] = time.perf_counter() - t
    total = time.perf_counter() - t0
    return {"mode": mode, "seconds": total, "passes": times, "rows": rows}


def pg_passes() -> dict:
    """The same three passes as plain SQL on PostgreSQL (the adapter's queries), with the
    session settings the adapter uses (work_mem 256MB, no JIT)."""
    from django.db import connection

    names = {
        "cases": "cases_case",
        "events": "cases_caseevent WHERE to_status = 'supplement_requested'",
        "versions": "catalog_serviceitemversion",
    }
    times, rows = {}, {}
    with connection.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET jit = off")
        t0 = time.perf_counter()
        for name, sql in PASSES.items():
            q = sql
            for k, v in names.items():
                q = re.sub(rf"(?<=FROM ){k}\b", v, q)
            t = time.perf_counter()
            cur.execute(q)
            rows[name] = len(cur.fetchall())
            times[name] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - t0, "passes": times, "rows": rows}


CASE_COLS = (
    "title, applicant_kind, applicant_name, applicant_code, applicant_phone, channel, status, "
    "step, outcome, reason, resume_status, missing_materials, suspend_reason, form_data, "
    "submitted_at, accepted_at, completed_at, delivered_at, updated_at, limit_days, due_at, "
    "warn_at, due_provisional, paused_since, paused_days, final_sla_state, working_days_used, "
    "days_saved, visits, visits_required, multiple_trips, lock_version, bundle_id, "
    "department_id, division_id, enterprise_id, intake_department_id, item_id, parent_id, "
    "person_id, user_id, version_id"
)
EVENT_COLS = "at, action, from_status, to_status, actor_name, role, channel, note, data, actor_id"


def replicate(factor: int) -> None:
    """Multiply the generated cases (same dates, new ids and numbers) to reach factor × N rows,
    with their 补正 events (the only events the recompute reads). One statement per copy
    (autocommit), secondary indexes dropped meanwhile and rebuilt after. For benchmarks only."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT max(id), count(*) FROM cases_case")
        top, n = cur.fetchone()
        offset = 10 ** len(str(top))
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i LEFT JOIN pg_constraint c "
            "ON c.conname = i.indexname WHERE i.tablename IN ('cases_case', 'cases_caseevent') "
            "AND c.conname IS NULL"
        )
        indexes = cur.fetchall()
        for name, _ddl in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for k in range(1, factor):
            t = time.perf_counter()
            cur.execute(
                f"INSERT INTO cases_case (id, number, {CASE_COLS}) SELECT id + {k * offset}, "
                f"number || '-{k}', {CASE_COLS} FROM cases_case WHERE id < {offset}"
            )
            cur.execute(
                f"INSERT INTO cases_caseevent (case_id, {EVENT_COLS}) SELECT case_id + "
                f"{k * offset}, {EVENT_COLS} FROM cases_caseevent WHERE case_id < {offset} "
                "AND to_status = 'supplement_requested'"
            )
            print(f"  copy {k}: {time.perf_counter() - t:.0f} s", flush=True)
        for _name, ddl in indexes:
            cur.execute(ddl)
        cur.execute("SELECT setval('cases_case_id_seq', (SELECT max(id) FROM cases_case))")
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE cases_caseevent")
    print(f"replicated {n:,} cases × {factor}")


def api_latency(n: int) -> dict:
    from django.test import Client

    from yingshang.core.models import Division, User
    from yingshang.monitoring.models import IndicatorValue

    admin = User.objects.filter(is_superuser=True).first() or User.objects.get(username="admin")
    latest = (
        IndicatorValue.objects.filter(period_kind="month", dimension="city")
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    county = Division.objects.filter(level=3, is_management_area=False).first()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(admin)
    urls = [
        f"/api/monitoring/dashboard/?kind=month&period={latest:%Y-%m}",
        f"/api/monitoring/dashboard/?kind=month&period={latest:%Y-%m}&division={county.pk}",
        "/api/monitoring/values/?indicator=gov.on_time_rate&dimension=city&period_kind=day",
    ]
    out = {}
    for url in urls:
        client.get(url)  # warm
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            r = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        samples.sort()
        out[url] = {
            "p50": statistics.median(samples),
            "p95": samples[int(0.95 * (len(samples) - 1))],
        }
    return out


def load() -> str:
    """The load average now (the 2 cores are shared with other sessions)."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep-csv", type=Path)
    parser.add_argument("--skip-recompute", action="store_true")
    parser.add_argument(
        "--replicate", type=int, metavar="K", help="first multiply the generated cases K times"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max, Min

    from yingshang.cases.models import Case, CaseEvent
    from yingshang.monitoring import compute

    if connection.vendor != "postgresql":
        print("set DATABASE_URL to a PostgreSQL database")
        return 2
    from cases_common import machine  # the machine line every benchmark prints

    info = machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in info.items()))
    if args.replicate and args.replicate > 1:
        replicate(args.replicate)
    n_cases = Case.objects.count()
    n_events = CaseEvent.objects.count()
    span = Case.objects.aggregate(lo=Min("submitted_at"), hi=Max("submitted_at"))
    start = span["lo"].date()
    end = min(span["hi"].date(), compute.last_complete_day())
    print(f"data: {n_cases:,} cases, {n_events:,} case events, {start} – {end}")

    if not args.skip_recompute:
        t = time.perf_counter()
        summary = compute.recompute(start, end)
        full = time.perf_counter() - t
        print(f"full recompute (PostgreSQL + numpy roll-up): {full:.1f} s  [{load()}]")
        for k, v in summary.seconds.items():
            print(f"  {k:<20} {v:7.2f} s")
        print(f"  {summary.facts:,} daily facts, {summary.values:,} indicator values written")
        t = time.perf_counter()
        compute.recompute_yesterday()
        print(
            f"daily incremental recompute (yesterday + open periods): "
            f"{time.perf_counter() - t:.1f} s  [{load()}]"
        )

    pg = pg_passes()
    print(
        f"PostgreSQL, the 3 case aggregation passes as plain SQL: {pg['seconds']:.2f} s  [{load()}]"
    )
    for k, v in pg["passes"].items():
        print(f"  {k:<10} {v:6.2f} s  ({pg['rows'][k]:,} groups)")
    duck = duckdb_run(os.environ.get("DATABASE_URL", ""), args.keep_csv)
    print(f"DuckDB ({duck['mode']}), same passes: {duck['seconds']:.2f} s  [{load()}]")
    for k, v in duck["passes"].items():
        print(f"  {k:<10} {v:6.2f} s  ({duck['rows'][k]:,} groups)")
    print(f"ratio PostgreSQL / DuckDB: {pg['seconds'] / duck['seconds']:.1f}×")

    for url, lat in api_latency(args.requests).items():
        print(f"API {url}: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    try:
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        print("commit:", git.stdout.strip())
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
