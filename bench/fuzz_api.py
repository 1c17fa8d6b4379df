"""A longer schemathesis run over the whole API (`make fuzz`): the test of the suite
(tests/test_api_fuzz.py — administrator, scoped clerk, anonymous; checks not_a_server_error,
status_code_conformance, content_type_conformance, response_schema_conformance) with many more
examples per operation and fresh random draws. On a throwaway test database (pytest-django's
``test_…``), SQLite unless DATABASE_URL is set.

    .venv/bin/python bench/fuzz_api.py                # 100 examples per operation and role
    .venv/bin/python bench/fuzz_api.py --examples 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuzz .venv/bin/python bench/fuzz_api.py

Prints pytest's report; exits non-zero on any failure (each with a curl line to reproduce it).
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100, help="per operation and role")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (0: one process)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "FUZZ_EXAMPLES": str(args.examples),
        "FUZZ_RANDOM": "1",
        "FUZZ_PHASES": "examples,coverage,fuzzing",
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/test_api_fuzz.py"]
    if args.workers != "0":
        command += ["-n", args.workers]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
