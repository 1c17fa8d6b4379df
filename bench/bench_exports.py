"""Benchmark: the whole-city cases export (办件队列 → 导出Excel), before and after the background
exports (docs/exports.md, docs/performance.md).

    YINGSHANG_VAR=var .venv/bin/python bench/bench_exports.py [--user jianduyuan] [--runs 3]

Against the demo database (``make run`` / ``yingshang demo``: 20,000 cases), in process through
Django's test client (the WSGI handler), as a city-level user (all statuses, whole city):

* **synchronous** — what the export view did until the background exports: the rows read with
  the queue's selector and written into the xlsx inside the request (the same rows, helpers and
  workbook as the job); the time is what the person waited for the file;
* **button** — POST to the export start with the database task queue: the time until the page
  answers (the job is queued; the worker runs it);
* **job** — the queued job run as the worker runs it (``run_job``): total time and the rows.

Prints the machine and the load average with each figure.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", default="jianduyuan")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    import django

    django.setup()
    from cases_common import print_machine
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from yingshang.core.models import User
    from yingshang.platform import export_jobs
    from yingshang.platform.exports import xlsx_bytes
    from yingshang.platform.models import ExportJob

    setup_test_environment()
    print_machine()
    user = User.objects.get(username=args.user)
    kind = export_jobs.get_kind("cases.queue")
    params = {"status": ""}
    total = kind.query(user, params).count()
    print(f"  user      {user.username} ({user.get_role_display()}, {user.division.name})")
    print(f"  rows      {total}")
    client = Client()
    client.force_login(user)

    def load():
        return " ".join(f"{x:.2f}" for x in os.getloadavg())

    sync, button, job_times = [], [], []
    for run in range(args.runs):
        t = time.perf_counter()
        now = timezone.now()
        rows = (kind.row(c, now) for c in kind.query(user, params).iterator(chunk_size=2000))
        content = xlsx_bytes(kind.label, kind.headers(), rows)
        sync.append(time.perf_counter() - t)
        print(
            f"  run {run + 1}: synchronous {sync[-1]:.2f} s ({len(content)} bytes), load {load()}"
        )

        before = set(ExportJob.objects.values_list("pk", flat=True))
        t = time.perf_counter()
        response = client.post("/staff/exports/new/cases.queue/?status=")
        button.append(time.perf_counter() - t)
        assert response.status_code == 302, response.status_code
        (pk,) = set(ExportJob.objects.values_list("pk", flat=True)) - before
        print(
            f"  run {run + 1}: button answers {button[-1] * 1000:.0f} ms → {response['Location']}"
        )

        t = time.perf_counter()
        status = export_jobs.run_job(pk)
        job_times.append(time.perf_counter() - t)
        job = ExportJob.objects.get(pk=pk)
        assert status == "done", (status, job.error)
        print(
            f"  run {run + 1}: job {job_times[-1]:.2f} s, {job.rows_done} rows, {job.size} bytes, "
            f"load {load()}"
        )
        export_jobs.discard(user=user, pk=pk)

    print(
        f"median: synchronous {statistics.median(sync):.2f} s; button "
        f"{statistics.median(button) * 1000:.0f} ms; job {statistics.median(job_times):.2f} s"
    )


if __name__ == "__main__":
    main()
