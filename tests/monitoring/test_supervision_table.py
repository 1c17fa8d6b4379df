"""效能监督: working days back with 调休, the per-department figures of appeals, ratings and
reform tasks, the red-flag thresholds and ordering, the idle setting and the scope."""

import datetime

import pytest

from tests.appeals.factories import MONDAY, AppealFactory, ClosedAppealFactory
from tests.core.factories import department
from tests.evaluations.factories import BadEvaluationFactory, EvaluationFactory
from tests.reforms.factories import TaskFactory
from yingshang.appeals.models import AppealEvent
from yingshang.monitoring import supervision

pytestmark = pytest.mark.django_db

D = datetime.date
JUNE = D(2025, 6, 1)
NOW = MONDAY + datetime.timedelta(days=11)  # Friday 2025-06-20
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "n,today,expected",
    [
        (1, D(2026, 10, 13), D(2026, 10, 12)),  # Tuesday → Monday
        (1, D(2026, 10, 12), D(2026, 10, 10)),  # Monday → the make-up Saturday (调休)
        (2, D(2026, 10, 12), D(2026, 10, 9)),
        (5, D(2026, 10, 12), D(2026, 9, 29)),  # across the National Day week
        (3, D(2026, 9, 22), D(2026, 9, 18)),  # Sunday 09-20 is a working day (Mon, Sun, Fri)
        (0, D(2026, 10, 3), D(2026, 10, 3)),
    ],
)
def test_working_days_ago_follows_the_calendar(mianyang, n, today, expected):
    assert supervision.working_days_ago(n, today) == expected


def test_working_days_ago_outside_the_calendar_counts_weekdays(mianyang):
    # 1900-01-01 is a Monday; the days before 1900 are outside the calendar: Monday–Friday
    assert supervision.working_days_ago(1, D(1900, 1, 1)) == D(1899, 12, 29)
    assert supervision.working_days_ago(3, D(1900, 1, 2)) == D(1899, 12, 28)


def test_idle_working_days_setting(settings):
    assert supervision.idle_working_days() == 5
    settings.MONITORING_IDLE_WORKING_DAYS = "3"
    assert supervision.idle_working_days() == 3


def counts_of(table, dept):
    row = next((r for r in table["departments"] if r["department"] == dept), None)
    return None if row is None else dict(zip(table["columns"], row["counts"], strict=True))


@pytest.fixture
def records(mianyang, staff):
    power, tax = department("510700", "power"), department("510700", "tax")
    jy_market = department("510781", "market")
    # sign-for: one late, one never signed past its limit, one in time, one of May
    late = AppealFactory(lead_department=power, signed_at=MONDAY + 2 * DAY)
    AppealEvent.objects.create(appeal=late, at=MONDAY + 2 * DAY, action="sign",
                               actor=staff["kezhang"], actor_role="dept_head")  # fmt: skip
    AppealFactory(lead_department=power)
    AppealFactory(lead_department=power, signed_at=MONDAY + datetime.timedelta(hours=2))
    AppealFactory(lead_department=power, submitted_at=MONDAY - 30 * DAY,
                  signed_at=MONDAY - 20 * DAY)  # fmt: skip
    # overdue appeals: open, past due, no reply (state figure, as of NOW)
    overdue = AppealFactory(lead_department=tax, status="in_progress", signed_at=MONDAY,
                            due_at=MONDAY + 3 * DAY)  # fmt: skip
    AppealEvent.objects.create(appeal=overdue, at=MONDAY + DAY, action="dispatch",
                               actor=staff["chengban"], actor_role="handler")  # fmt: skip
    ClosedAppealFactory(lead_department=tax, due_at=MONDAY + DAY)  # closed: not overdue
    # ratings of June: two bad (one voided), one good; one bad of May
    BadEvaluationFactory(subject=ClosedAppealFactory(lead_department=tax))
    BadEvaluationFactory(subject=ClosedAppealFactory(lead_department=tax), voided=True)
    EvaluationFactory(subject=ClosedAppealFactory(lead_department=tax))
    BadEvaluationFactory(subject=ClosedAppealFactory(lead_department=tax),
                         created_at=MONDAY - 30 * DAY)  # fmt: skip
    # reform tasks: past deadline and open (lagging), marked lagging, done, closed
    TaskFactory(deadline=D(2025, 6, 1), leads=[tax, jy_market])
    TaskFactory(deadline=D(2025, 12, 31), state="lagging", leads=[tax])
    TaskFactory(deadline=D(2025, 6, 1), completed_on=D(2025, 5, 30), leads=[tax])
    TaskFactory(deadline=D(2025, 6, 1), state="lagging", leads=[tax], closed_at=MONDAY)
    return {"power": power, "tax": tax, "jy_market": jy_market}


def test_department_figures(records, staff):
    t = supervision.table(staff["admin"], JUNE, now=NOW)
    power = counts_of(t, records["power"])
    assert power["签收超时"] == 2  # the late one and the unsigned one past its limit
    tax = counts_of(t, records["tax"])
    assert tax["超期诉求"] == 1
    assert tax["差评"] == 1  # the voided one and May's are not counted
    assert tax["滞后任务"] == 2
    assert counts_of(t, records["jy_market"])["滞后任务"] == 1  # a task of two lead units
    tax_row = next(r for r in t["departments"] if r["department"] == records["tax"])
    assert tax_row["total"] == 4
    assert t["month"] == JUNE and t["idle_days"] == 5


def test_staff_attribution_of_sign_delays_and_overdue_appeals(records, staff):
    t = supervision.table(staff["admin"], JUNE, now=NOW)
    by_user = {r["user"]: dict(zip(t["columns"], r["counts"], strict=True)) for r in t["staff"]}
    assert by_user[staff["kezhang"]]["签收超时"] == 1  # who signed late
    assert by_user[staff["chengban"]]["超期诉求"] == 1  # who last acted on the overdue appeal
    assert sum(r["total"] for r in t["staff"]) == 2


def test_red_flags_thresholds_and_order(records, staff):
    t = supervision.table(staff["admin"], JUNE, now=NOW)
    flags = {r["department"]: r["flags"] for r in t["red_flags"]}
    # tax: overdue appeals ≥ 1 and lagging tasks ≥ 1; power: 2 sign delays < 3 → no flag
    assert flags[records["tax"]] == ["超期诉求", "滞后任务"]
    assert records["power"] not in flags
    assert flags[records["jy_market"]] == ["滞后任务"]
    assert t["departments"][0]["department"] == records["tax"]  # most flags first
    assert t["thresholds"]["签收超时"] == 3 and t["thresholds"]["超期诉求"] == 1
    # a third late sign-for raises power's flag
    AppealFactory(lead_department=records["power"], signed_at=MONDAY + 3 * DAY)
    t = supervision.table(staff["admin"], JUNE, now=NOW)
    assert {r["department"]: r["flags"] for r in t["red_flags"]}[records["power"]] == ["签收超时"]


def test_event_figures_follow_the_chosen_month(records, staff):
    may = supervision.table(staff["admin"], D(2025, 5, 1), now=NOW)
    assert counts_of(may, records["power"])["签收超时"] == 1  # May's appeal, signed 10 days late
    assert counts_of(may, records["tax"])["差评"] == 1  # May's bad rating
    assert counts_of(may, records["tax"])["超期诉求"] == 1  # a state: the same in every month


def test_a_county_sees_its_own_departments_only(records, staff):
    # the city's departments are not in a Jiangyou handler's table (nor the city's task that
    # names his bureau: the programme is the city's)
    t = supervision.table(staff["jiangyou_chengban"], JUNE, now=NOW)
    assert t["departments"] == [] and t["staff"] == []
    assert counts_of(supervision.table(staff["jianduyuan"], JUNE, now=NOW), records["tax"])
    t = supervision.table(staff["fucheng_jiandu"], JUNE, now=NOW)
    assert t["departments"] == [] and t["red_flags"] == []


def test_idle_cases_follow_the_setting(mianyang, staff, settings):
    from tests.cases.factories import CaseFactory

    submitted = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=MONDAY.tzinfo)  # Monday
    case = CaseFactory(status="in_process", submitted_at=submitted)
    now = datetime.datetime(2026, 10, 15, 10, 0, tzinfo=MONDAY.tzinfo)  # Thursday
    dept = case.department
    t = supervision.table(staff["admin"], D(2026, 10, 1), now=now)
    assert counts_of(t, dept) is None  # 3 working days without an event: not idle at 5
    settings.MONITORING_IDLE_WORKING_DAYS = 2
    t = supervision.table(staff["admin"], D(2026, 10, 1), now=now)
    assert counts_of(t, dept)["停滞办件"] == 1 and t["idle_days"] == 2
