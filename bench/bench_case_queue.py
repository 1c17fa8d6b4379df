"""Benchmark (b): department queue and case search with 1,000,000 cases in PostgreSQL.

    .venv/bin/python bench/bench_case_queue.py [--db postgres://…/yingshang_bench] [--cases 1000000]

Fills the database to --cases with the volume demo generator if it holds fewer, then times the
workbench's reads through the real selectors (scoped to real demo users), each query as the
page runs it (first page of 50 + the paginator's count): p50 / p95 / max in milliseconds.
Target: p95 < 100 ms.
"""

import argparse
import random
import statistics
import time

from cases_common import ensure_base_data, ensure_database, print_machine, setup


def timed(fn, n):
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/yingshang_bench")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args()
    ensure_database(args.db)
    setup(args.db)
    from django.db import connection

    from yingshang.cases import selectors
    from yingshang.cases.models import Case
    from yingshang.core.models import Department, User
    from yingshang.demo import cases as demo
    from yingshang.demo.framework import Tally

    ensure_base_data()
    have = Case.objects.count()
    if have < args.cases:
        print(f"generating {args.cases - have:,} cases …")
        demo.load_volume({"cases": args.cases - have, "seed": 4242, "quiet": True}, Tally(), None)
    total = Case.objects.count()
    print(f"yingshang case queue/search benchmark — {total:,} cases in PostgreSQL")
    print_machine()

    rng = random.Random(1)
    # handlers of the ten busiest departments (created for the benchmark if missing)
    busiest = list(
        Case.objects.values("department_id")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .order_by("-n")[:10]
    )
    handlers = []
    for row in busiest:
        dept = Department.objects.select_related("division").get(pk=row["department_id"])
        user, _ = User.objects.get_or_create(
            username=f"bench_handler_{dept.pk}",
            defaults={"role": "handler", "division": dept.division, "department": dept},
        )
        handlers.append(user)
    clerk = User.objects.get(username="chuangkou")
    numbers = list(Case.objects.order_by("?").values_list("number", flat=True)[:200])
    codes = list(Case.objects.order_by("?").values_list("applicant_code", flat=True)[:200])
    names = list(
        Case.objects.filter(applicant_kind="enterprise")
        .order_by("?")
        .values_list("applicant_name", flat=True)[:200]
    )

    def page(qs):
        p = selectors.CappedPaginator(qs, 50).get_page(1)
        list(p.object_list)
        return p.paginator.count

    cases = {
        "department queue (open, by due date)": lambda i: page(
            selectors.queue_for(handlers[i % len(handlers)])
        ),
        "department queue, overdue only": lambda i: page(
            selectors.queue_for(handlers[i % len(handlers)], sla_state="overdue")
        ),
        "city window queue (division-wide)": lambda i: page(selectors.queue_for(clerk)),
        "search: case number": lambda i: page(
            selectors.cases_for(clerk, q=numbers[i % len(numbers)])
        ),
        "search: number prefix (14 digits)": lambda i: page(
            selectors.cases_for(handlers[i % len(handlers)], q=numbers[i % len(numbers)][:14])
        ),
        "search: applicant USCC/ID": lambda i: page(
            selectors.cases_for(clerk, q=codes[i % len(codes)])
        ),
        "search: applicant name (contains)": lambda i: page(
            selectors.cases_for(clerk, q=names[i % len(names)][2:5])
        ),
    }
    print(f"\n{'query':<40} {'p50':>8} {'p95':>8} {'max':>8}   (ms, {args.iterations} runs)")
    worst = 0.0
    for label, fn in cases.items():
        fn(0)  # warm
        ms = sorted(timed(fn, args.iterations))
        p95 = ms[int(0.95 * len(ms)) - 1]
        worst = max(worst, p95)
        print(f"{label:<40} {statistics.median(ms):8.1f} {p95:8.1f} {ms[-1]:8.1f}")
    print(f"\nworst p95: {worst:.1f} ms (target < 100 ms): {'PASS' if worst < 100 else 'FAIL'}")
    connection.close()
    _ = rng


if __name__ == "__main__":
    main()
