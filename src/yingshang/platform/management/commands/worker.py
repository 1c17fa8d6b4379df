"""`yingshang worker`: the background process. One loop that

1. ticks the periodic scheduler (platform/jobs.py) — enqueues each due job once per slot, whatever
   the number of workers;
2. runs queued tasks with django-tasks-db's own Worker (claiming rows with SELECT … FOR UPDATE
   SKIP LOCKED on PostgreSQL, an exclusive transaction on SQLite).

Run as many as needed (e.g. one per core): they share the queue through the database.
SIGTERM/SIGINT finish the task in hand, then exit; a second signal exits at once.
"""

import logging
import os
import signal
import socket
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from yingshang.platform import audit, jobs

logger = logging.getLogger("yingshang.worker")


class Command(BaseCommand):
    help = "Run the background worker: periodic scheduler and task queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Tick the scheduler once, run every task that is ready, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--tick",
            type=float,
            default=20.0,
            help="Seconds between scheduler ticks (default: 20).",
        )
        parser.add_argument(
            "--queues",
            default="*",
            help="Comma-separated queue names to process; '*' (default) for all.",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run tasks; leave the periodic jobs to other workers.",
        )
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS)
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, **options):
        if options["interval"] < 0 or options["tick"] <= 0:
            raise CommandError("--interval must be ≥ 0 and --tick > 0")
        self.backend_name = options["backend"]
        try:
            backend = task_backends[self.backend_name]
        except Exception as exc:  # noqa: BLE001 - InvalidTaskBackend
            raise CommandError(str(exc)) from exc
        self.runs_queue = isinstance(backend, DatabaseBackend)
        if not self.runs_queue:
            logger.warning(
                "task backend %r is not the database backend: tasks run where they are "
                "enqueued; this worker only ticks the scheduler",
                self.backend_name,
            )
        self.queues = [q for q in options["queues"].split(",") if q] or ["*"]
        self.worker_id = (
            options["worker_id"]
            or f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"[:64]
        )
        self.scheduler = options["scheduler"]
        self.verbosity = options["verbosity"]
        self.stopping = False
        self.current = None
        if options["verbosity"] > 1:
            logging.getLogger("yingshang").setLevel(logging.INFO)
        jobs.autodiscover()

        with audit.audit_context(channel="worker"):
            if options["once"]:
                self.tick()
                self.drain(batch=True, max_tasks=None)
                return
            self.install_signals()
            self.loop(options["interval"], options["tick"])

    # -- signals -------------------------------------------------------------------------------

    def install_signals(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)

    def on_signal(self, signum, frame):
        if self.stopping:
            logger.warning("second %s: exiting now", signal.Signals(signum).name)
            sys.exit(1)
        logger.warning("%s: finishing the current task, then exiting", signal.Signals(signum).name)
        self.stopping = True
        if self.current is not None:
            self.current.running = False

    # -- work ----------------------------------------------------------------------------------

    def tick(self):
        if not self.scheduler:
            return
        try:
            fired = jobs.run_due_jobs()
        except Exception:
            # A broken tick (database away) must not kill the worker; it is logged, not hidden.
            logger.exception("scheduler tick failed")
            return
        if fired and self.verbosity > 1:
            self.stdout.write(f"scheduled: {', '.join(fired)}")

    def drain(self, *, batch: bool, max_tasks: int | None) -> None:
        """Run ready tasks with django-tasks-db's Worker until the queue is empty (or
        ``max_tasks`` ran, so that the scheduler gets its turn)."""
        if not self.runs_queue:
            return
        self.current = Worker(
            queue_names=self.queues,
            interval=0,
            batch=batch,
            backend_name=self.backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            self.current.run()
        finally:
            self.current = None

    def loop(self, interval: float, tick_every: float) -> None:
        logger.info("worker %s started (queues: %s)", self.worker_id, ",".join(self.queues))
        next_tick = 0.0
        while not self.stopping:
            if time.monotonic() >= next_tick:
                self.tick()
                next_tick = time.monotonic() + tick_every
            try:
                self.drain(batch=True, max_tasks=50)
            except Exception:
                logger.exception("task queue error; retrying")
                close_old_connections()
                self.sleep(5)
                continue
            close_old_connections()
            self.sleep(max(min(interval, next_tick - time.monotonic()), 0))
        logger.info("worker %s stopped", self.worker_id)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
