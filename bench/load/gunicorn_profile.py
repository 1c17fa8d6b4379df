"""gunicorn configuration of `bench/load/run.py --profile`: each (sync) worker runs under
cProfile and writes PROFILE_DIR/<pid>.pstats when it exits."""

import cProfile
import os

_profiler = None


def post_fork(server, worker):
    global _profiler
    _profiler = cProfile.Profile()
    _profiler.enable()


def worker_exit(server, worker):
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(os.path.join(os.environ["PROFILE_DIR"], f"{os.getpid()}.pstats"))
