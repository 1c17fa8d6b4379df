"""Benchmark (c): the volume demo on PostgreSQL.

    .venv/bin/python bench/bench_case_demo.py [--db postgres://…/yingshang_bench_demo] [--cases 10000000]

Creates the database if needed, migrates it, loads the core/catalog/registry demo steps, and
times the ``volume cases`` step exactly as ``yingshang demo --cases N`` runs it (same code,
without the other apps' steps), printing the phases (cases written, events and visits derived,
indexes rebuilt) and the machine. Target for N = 10,000,000: under 10 minutes. Use a fresh
database for a clean figure (``--fresh`` drops and recreates it).
"""

import argparse
import sys
import time

from cases_common import ensure_base_data, ensure_database, print_machine, setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/yingshang_bench_demo")
    ap.add_argument("--cases", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    args = ap.parse_args()
    if args.fresh:
        import psycopg

        base, _, name = args.db.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    ensure_database(args.db)
    setup(args.db)
    from yingshang.cases.models import Case, CaseEvent, CaseVisit
    from yingshang.demo import cases as demo
    from yingshang.demo.framework import Tally

    ensure_base_data()
    print(f"yingshang volume demo benchmark — {args.cases:,} cases, seed {args.seed}")
    print_machine()
    t0 = time.perf_counter()
    from django.core.management.base import OutputWrapper

    out = OutputWrapper(sys.stdout)
    demo.load_volume({"cases": args.cases, "seed": args.seed, "quiet": False}, Tally(), out)
    elapsed = time.perf_counter() - t0
    print(
        f"\n{args.cases:,} cases in {elapsed:,.0f} s = {args.cases / elapsed:,.0f} cases/s "
        f"(table now: {Case.objects.count():,} cases, {CaseEvent.objects.count():,} events, "
        f"{CaseVisit.objects.count():,} visits)"
    )
    if args.cases >= 10_000_000:
        print(f"target < 600 s: {'PASS' if elapsed < 600 else 'FAIL'}")
    else:
        print(f"extrapolated to 10,000,000: ~{elapsed * 10_000_000 / args.cases:,.0f} s")
    print_machine()


if __name__ == "__main__":
    main()
