"""Periodic jobs: a registry of task functions that the worker enqueues on a schedule.

    from datetime import timedelta
    from yingshang.platform.jobs import periodic

    @periodic("cases.deadline_sweep", every=timedelta(minutes=15))
    def deadline_sweep(): ...

    @periodic("monitoring.nightly_recompute", every="daily at 02:30")
    def nightly_recompute(): ...

A schedule is a ``timedelta`` (slots aligned to midnight Asia/Shanghai, so ``timedelta(hours=1)``
fires on the hour) or a string: ``"daily at HH:MM"``, ``"monday at HH:MM"`` … ``"sunday at
HH:MM"``, ``"monthly on D at HH:MM"`` (D = 1…28), all in the ``TIME_ZONE`` (Asia/Shanghai).

``run_due_jobs(now)`` enqueues each job whose current slot has not run yet. Every enqueue
first inserts a ``ScheduledRun`` row (job, slot) under a unique constraint, so however many
worker processes tick at the same time, a slot is enqueued exactly once. A worker that was down
catches up with the latest missed slot only (never a burst of old ones); pass ``grace=`` to
skip slots that are older than that instead.

The decorator returns a ``django.tasks`` Task (a plain function is wrapped with ``@task``), so
the function can also be enqueued by hand. Jobs live in a ``jobs.py`` module of any installed
app; those modules are imported by ``autodiscover()``.
"""

from __future__ import annotations

import logging
import re
import time as time_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, transaction
from django.tasks import Task, task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("yingshang.jobs")

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_AT = r"at (?P<hh>\d{1,2}):(?P<mm>\d{2})"
_DAILY_RE = re.compile(rf"^daily {_AT}$")
_WEEKLY_RE = re.compile(rf"^(?P<dow>{'|'.join(WEEKDAYS)}) {_AT}$")
LOCK_RETRIES = 20
_MONTHLY_RE = re.compile(rf"^monthly on (?P<day>\d{{1,2}}) {_AT}$")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE or "Asia/Shanghai")


@dataclass(frozen=True)
class Schedule:
    """When a job runs. ``slot(now)`` is the start of the period ``now`` falls in."""

    kind: str  # "interval" | "daily" | "weekly" | "monthly"
    every: timedelta | None = None
    at: time | None = None
    weekday: int | None = None
    day: int | None = None

    def slot(self, now: datetime) -> datetime:
        tz = _tz()
        local = timezone.localtime(now, tz)
        if self.kind == "interval":
            epoch = datetime(2000, 1, 1, tzinfo=tz)
            periods = (local - epoch) // self.every
            return epoch + periods * self.every
        candidate = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if self.kind == "daily":
            if candidate > local:
                candidate -= timedelta(days=1)
        elif self.kind == "weekly":
            candidate -= timedelta(days=(candidate.weekday() - self.weekday) % 7)
            if candidate > local:
                candidate -= timedelta(days=7)
        else:  # monthly
            candidate = candidate.replace(day=self.day)
            if candidate > local:
                year, month = (
                    (candidate.year, candidate.month - 1)
                    if candidate.month > 1
                    else (candidate.year - 1, 12)
                )
                candidate = candidate.replace(year=year, month=month)
        return candidate

    def __str__(self) -> str:
        if self.kind == "interval":
            return f"every {self.every}"
        at = f"at {self.at:%H:%M}"
        if self.kind == "daily":
            return f"daily {at}"
        if self.kind == "weekly":
            return f"{WEEKDAYS[self.weekday]} {at}"
        return f"monthly on {self.day} {at}"


def parse_schedule(spec: timedelta | str) -> Schedule:
    if isinstance(spec, timedelta):
        if spec < timedelta(minutes=1):
            raise ImproperlyConfigured(f"periodic jobs run at most once a minute, not {spec}")
        if timedelta(days=1) % spec:
            # Slots are aligned to midnight; an interval that does not divide a day would drift
            # across midnight. Longer periods: use the "weekly"/"monthly" forms.
            raise ImproperlyConfigured(f"an interval must divide one day evenly, not {spec}")
        return Schedule(kind="interval", every=spec)
    if not isinstance(spec, str):
        raise ImproperlyConfigured(f"unknown schedule {spec!r}")
    text = " ".join(spec.lower().split())
    for regex, kind in ((_DAILY_RE, "daily"), (_WEEKLY_RE, "weekly"), (_MONTHLY_RE, "monthly")):
        if m := regex.match(text):
            hh, mm = int(m["hh"]), int(m["mm"])
            if hh > 23 or mm > 59:
                break
            kwargs = {"kind": kind, "at": time(hh, mm)}
            if kind == "weekly":
                kwargs["weekday"] = WEEKDAYS.index(m["dow"])
            if kind == "monthly":
                day = int(m["day"])
                if not 1 <= day <= 28:
                    raise ImproperlyConfigured(f"monthly jobs run on day 1…28, not {day}")
                kwargs["day"] = day
            return Schedule(**kwargs)
    raise ImproperlyConfigured(
        f"unknown schedule {spec!r}: use a timedelta, 'daily at HH:MM', "
        "'<weekday> at HH:MM' or 'monthly on D at HH:MM'"
    )


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    schedule: Schedule
    grace: timedelta | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.schedule})"


class JobRegistry:
    def __init__(self):
        self._jobs: dict[str, Job] = {}
        # Per-process memory of the last slot seen per job: a tick that has nothing to do
        # touches no table.
        self._seen: dict[str, datetime] = {}

    def periodic(
        self, name: str, *, every: timedelta | str, grace: timedelta | None = None
    ) -> Callable[[Callable | Task], Task]:
        def decorator(func: Callable | Task) -> Task:
            return self.add(name, func, every=every, grace=grace)

        return decorator

    def add(
        self,
        name: str,
        func: Callable | Task,
        *,
        every: timedelta | str,
        grace: timedelta | None = None,
    ) -> Task:
        the_task = func if isinstance(func, Task) else task(func)
        job = Job(name=name, task=the_task, schedule=parse_schedule(every), grace=grace)
        existing = self._jobs.get(name)
        if existing and existing.task.module_path != the_task.module_path:
            raise ImproperlyConfigured(
                f"periodic job {name!r} registered twice: {existing.task.module_path} "
                f"and {the_task.module_path}"
            )
        self._jobs[name] = job
        return the_task

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.name)

    def get(self, name: str) -> Job:
        return self._jobs[name]

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Enqueue every job whose current slot has not been enqueued by any process yet.
        Returns the names of the jobs this call enqueued."""
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.utils import is_locked_database_exception

        from .models import ScheduledRun

        now = now or timezone.now()
        fired = []
        for job in self.jobs():
            slot = job.schedule.slot(now)
            if self._seen.get(job.name) == slot:
                continue
            if job.grace is not None and now - slot > job.grace:
                self._seen[job.name] = slot
                continue
            # With the database backend the task row is written in the same transaction as the
            # ScheduledRun row: both or neither. Other backends (ImmediateBackend in tests and
            # development) run the job at enqueue time, so that happens after the commit.
            in_transaction = isinstance(job.task.get_backend(), DatabaseBackend)
            for attempt in range(1, LOCK_RETRIES + 1):
                try:
                    with transaction.atomic():
                        run = ScheduledRun.objects.create(job=job.name, slot=slot)
                        if in_transaction:
                            run.task_id = str(job.task.enqueue().id)
                            run.save(update_fields=["task_id"])
                except IntegrityError:
                    logger.debug("job %s slot %s already taken elsewhere", job.name, slot)
                    self._seen[job.name] = slot
                    break
                except OperationalError as exc:
                    # SQLite "database is locked": another process is writing; try again
                    # shortly, else leave the slot to the next tick (nothing was written).
                    if not is_locked_database_exception(exc) or attempt == LOCK_RETRIES:
                        raise
                    time_module.sleep(0.05 * attempt)
                else:
                    if not in_transaction:
                        result = job.task.enqueue()
                        ScheduledRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
                    logger.info("enqueued periodic job %s for slot %s", job.name, slot.isoformat())
                    fired.append(job.name)
                    self._seen[job.name] = slot
                    break
        return fired


registry = JobRegistry()
periodic = registry.periodic
_discovered = False


def autodiscover() -> None:
    """Import the ``jobs`` module of every installed app (once per process)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True


def run_due_jobs(now: datetime | None = None) -> list[str]:
    autodiscover()
    return registry.run_due(now)


@periodic("platform.prune_scheduler_history", every="daily at 03:30")
def prune_scheduler_history(days: int = 30) -> int:
    """Forget ledger rows older than ``days`` (they only guard current slots)."""
    from .models import ScheduledRun

    with transaction.atomic():
        deleted, _details = ScheduledRun.objects.filter(
            slot__lt=timezone.now() - timedelta(days=days)
        ).delete()
    return deleted


@periodic("platform.uploads_sweep", every=timedelta(hours=1))
def uploads_sweep():
    """Remove uploaded files older than an hour that no row refers to."""
    from . import uploads

    r = uploads.sweep()
    return {"removed": len(r.removed), "recovered": len(r.recovered), "kept": r.kept}


@periodic("platform.exports_sweep", every=timedelta(hours=1))
def exports_sweep():
    """Expire background exports past their keeping time (files deleted); fail dead ones."""
    from . import export_jobs

    return export_jobs.sweep()
