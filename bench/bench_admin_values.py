"""Benchmark: the admin's indicator-value list (/admin/monitoring/indicatorvalue/) on a table of
a few million rows, before and after the heavy-list changes (no full count, no date hierarchy,
no DISTINCT filters, total order on the unique index).

    .venv/bin/python bench/bench_admin_values.py [--rows 3000000] [--repeat 5]

Creates (once) the PostgreSQL database ``bench_admin_values`` at 127.0.0.1:5432 (or uses
``DATABASE_URL``), migrates it and fills ``monitoring_indicatorvalue`` with generated daily
values (indicators × days × department and item members) by one INSERT … SELECT. Then times
the list pages in process (Django test client, a superuser), each page ``--repeat`` times after
one warm-up, first with the admin configured as it was ("before": Django's Paginator with the
full and the filtered count, the date hierarchy, ``indicator`` as an all-values filter, the
model's ordering plus the "-pk" tie-breaker), then as it is now ("after"). Prints the median and
the slowest request per page and the SQL statements of one request of each.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
DB = "bench_admin_values"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB}")
os.environ.setdefault("YINGSHANG_VAR", "/tmp/bench_admin_values")

# (name, parameters before, parameters after): the month filter was the date hierarchy's
PAGES = [
    ("list", {}, {}),
    ("page 50", {"p": "49"}, {"p": "49"}),
    (
        "month + dimension",
        {"period_start__year": "2026", "period_start__month": "10", "dimension__exact": "item"},
        {"period": "2026-10", "dimension__exact": "item"},
    ),
    ("indicator", {"indicator": "gov.on_time_rate"}, {"indicator": "gov.on_time_rate"}),
]


def ensure_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(rows: int):
    from django.db import connection

    from yingshang.monitoring.definitions import load_definitions

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM monitoring_indicatorvalue")
        have = cur.fetchone()[0]
        if have >= rows:
            return have
        cur.execute("TRUNCATE monitoring_indicatorvalue")
        indicators = list(load_definitions().indicators)[:50]
        days = 365
        members = max(1, rows // (len(indicators) * days * 2))
        t0 = time.perf_counter()
        cur.execute(
            """
            INSERT INTO monitoring_indicatorvalue
              (indicator, period_kind, period_start, dimension, dimension_id, division_path,
               department_id, value, numerator, denominator, computed_at, definitions_version)
            SELECT ind, 'day', d::date, dim, m, '510000/510700/', NULL,
                   random() * 100, NULL, NULL, now(), 'bench'
            FROM unnest(%s::text[]) AS ind,
                 generate_series(date '2025-12-01', date '2025-12-01' + %s - 1, interval '1 day') AS d,
                 (VALUES ('department'), ('item')) AS dims(dim),
                 generate_series(1, %s) AS m
            """,
            [indicators, days, members],
        )
        cur.execute("ANALYZE monitoring_indicatorvalue")
        cur.execute("SELECT COUNT(*) FROM monitoring_indicatorvalue")
        have = cur.fetchone()[0]
        print(f"filled {have:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        return have


def configure(model_admin, before: bool, saved: dict):
    from django.core.paginator import Paginator

    if before:
        model_admin.paginator = Paginator
        model_admin.show_full_result_count = True
        model_admin.date_hierarchy = "period_start"
        model_admin.list_filter = ["period_kind", "dimension", "indicator"]
        model_admin.ordering = None
    else:
        for key, value in saved.items():
            setattr(model_admin, key, value)


def time_pages(client, url, repeat, before):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for name, params_before, params_after in PAGES:
        params = params_before if before else params_after
        client.get(url, params)  # warm-up
        times = []
        for _i in range(repeat):
            t0 = time.perf_counter()
            r = client.get(url, params)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, (name, r.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        sql = [q for q in ctx.captured_queries if "monitoring_indicatorvalue" in q["sql"]]
        out[name] = (statistics.median(times), max(times), sql)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib import admin
    from django.core.management import call_command
    from django.test import Client

    from yingshang.core.models import User
    from yingshang.monitoring.models import IndicatorValue

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    have = fill(args.rows)
    user = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", password="bench-admin-2026"
    )
    client = Client()
    client.force_login(user)
    url = "/admin/monitoring/indicatorvalue/"
    model_admin = admin.site._registry[IndicatorValue]
    saved = {
        k: getattr(model_admin, k)
        for k in (
            "paginator",
            "show_full_result_count",
            "date_hierarchy",
            "list_filter",
            "ordering",
        )
    }
    import platform

    print(
        f"{have:,} indicator values · PostgreSQL · {platform.processor() or platform.machine()}"
        f" · {os.cpu_count()} cores · median / slowest of {args.repeat}",
        flush=True,
    )
    results = {}
    for label, before in (("before", True), ("after", False)):
        configure(model_admin, before, saved)
        results[label] = time_pages(client, url, args.repeat, before)
    configure(model_admin, False, saved)
    print(f"{'page':22} {'before':>18} {'after':>18}")
    for name, *_params in PAGES:
        b, a = results["before"][name], results["after"][name]
        print(
            f"{name:22} {b[0] * 1000:8.0f} / {b[1] * 1000:6.0f} ms"
            f" {a[0] * 1000:8.0f} / {a[1] * 1000:6.0f} ms"
        )
    for label in ("before", "after"):
        print(f"\n-- SQL of the list page, {label}:")
        for q in results[label]["list"][2]:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")


if __name__ == "__main__":
    main()
