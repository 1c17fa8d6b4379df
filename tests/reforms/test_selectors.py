"""The reads behind the supervision pages (reforms/selectors.py): filters, the 任务书, per-unit and
per-leader rates, escalation, flagged units, roll-up and the Gantt timeline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.core.factories import department
from tests.reforms.factories import MeasureFactory, ProgrammeFactory, TaskFactory
from yingshang.reforms import selectors
from yingshang.reforms.models import Reminder, ReminderReason, Task, TaskState

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 7, 1)


@pytest.fixture
def boss(staff):
    return staff["jianduyuan"]


@pytest.fixture
def world(mianyang):
    """One programme, two measures, four tasks led by the market and tax bureaus."""
    market, tax = department("510700", "market"), department("510700", "tax")
    programme = ProgrammeFactory()
    m1 = MeasureFactory(programme=programme, number="1", title="开办")
    m2 = MeasureFactory(programme=programme, number="2", title="纳税")

    def task(measure, leads, **kw):
        return TaskFactory(programme=programme, measure=measure, leads=leads, **kw)

    tasks = {
        "done": task(
            m1,
            [market],
            state=TaskState.COMPLETED,
            leader_name="王某",
            progress=Decimal(100),
            content="企业开办一日办结",
        ),
        "late": task(
            m1, [market], state=TaskState.COMPLETED_LATE, leader_name="王某", progress=Decimal(100)
        ),
        "overdue": task(
            m2,
            [tax],
            state=TaskState.OVERDUE,
            deadline=datetime.date(2026, 5, 31),
            leader_name="李某",
            progress=Decimal(40),
        ),
        "lagging": task(m2, [tax, market], state=TaskState.LAGGING, progress=Decimal(10)),
    }
    tasks["lagging"].partner_units.set([department("510700", "gov_service")])
    return programme, tasks, market, tax


def test_tasks_for_filters(world, boss):
    programme, tasks, market, tax = world
    pks = lambda qs: {t.pk for t in qs}  # noqa: E731
    assert pks(selectors.tasks_for(boss, programme)) == {t.pk for t in tasks.values()}
    assert pks(selectors.tasks_for(boss, programme, leader="王某")) == {
        tasks["done"].pk,
        tasks["late"].pk,
    }
    assert pks(selectors.tasks_for(boss, programme, unit=tax)) == {
        tasks["overdue"].pk,
        tasks["lagging"].pk,
    }
    assert pks(selectors.tasks_for(boss, programme, state=TaskState.OVERDUE)) == {
        tasks["overdue"].pk
    }
    assert pks(selectors.tasks_for(boss, programme, q="一日办结")) == {tasks["done"].pk}
    assert pks(selectors.tasks_for(boss, programme, q=tasks["late"].number)) == {tasks["late"].pk}
    measure = tasks["overdue"].measure_id
    assert len(selectors.tasks_for(boss, programme, measure=measure)) == 2


def test_task_book_separates_led_from_joined(world, boss):
    programme, tasks, market, _tax = world
    led, joined = selectors.task_book(boss, programme, market)
    assert {t.pk for t in led} == {tasks["done"].pk, tasks["late"].pk, tasks["lagging"].pk}
    assert joined == []
    gov = department("510700", "gov_service")
    led, joined = selectors.task_book(boss, programme, gov)
    assert led == [] and [t.pk for t in joined] == [tasks["lagging"].pk]


def test_statistics_rates_per_unit_and_leader(world, boss):
    programme, _tasks, _market, _tax = world
    stats = selectors.statistics(boss, programme, today=TODAY)
    assert stats["total"] == 4
    assert stats["states"][TaskState.COMPLETED] == 1 and stats["states"][TaskState.NOT_STARTED] == 0
    units = {u["unit"]: u for u in stats["units"]}
    market = units["市市场监督管理局"]
    assert (market["tasks"], market["completed"], market["on_time"], market["due"]) == (3, 2, 1, 2)
    assert market["completion_rate"] == 66.7 and market["on_time_rate"] == 50.0
    tax = units["市税务局"]
    assert (tax["completion_rate"], tax["on_time_rate"]) == (0.0, 0.0)  # one overdue task due
    assert [u["unit"] for u in stats["units"]] == [
        "市市场监督管理局",
        "市税务局",
    ]  # most tasks first
    leaders = {row["leader"]: row for row in stats["leaders"]}
    assert leaders["王某"]["on_time_rate"] == 50.0
    assert leaders["—"]["tasks"] == 1 and leaders["—"]["on_time_rate"] is None  # nothing due


def test_escalation_needs_overdue_or_repeated_reminders(world, boss, settings):
    programme, tasks, _market, tax = world
    settings.REFORMS_ESCALATE_AFTER_REMINDERS = 2
    assert [t.pk for t in selectors.escalation_list(boss, programme)] == [tasks["overdue"].pk]
    for period in ("2026-05", "2026-06"):
        Reminder.objects.create(
            task=tasks["lagging"],
            department=tax,
            sent_at=timezone.now(),
            reason=ReminderReason.LAGGING,
            period=period,
        )
    escalated = {t.pk for t in selectors.escalation_list(boss, programme)}
    assert escalated == {tasks["overdue"].pk, tasks["lagging"].pk}


def test_flagged_units_by_missing_reports_or_overdue_tasks(world, boss, settings):
    programme, tasks, market, tax = world
    settings.REFORMS_FLAG_MISSING_REPORTS = 2
    settings.REFORMS_FLAG_OVERDUE_TASKS = 1
    for period in ("2026-04", "2026-05"):
        Reminder.objects.create(
            task=tasks["lagging"],
            department=market,
            sent_at=timezone.now(),
            reason=ReminderReason.MISSING_REPORT,
            period=period,
        )
    rows = selectors.flagged_units(boss, programme)
    assert [(r["unit"], r["reasons"]) for r in rows] == [
        ("市税务局", ["overdue"]),
        ("市市场监督管理局", ["missing"]),
    ]
    assert rows[1]["missing_reports"] == 2 and rows[0]["overdue_tasks"] == 1
    settings.REFORMS_FLAG_OVERDUE_TASKS = 2
    assert [r["unit"] for r in selectors.flagged_units(boss, programme)] == ["市市场监督管理局"]


def test_rollup_weights_tasks_then_measures(world):
    programme, tasks, _market, _tax = world
    Task.objects.filter(pk=tasks["late"].pk).update(weight=3)
    result = selectors.rollup(programme)
    by_title = {row["measure"].title: row for row in result["measures"]}
    assert by_title["开办"]["progress"] == Decimal("100.00")
    assert by_title["纳税"]["progress"] == Decimal("25.00")  # (40 + 10) / 2
    assert result["programme"] == Decimal("62.50")
    assert selectors.overall(programme) == result["programme"]
    only_public = selectors.rollup(
        programme, Task.objects.filter(pk=tasks["done"].pk), {tasks["done"].pk: Decimal(50)}
    )
    assert only_public["programme"] == Decimal("50.00")  # the measure without tasks is left out


def test_timeline_bars_stay_inside_the_chart(world):
    programme, _tasks, _market, _tax = world
    tl = selectors.timeline(Task.objects.filter(programme=programme), programme, today=TODAY)
    assert tl["start"] == programme.issue_date and tl["end"] == datetime.date(2026, 12, 31)
    for row in tl["rows"]:
        assert 0 <= row["left"] <= 100 and row["width"] > 0
        assert row["left"] + row["width"] <= 100.0001
    lefts = [m["left"] for m in tl["months"]]
    assert lefts == sorted(lefts) and tl["months"][0]["label"] == "2026-01"
    assert len(tl["months"]) == 12
    assert 0 < tl["today"] < 100


def test_timeline_today_outside_the_span_is_not_drawn(world):
    programme, _tasks, _market, _tax = world
    tl = selectors.timeline([], programme, today=datetime.date(2025, 1, 1))
    assert tl["rows"] == [] and tl["today"] is None


def test_choices_for_the_filters(world):
    programme, _tasks, _market, _tax = world
    assert selectors.leaders_of(programme) == ["李某", "王某"]  # distinct, sorted, blanks left out
    assert [d.name for d in selectors.lead_units_of(programme)] == sorted(
        ["市市场监督管理局", "市税务局"]
    )
    assert [m.title for m in selectors.measures_of(programme).order_by("number")] == [
        "开办",
        "纳税",
    ]
