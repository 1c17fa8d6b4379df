"""The daily sweep (巡检) and reminders (催办) of reform tasks, the scheduled job around it, and
the publication switches: who may, what each leaves behind, and that repeating a step changes
nothing."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.core.factories import (
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    UserFactory,
    department,
)
from tests.reforms.factories import ProgressReportFactory, TaskFactory
from yingshang.platform.models import AuditEntry
from yingshang.reforms import jobs, services
from yingshang.reforms.models import (
    EventKind,
    Reminder,
    ReminderReason,
    Task,
    TaskEvent,
    TaskState,
)
from yingshang.reforms.policies import is_bureau

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def task(mianyang):
    return TaskFactory()


@pytest.fixture
def bureau(staff):
    return staff["jianduyuan"]


def _sweep(task, day):
    return services.sweep(today=day, programme=task.programme)


def _reasons(task):
    return sorted(task.reminders.values_list("reason", "period", "department__function_key"))


# ---------------------------------------------------------------------------- the sweep


def test_an_overdue_task_is_reminded_once_per_period(task):
    day = datetime.date(2027, 1, 5)
    result = _sweep(task, day)
    assert (result.tasks, result.changed, result.reminders) == (1, 1, 1)
    task.refresh_from_db()
    assert task.state == TaskState.OVERDUE
    assert _reasons(task) == [(ReminderReason.OVERDUE, "2027-01", "market")]
    again = _sweep(task, day + datetime.timedelta(days=3))  # same month
    assert (again.changed, again.reminders) == (0, 0)
    later = _sweep(task, datetime.date(2027, 2, 2))  # next period: reminded again
    assert later.reminders == 1
    assert task.reminders.count() == 2


def test_every_lead_unit_is_reminded(mianyang):
    task = TaskFactory(leads=[department("510700", "market"), department("510700", "tax")])
    _sweep(task, datetime.date(2027, 1, 5))
    assert [k for _r, _p, k in _reasons(task)] == ["market", "tax"]


def test_no_report_for_an_elapsed_period_is_a_missing_report(task):
    _sweep(task, datetime.date(2026, 3, 10))
    task.refresh_from_db()
    assert task.state == TaskState.LAGGING
    assert _reasons(task) == [(ReminderReason.MISSING_REPORT, "2026-03", "market")]


def test_reported_but_behind_the_line_is_lagging(task):
    ProgressReportFactory(
        task=task,
        submitted_at=datetime.datetime(2026, 6, 2, 10, 0, tzinfo=SH),
        period="2026-06",
        percent=Decimal("5"),
    )
    Task.objects.filter(pk=task.pk).update(progress=Decimal("5"))
    _sweep(task, datetime.date(2026, 6, 10))
    assert _reasons(task) == [(ReminderReason.LAGGING, "2026-06", "market")]


def test_an_on_track_task_gets_no_reminder_and_no_event(task):
    ProgressReportFactory(
        task=task,
        submitted_at=datetime.datetime(2026, 2, 25, 10, 0, tzinfo=SH),
        period="2026-02",
        percent=Decimal("20"),
    )
    Task.objects.filter(pk=task.pk).update(progress=Decimal("20"), state=TaskState.ON_TRACK)
    result = _sweep(task, datetime.date(2026, 3, 10))
    assert (result.changed, result.reminders) == (0, 0)
    assert not TaskEvent.objects.filter(task=task, action=EventKind.STATE).exists()


def test_closed_tasks_and_other_programmes_are_left_alone(task, mianyang):
    other = TaskFactory()
    Task.objects.filter(pk=task.pk).update(closed_at=timezone.now())
    result = _sweep(task, datetime.date(2027, 1, 5))
    assert result.tasks == 0
    assert not Reminder.objects.filter(task__in=[task, other]).exists()


def test_a_state_change_is_logged_once_with_the_sweeps_note(task):
    _sweep(task, datetime.date(2027, 1, 5))
    (event,) = TaskEvent.objects.filter(task=task, action=EventKind.STATE)
    assert (event.from_state, event.to_state) == (TaskState.NOT_STARTED, TaskState.OVERDUE)
    assert event.note == "每日巡检"
    task.refresh_from_db()
    assert services.recompute_task(task, today=datetime.date(2027, 1, 6)) is False


def test_the_scheduled_job_runs_the_sweep_as_the_job_channel(task, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2027, 1, 5))
    out = jobs.sweep.func()
    assert out["tasks"] >= 1 and out["reminders"] >= 1
    entry = AuditEntry.objects.filter(object_type="reforms.Task", object_id=str(task.pk)).latest(
        "id"
    )
    assert entry.channel == "job" and entry.changes["after"]["state"] == TaskState.OVERDUE


# ---------------------------------------------------------------------------- reminders by hand


def test_manual_reminder_records_who_and_notifies_the_unit_after_commit(
    task, bureau, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (reminder,) = services.send_reminder(task, user=bureau, note="请本周内报送")
    reminder.refresh_from_db()
    assert reminder.reason == ReminderReason.MANUAL and reminder.sent_by == bureau
    assert reminder.notified  # the market bureau has active staff
    (event,) = TaskEvent.objects.filter(task=task, action=EventKind.REMINDER)
    assert event.note == "人工催办 请本周内报送"


def test_a_unit_without_staff_is_reminded_but_not_notified(
    mianyang, bureau, django_capture_on_commit_callbacks
):
    from tests.core.factories import DepartmentFactory

    task = TaskFactory(leads=[DepartmentFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        (reminder,) = services.send_reminder(task, user=bureau)
    reminder.refresh_from_db()
    assert not reminder.notified


def test_reminders_are_for_open_tasks_and_from_the_bureau_only(task, bureau):
    with pytest.raises(PermissionDenied):
        services.send_reminder(task, user=HandlerFactory(department=department("510700", "market")))
    Task.objects.filter(pk=task.pk).update(closed_at=timezone.now())
    task.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.send_reminder(task, user=bureau)
    assert "task" in exc.value.message_dict
    assert not task.reminders.exists()


# ---------------------------------------------------------------------------- who is the bureau


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: SupervisorFactory(), True),
        (lambda: HandlerFactory(department=department("510700", "gov_service")), True),
        (lambda: HandlerFactory(department=department("510700", "market")), False),
        (lambda: LeaderFactory(department=department("510700", "gov_service")), False),
        (lambda: UserFactory(), False),
        (lambda: UserFactory(is_superuser=True), True),
    ],
)
def test_is_bureau(mianyang, make, expected):
    assert is_bureau(make()) is expected


def test_anonymous_is_not_the_bureau():
    from django.contrib.auth.models import AnonymousUser

    assert not is_bureau(AnonymousUser())
    assert not is_bureau(None)


# ---------------------------------------------------------------------------- publication


def test_publishing_twice_changes_nothing_and_the_slug_survives_a_withdrawal(task, bureau):
    programme = task.programme
    first = services.publish_programme(
        programme, user=bureau, at=datetime.datetime(2026, 2, 1, tzinfo=SH)
    )
    again = services.publish_programme(programme, user=bureau)
    assert again.published_at == first.published_at
    assert first.slug == f"{programme.year}-{programme.pk}"
    services.unpublish_programme(programme, user=bureau)
    assert services.unpublish_programme(programme, user=bureau).published_at is None
    back = services.publish_programme(programme, user=bureau)
    assert back.slug == first.slug and back.published_at != first.published_at


@pytest.mark.parametrize(
    "make",
    [
        lambda: LeaderFactory(),
        lambda: HandlerFactory(department=department("510700", "market")),
        lambda: SupervisorFactory(division=department("510781", "market").division),
    ],
)
def test_who_may_not_publish(task, make):
    user = make()
    assert not services.can_publish(user, task.programme)
    with pytest.raises(PermissionDenied):
        services.publish_programme(task.programme, user=user)
    with pytest.raises(PermissionDenied):
        services.withhold_task(task, user=user)
    task.programme.refresh_from_db()
    assert task.programme.published_at is None


def test_withholding_and_showing_a_task_logs_only_real_changes(task, bureau):
    assert task.is_public
    services.publish_task(task, user=bureau)  # already public: nothing
    services.withhold_task(task, user=bureau, note="  涉密  ")
    services.withhold_task(task, user=bureau)  # already withheld: nothing
    services.publish_task(task, user=bureau)
    events = list(
        TaskEvent.objects.filter(
            task=task, action__in=[EventKind.PUBLISHED, EventKind.WITHHELD]
        ).values_list("action", "note")
    )
    assert events == [(EventKind.WITHHELD, "涉密"), (EventKind.PUBLISHED, "")]
    task.refresh_from_db()
    assert task.is_public
