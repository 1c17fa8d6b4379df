"""core/jobs.py: schedules, once-per-slot enqueueing across processes, the worker command."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from yingshang.platform import jobs
from yingshang.platform.jobs import JobRegistry, parse_schedule
from yingshang.platform.models import ScheduledRun

from .conftest import DB_TASKS

SH = ZoneInfo("Asia/Shanghai")
CALLS = []


@task
def record_call(label: str = "tick") -> str:
    CALLS.append(label)
    return label


def tick():
    CALLS.append("tick")
    return len(CALLS)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


@pytest.fixture
def keep_test_connection(monkeypatch):
    """django-tasks-db's Worker calls close_old_connections(), which closes a connection that
    is inside a transaction — the test's own transaction on PostgreSQL. Keep it open."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("spec", "now", "slot"),
    [
        (timedelta(hours=1), at(2026, 3, 5, 10, 59, 59), at(2026, 3, 5, 10, 0)),
        (timedelta(minutes=15), at(2026, 3, 5, 10, 31), at(2026, 3, 5, 10, 30)),
        ("daily at 02:30", at(2026, 3, 5, 2, 29), at(2026, 3, 4, 2, 30)),
        ("daily at 02:30", at(2026, 3, 5, 2, 30), at(2026, 3, 5, 2, 30)),
        ("Monday at 08:00", at(2026, 3, 5, 9, 0), at(2026, 3, 2, 8, 0)),  # a Thursday
        ("monday at 08:00", at(2026, 3, 2, 7, 59), at(2026, 2, 23, 8, 0)),
        ("monthly on 1 at 06:00", at(2026, 1, 1, 5, 0), at(2025, 12, 1, 6, 0)),
        ("monthly on 28 at 06:00", at(2026, 3, 28, 6, 0), at(2026, 3, 28, 6, 0)),
    ],
)
def test_slots(spec, now, slot):
    assert parse_schedule(spec).slot(now) == slot
    # The same instant given in UTC lands in the same Asia/Shanghai slot.
    assert parse_schedule(spec).slot(now.astimezone(ZoneInfo("UTC"))) == slot


@pytest.mark.parametrize(
    "spec",
    [
        "daily at 25:00",
        "every day",
        "monthly on 31 at 01:00",
        timedelta(seconds=30),
        timedelta(hours=7),
        42,
    ],
)
def test_bad_schedules_are_refused(spec):
    with pytest.raises(ImproperlyConfigured):
        parse_schedule(spec)


def test_decorator_returns_a_task_and_refuses_duplicate_names():
    reg = JobRegistry()
    wrapped = reg.add("t.tick", record_call, every="daily at 01:00")
    assert wrapped is record_call
    assert [j.name for j in reg.jobs()] == ["t.tick"]
    reg.add("t.tick", record_call, every="daily at 01:00")  # re-import: fine
    with pytest.raises(ImproperlyConfigured):
        reg.add("t.tick", task(tick), every="daily at 01:00")


def test_installed_apps_jobs_are_discovered():
    jobs.autodiscover()
    names = {j.name for j in jobs.registry.jobs()}
    assert {
        "notifications.retry_failed_deliveries",
        "platform.prune_scheduler_history",
    } <= names


@pytest.mark.django_db
def test_once_per_slot_even_when_called_twice():
    reg = JobRegistry()
    reg.add("t.hourly", record_call, every=timedelta(hours=1))
    now = at(2026, 3, 5, 10, 5)
    assert reg.run_due(now) == ["t.hourly"]
    assert reg.run_due(now + timedelta(minutes=30)) == []  # same slot, this process
    other_process = JobRegistry()
    other_process.add("t.hourly", record_call, every=timedelta(hours=1))
    assert other_process.run_due(now) == []  # same slot, another process: the DB says no
    assert CALLS == ["tick"]
    assert reg.run_due(now + timedelta(hours=1)) == ["t.hourly"]  # next slot
    assert CALLS == ["tick", "tick"]
    assert list(ScheduledRun.objects.order_by("slot").values_list("slot", flat=True)) == [
        at(2026, 3, 5, 10, 0),
        at(2026, 3, 5, 11, 0),
    ]


@pytest.mark.django_db
def test_grace_skips_stale_slots():
    reg = JobRegistry()
    reg.add("t.report", record_call, every="daily at 08:00", grace=timedelta(minutes=10))
    assert reg.run_due(at(2026, 3, 5, 9, 0)) == []  # worker was down at 08:00: skip
    assert reg.run_due(at(2026, 3, 6, 8, 1)) == ["t.report"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_enqueue_once(settings):
    """Several worker processes tick at the same moment: one task row per slot."""
    settings.TASKS = DB_TASKS
    now = at(2026, 3, 5, 10, 5)
    n = 4
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        reg = JobRegistry()  # one registry per "process"
        reg.add("t.concurrent", record_call, every=timedelta(minutes=5))
        try:
            barrier.wait()
            results.append(reg.run_due(now))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [[]] * (n - 1) + [["t.concurrent"]]
    assert ScheduledRun.objects.filter(job="t.concurrent").count() == 1
    queued = DBTaskResult.objects.filter(task_path=record_call.module_path)
    assert queued.count() == 1
    assert ScheduledRun.objects.get().task_id == str(queued.get().id)
    assert CALLS == []  # queued, not run: that is the worker's business


@pytest.mark.django_db
def test_worker_once_runs_queued_tasks(settings, keep_test_connection):
    settings.TASKS = DB_TASKS
    first = record_call.enqueue("first")
    second = record_call.enqueue("second")
    assert CALLS == []
    call_command("worker", "--once", "--no-scheduler")
    assert sorted(CALLS) == ["first", "second"]
    for result in (first, second):
        result.refresh()
        assert result.status == "SUCCESSFUL"
    assert DBTaskResult.objects.ready().count() == 0


@pytest.mark.django_db
def test_worker_once_ticks_the_scheduler_and_runs_the_jobs(settings, keep_test_connection):
    settings.TASKS = DB_TASKS
    call_command("worker", "--once")
    ran = set(ScheduledRun.objects.values_list("job", flat=True))
    assert "notifications.retry_failed_deliveries" in ran
    # The jobs enqueued by the tick were run in the same --once pass.
    assert DBTaskResult.objects.ready().count() == 0
    assert DBTaskResult.objects.successful().count() == len(ran)


@pytest.mark.django_db
def test_worker_sends_queued_email(
    settings, user, keep_test_connection, django_capture_on_commit_callbacks
):
    from django.core import mail

    from yingshang.notifications import services
    from yingshang.notifications.models import DeliveryStatus

    settings.TASKS = DB_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user, "队列中的邮件")
    assert mail.outbox == []  # queued in the database, not sent yet
    call_command("worker", "--once", "--no-scheduler")
    assert [m.subject for m in mail.outbox] == ["队列中的邮件"]
    assert n.deliveries.get().status == DeliveryStatus.SENT
