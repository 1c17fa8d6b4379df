"""Benchmark: 10,000,000 due dates with ``workdays.add_working_days_bulk``.

    .venv/bin/python bench/bench_workdays.py [--size N] [--repeat R] [--db]

By default the calendar (2019–2027, seeded from the ``holidays`` library exactly as
``calendar_services.seed_year_from_library`` would store it) is built straight into the numpy
arrays, so no database is needed. ``--db`` loads it from the configured database instead
(DATABASE_URL / YINGSHANG_VAR; seed it first with ``yingshang calendar seed --years 2019-2027``).
Only the vectorised call is timed; a sample is checked against the scalar function.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def machine() -> dict:
    import numpy as np

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "load average": load,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", action="store_true", help="load the calendar from the database")
    args = parser.parse_args()

    if not args.db:
        os.environ.setdefault("YINGSHANG_VAR", tempfile.mkdtemp(prefix="yingshang-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    import django

    django.setup()

    import numpy as np

    from yingshang.workdays import calendar as workdays
    from yingshang.workdays import services as calendar_services
    from yingshang.workdays.models import CalendarStatus

    years = range(2019, 2028)
    if args.db:
        workdays.invalidate_cache()
        cal = workdays._calendar()
        source = "database"
    else:
        rows_years, rows_days = [], []
        for year in years:
            arrangement = calendar_services.library_arrangement(year)
            status = CalendarStatus.CONFIRMED if arrangement.published else "provisional"
            rows_years.append((year, status))
            rows_days.extend((d, kind) for d, (kind, _name) in arrangement.days.items())
        t0 = time.perf_counter()
        cal = workdays._build((tuple(rows_years), tuple(rows_days)))
        build = time.perf_counter() - t0
        cal.checked_at = float("inf")  # never re-checked against a database in this run
        workdays._state = cal
        source = f"holidays library, arrays built in {build * 1000:.1f} ms"

    rng = np.random.default_rng(2026)
    lo = np.datetime64("2019-01-01").astype(np.int64)
    hi = np.datetime64("2026-12-31").astype(np.int64)
    starts = rng.integers(lo, hi + 1, size=args.size).view("datetime64[D]")
    ns = rng.integers(0, 61, size=args.size)

    workdays.add_working_days_bulk(starts[:1000], ns[:1000])  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        due = workdays.add_working_days_bulk(starts, ns)
        times.append(time.perf_counter() - t0)

    sample = rng.integers(0, args.size, size=2000)
    for i in sample:
        expected = workdays.add_working_days(starts[i].item(), int(ns[i])).due.date()
        assert due[i].item() == expected, (starts[i], ns[i], due[i], expected)
    assert workdays.working_days_in_year(2026) == 248

    best, median = min(times), statistics.median(times)
    print("Working-day calendar benchmark: add_working_days_bulk")
    print(f"  calendar           {source}")
    print(f"  due dates          {args.size:,} (start 2019-01-01…2026-12-31, n 0…60)")
    print(
        f"  best of {args.repeat}          {best:.3f} s   ({args.size / best / 1e6:.1f} M dates/s)"
    )
    print(f"  median             {median:.3f} s   ({args.size / median / 1e6:.1f} M dates/s)")
    print(f"  checked            {len(sample)} samples equal the scalar add_working_days")
    for key, value in machine().items():
        print(f"  {key:<18} {value}")
    if best >= 1.0:
        print("  WARNING: slower than the 1 s target")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
