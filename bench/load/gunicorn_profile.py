"""gunicorn configuration of `bench/load/run.py --profile`: each (sync) worker profiles its
requests with cProfile from the first request after PROFILE_DIR/start exists (the runner
creates it after the warm-up, so start-up costs — lazy imports, first template compilations —
stay out of the figures) and writes PROFILE_DIR/<pid>.pstats when it exits."""

import cProfile
import os

_profiler = None


def pre_request(worker, req):
    global _profiler
    if _profiler is None and os.path.exists(os.path.join(os.environ["PROFILE_DIR"], "start")):
        _profiler = cProfile.Profile()
        _profiler.enable()


def worker_exit(server, worker):
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(os.path.join(os.environ["PROFILE_DIR"], f"{os.getpid()}.pstats"))
