"""Benchmark: catalogue search latency (catalog/search.py) on the demo catalogue and on ten
times as many items.

    .venv/bin/python bench/bench_search.py [--db sqlite|postgres] [--repeat R]

Builds its own database (SQLite in a temporary directory, or the PostgreSQL database
``bench_search`` at 127.0.0.1:5432), loads the demo catalogue with its search words, times
``search_items`` for a fixed set of everyday queries (names, colloquial terms, two words,
pinyin initials, a question, a typo with no result → "did you mean"), the type-ahead and a full
index rebuild; then copies every item nine times (new codes, same words) and times the same
again. Prints the median and p95 per query kind, and the machine.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cases_common  # noqa: E402

QUERIES = {
    "name": ["食品经营许可", "企业设立登记", "结婚登记", "不动产抵押登记"],
    "colloquial": ["开小卖部", "卖熟食", "开饭店", "二手房过户", "领失业金"],
    "two words": ["食品 许可", "公积金 提取", "社保 登记"],
    "pinyin": ["yyzz", "spjyxk", "gzkzba"],
    "question": ["我想开个小卖部怎么办", "新公司怎么交社保", "身份证丢了怎么补办"],
    "no result": ["火箭发射许可证", "开小买部", "yyzx"],
}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_queries(repeat: int) -> dict:
    from yingshang.catalog import search

    out = {}
    for kind, queries in QUERIES.items():
        times = []
        for _ in range(repeat):
            for q in queries:
                t = time.perf_counter()
                search.search(q, limit=10)
                times.append((time.perf_counter() - t) * 1000)
        out[kind] = times
    times = []
    for _ in range(repeat):
        for q in ["y", "yy", "yyz", "食", "食品", "开小", "开小卖"]:
            t = time.perf_counter()
            search.suggest(q)
            times.append((time.perf_counter() - t) * 1000)
    out["type-ahead"] = times
    return out


def report(label: str, results: dict, rebuild_s: float, items: int, tokens: int):
    print(f"\n{label}: {items} items, {tokens} index rows, full rebuild {rebuild_s:.1f} s")
    print(f"  {'query kind':<12} {'median ms':>10} {'p95 ms':>8} {'n':>5}")
    for kind, times in results.items():
        print(
            f"  {kind:<12} {statistics.median(times):>10.1f} {pct(times, 95):>8.1f} {len(times):>5}"
        )


def multiply(factor: int):
    """Copy every active item factor-1 times (new implementation codes, same words)."""
    from yingshang.catalog.models import ServiceItem

    originals = list(
        ServiceItem.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version", "department")
        .prefetch_related("terms")
    )
    from yingshang.catalog.search import indexing_deferred

    with indexing_deferred():  # indexed by the rebuild that follows
        _copy(originals, factor)


def _copy(originals, factor):
    from yingshang.catalog import services

    for n in range(1, factor):
        for item in originals:
            version = item.current_version
            copy = services.create_item(
                implementation_code=f"{item.implementation_code}-x{n}",
                materials=services.material_values_of(version),
                **{f: getattr(item, f) for f in services.ITEM_FIELDS},
                **services.version_values_of(version),
            )
            for t in item.terms.all():
                services.add_term(item=copy, term=t.term, kind=t.kind, source=t.source)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    if args.db == "postgres":
        url = "postgres://postgres@127.0.0.1:5432/bench_search"
        cases_common.ensure_database(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench_search_')}/bench.sqlite3"
    cases_common.setup(url)
    from django.core.management import call_command

    from yingshang.catalog import search
    from yingshang.catalog.models import SearchToken, ServiceItem
    from yingshang.demo import framework as demo

    call_command("migrate", verbosity=0)
    tally = demo.Tally()
    for step in demo.steps():
        if step.order < 210:  # core, staff, calendar, catalogue, search words
            step.run({"seed": 2019, "quiet": True}, tally, None)
    from django.db import connection

    print("bench_search: catalogue search latency")
    cases_common.print_machine()
    if connection.vendor == "sqlite":
        import sqlite3

        print(f"  database  SQLite {sqlite3.sqlite_version}")
    search.search("预热")  # jieba loads its dictionary once per process (~1 s)

    for label, factor in (("demo catalogue", 1), (f"{args.factor}x items", args.factor)):
        if factor > 1:
            t = time.perf_counter()
            multiply(factor)
            print(f"\n(copied items in {time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        search.rebuild()
        rebuild_s = time.perf_counter() - t
        results = run_queries(args.repeat)
        report(
            label,
            results,
            rebuild_s,
            ServiceItem.objects.filter(is_active=True).count(),
            SearchToken.objects.count(),
        )
    first = search.search("开小卖部").items[:1]
    print(f"\ncheck: 开小卖部 → {first[0].name if first else 'nothing'}")


if __name__ == "__main__":
    main()
