"""`yingshang serve` (what `make run` starts): collect static files, start the background
worker as a child process and gunicorn in the foreground; stop the worker when gunicorn exits.

In production run the two separately under the service manager instead:
    gunicorn yingshang.wsgi --workers 3 --threads 4 --preload --bind 127.0.0.1:8000
    yingshang worker          # as many as needed

Defaults, from the load benchmark (bench/load, docs/performance.md): cores + 1 worker processes
(WEB_WORKERS), 4 threads each (WEB_THREADS). Each process holds the interpreter lock for its
Python work, so processes rather than threads use the cores; threads overlap the database
waits. On 2 cores (shared, loaded), the mixed workload at 16 clients, alternating runs: 2 × 4
averaged 20 requests/s (p95 1.3–1.4 s), 3 × 4 33 requests/s, 4 × 4 31 requests/s (p95
0.8–1.1 s).
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", 0)) or (os.cpu_count() or 1) + 1,
            help="gunicorn worker processes (default: cores + 1, or WEB_WORKERS)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", 0)) or 4,
            help="threads per gunicorn worker (default: 4, or WEB_THREADS)",
        )
        parser.add_argument(
            "--no-worker", action="store_false", dest="worker", help="do not start the worker"
        )
        parser.add_argument(
            "--no-collectstatic", action="store_false", dest="collectstatic", help="skip it"
        )

    def handle(self, *args, **options):
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if options["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "yingshang.settings"
            ),
        }
        self.worker = None
        self.worker_cmd = [sys.executable, "-m", "yingshang.cli", "worker"]
        self.env = env
        if options["worker"]:
            self.worker = self.start_worker()
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "yingshang.wsgi:application",
                "--workers",
                str(options["workers"]),
                "--threads",
                str(options["threads"]),
                "--bind",
                options["bind"],
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "20",
                "--preload",  # load the app once in the master: workers fork warm
            ],
            env=env,
        )
        self.stdout.write(f"yingshang: serving on http://{options['bind']}/ (Ctrl+C to stop)")

        def forward(signum, frame):
            web.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        try:
            while web.poll() is None:
                if self.worker is not None and self.worker.poll() is not None:
                    self.stderr.write(
                        f"yingshang: worker exited with {self.worker.returncode}; restarting"
                    )
                    time.sleep(2)
                    self.worker = self.start_worker()
                time.sleep(0.5)
        finally:
            if web.poll() is None:
                web.terminate()
            self.stop_worker()
        if web.returncode:
            raise SystemExit(web.returncode)

    def start_worker(self):
        # Own session: a Ctrl+C in the terminal reaches only us; the worker then gets exactly
        # one SIGTERM and finishes its task in hand.
        return subprocess.Popen(self.worker_cmd, env=self.env, start_new_session=True)

    def stop_worker(self):
        worker = self.worker
        if worker is None or worker.poll() is not None:
            return
        worker.terminate()  # SIGTERM: the worker finishes its current task
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
