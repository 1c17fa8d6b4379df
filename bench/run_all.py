"""Run the benchmarks one after another and print their figures (`make bench`).

    .venv/bin/python bench/run_all.py            # the quick ones (no database needed)
    .venv/bin/python bench/run_all.py --all      # also the PostgreSQL ones (long: see bench/README.md)
    .venv/bin/python bench/run_all.py workdays cases_queue   # a selection

Each benchmark is also one command of its own; its docstring says how to run it.
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = ["workdays", "reforms"]
POSTGRES = ["case_submit", "case_queue", "case_demo", "monitoring"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"some of {QUICK + POSTGRES}")
    parser.add_argument("--all", action="store_true", help="also the PostgreSQL benchmarks")
    args = parser.parse_args()
    names = args.names or (QUICK + POSTGRES if args.all else QUICK)
    unknown = [n for n in names if n not in QUICK + POSTGRES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in names:
        print(f"\n===== bench_{name}.py", flush=True)
        result = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")])
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
