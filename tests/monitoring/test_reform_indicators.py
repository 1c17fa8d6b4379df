"""督查督办 indicators from reform tasks, computed by hand: the on-time rate of the tasks due in a
period (completed on or before the deadline, over the dated tasks whose deadline falls in it) and
the lagging tasks at the period's end (past the deadline, not completed by then) — per lead unit,
per county and for the city; standing tasks and tasks due later are not counted."""

import datetime

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.factories import department
from tests.reforms.factories import ProgrammeFactory, TaskFactory
from yingshang.core.models import Division
from yingshang.monitoring import compute
from yingshang.monitoring.models import IndicatorValue

D = datetime.date
RATE = "supervision.tasks_on_time_rate"
LAGGING = "supervision.lagging_tasks"


def v(indicator, kind, start, dimension, member):
    row = IndicatorValue.objects.filter(
        indicator=indicator,
        period_kind=kind,
        period_start=start,
        dimension=dimension,
        dimension_id=member,
    ).first()
    return None if row is None else (row.value, row.numerator, row.denominator)


@pytest.fixture
def october(mianyang):
    market, tax = department("510700", "market"), department("510700", "tax")
    jy_market = department("510781", "market")
    city = ProgrammeFactory(issue_date=D(2026, 1, 5))
    county = ProgrammeFactory(division=Division.objects.get(code="510781"))

    def task(deadline, completed=None, leads=(market,), programme=city, **kw):
        return TaskFactory(
            programme=programme, deadline=deadline, completed_on=completed, leads=list(leads), **kw
        )

    task(D(2026, 10, 10), D(2026, 10, 8))  # on time
    task(D(2026, 10, 15), D(2026, 10, 20))  # late: lagging 16–20 October
    task(D(2026, 10, 20), None, leads=[tax])  # never done: lagging from 21 October
    task(D(2026, 10, 25), D(2026, 11, 3), leads=[tax])  # done in November: late
    task(D(2026, 11, 15), None)  # due next month: neither due nor lagging in October
    task(None, None, deadline_kind="long_term")  # standing: never counted
    task(D(2026, 10, 5), D(2026, 10, 5), leads=[jy_market], programme=county)  # on time
    compute.recompute(D(2026, 10, 1), D(2026, 10, 31), kinds=("day", "month"))
    return {
        "market": market.pk,
        "tax": tax.pk,
        "jy_market": jy_market.pk,
        "city": Division.objects.get(code="510700").pk,
        "jiangyou": Division.objects.get(code="510781").pk,
    }


OCT = D(2026, 10, 1)


@pytest.mark.parametrize(
    "dimension,member,rate",
    [
        ("department", "market", (50.0, 1.0, 2.0)),
        ("department", "tax", (0.0, 0.0, 2.0)),
        ("department", "jy_market", (100.0, 1.0, 1.0)),
        ("division", "jiangyou", (100.0, 1.0, 1.0)),
        ("city", "city", (40.0, 2.0, 5.0)),  # five tasks due in October, two on time
    ],
)
def test_on_time_rate_of_the_month(october, dimension, member, rate):
    value, num, den = v(RATE, "month", OCT, dimension, october[member])
    assert (value, num, den) == (pytest.approx(rate[0]), rate[1], rate[2])


@pytest.mark.parametrize(
    "dimension,member,lagging",
    [
        ("department", "market", 0.0),
        ("department", "tax", 2.0),  # the undone task and the one finished in November
        ("division", "jiangyou", 0.0),
        ("city", "city", 2.0),
    ],
)
def test_lagging_tasks_at_the_end_of_the_month(october, dimension, member, lagging):
    assert v(LAGGING, "month", OCT, dimension, october[member])[0] == lagging


@pytest.mark.parametrize(
    "day,market,tax",
    [
        (D(2026, 10, 15), 0.0, 0.0),  # the deadline day itself is not late yet
        (D(2026, 10, 16), 1.0, 0.0),  # market's late task
        (D(2026, 10, 20), 0.0, 0.0),  # finished that day
        (D(2026, 10, 21), 0.0, 1.0),  # tax's task is past its deadline
        (D(2026, 10, 26), 0.0, 2.0),
    ],
)
def test_lagging_day_by_day(october, day, market, tax):
    assert v(LAGGING, "day", day, "department", october["market"])[0] == market
    assert v(LAGGING, "day", day, "department", october["tax"])[0] == tax
    assert v(LAGGING, "day", day, "city", october["city"])[0] == market + tax


def test_the_rate_of_a_day_counts_the_tasks_due_that_day_only(october):
    assert v(RATE, "day", D(2026, 10, 10), "department", october["market"])[0] == 100.0
    assert v(RATE, "day", D(2026, 10, 15), "department", october["market"])[0] == 0.0
    # no task due on the 11th: no data, never 0 % or 100 %
    row = v(RATE, "day", D(2026, 10, 11), "department", october["market"])
    assert row is None or row[0] is None


def test_a_task_of_several_lead_units_counts_once_in_the_totals(mianyang, client):
    """Each lead unit answers for a shared task (it is in each one's figures), but the county
    and the city had one task, not one per lead unit (a bug: they were summed per unit)."""
    from tests.core.factories import AdminFactory

    market, tax, police = (department("510700", k) for k in ("market", "tax", "police"))
    jy = Division.objects.get(code="510781")
    jy_market, jy_tax = department("510781", "market"), department("510781", "tax")
    p = ProgrammeFactory()
    TaskFactory(programme=p, deadline=D(2026, 10, 10), completed_on=D(2026, 10, 8), leads=[market])
    TaskFactory(
        programme=p, deadline=D(2026, 10, 15), completed_on=D(2026, 10, 20), leads=[market, tax]
    )
    TaskFactory(programme=p, deadline=D(2026, 10, 12), leads=[market, tax, police])  # undone
    county = ProgrammeFactory(division=jy)
    TaskFactory(
        programme=county,
        deadline=D(2026, 10, 9),
        completed_on=D(2026, 10, 9),
        leads=[jy_market, jy_tax],
    )
    compute.recompute(OCT, D(2026, 10, 31), kinds=("day", "month"))
    city = Division.objects.get(code="510700").pk
    assert v(RATE, "month", OCT, "department", market.pk) == (pytest.approx(100 / 3), 1.0, 3.0)
    assert v(RATE, "month", OCT, "department", tax.pk) == (0.0, 0.0, 2.0)
    assert v(RATE, "month", OCT, "department", police.pk) == (0.0, 0.0, 1.0)
    assert v(RATE, "month", OCT, "department", jy_tax.pk) == (100.0, 1.0, 1.0)
    assert v(RATE, "month", OCT, "division", jy.pk) == (100.0, 1.0, 1.0)
    # four tasks due (three of the city's, one of Jiangyou's), two on time
    assert v(RATE, "month", OCT, "city", city) == (pytest.approx(50.0), 2.0, 4.0)
    # the undone task lags for each of its three lead units and once for the city
    for dept in (market, tax, police):
        assert v(LAGGING, "month", OCT, "department", dept.pk)[0] == 1.0
    assert v(LAGGING, "month", OCT, "city", city)[0] == 1.0
    assert v(LAGGING, "day", D(2026, 10, 16), "city", city)[0] == 2.0  # with the late one
    # the drill-down lists the same tasks the figure counts
    client.force_login(AdminFactory())
    r = client.get(f"/staff/monitoring/drill/{RATE}/city/{city}/month/2026-10/")
    assert len(r.context["rows"]) == 4 and r.context["flagged"] == 2


# ----------------------------------------------------------------- the figures' drill-down


@pytest.mark.parametrize(
    "indicator,dimension,member",
    [
        (RATE, "city", "city"),
        (RATE, "department", "market"),
        (RATE, "department", "tax"),
        (RATE, "division", "jiangyou"),
        (LAGGING, "city", "city"),
        (LAGGING, "department", "tax"),
    ],
)
def test_the_drill_down_lists_what_the_figure_counts(october, client, indicator, dimension, member):
    """明细 of a figure: as many rows as the figure counts (the tasks due, or the lagging ones),
    flagged exactly where the task was not done on time."""
    from tests.core.factories import AdminFactory

    client.force_login(AdminFactory())
    pk = october[member]
    r = client.get(f"/staff/monitoring/drill/{indicator}/{dimension}/{pk}/month/2026-10/")
    assert r.status_code == 200
    rows = r.context["rows"]
    value, num, den = v(indicator, "month", OCT, dimension, pk)
    if indicator == RATE:
        assert len(rows) == den
        assert r.context["flagged"] == den - num
    else:
        assert len(rows) == r.context["flagged"] == value
    assert all(row["url"].startswith("/staff/reforms/tasks/") for row in rows)


@pytest.mark.parametrize(
    "who,member,status",
    [
        ("tax handler", "tax", 200),
        ("tax handler", "market", 404),
        ("jiangyou supervisor", "tax", 404),
        ("jiangyou supervisor", "jy_market", 200),
    ],
)
def test_the_drill_down_of_a_department_is_scoped(october, client, who, member, status):
    from tests.core.factories import HandlerFactory, SupervisorFactory

    user = {
        "tax handler": lambda: HandlerFactory(department=department("510700", "tax")),
        "jiangyou supervisor": lambda: SupervisorFactory(
            department=department("510781", "gov_service")
        ),
    }[who]()
    client.force_login(user)
    url = f"/staff/monitoring/drill/{RATE}/department/{october[member]}/month/2026-10/"
    assert client.get(url).status_code == status


# ------------------------------------------------------------------------------ property

TASK = st.tuples(
    st.integers(min_value=1, max_value=31),  # deadline day in October
    st.one_of(st.none(), st.integers(min_value=-5, max_value=5)),  # completed: days after it
    st.sets(st.sampled_from(["market", "tax", "police"]), min_size=1),  # lead units
)


@settings(max_examples=12)
@given(st.lists(TASK, min_size=1, max_size=6))
def test_every_total_counts_each_task_once(mianyang, tasks):
    """Whatever the tasks and their lead units: a department's figures count the tasks it
    leads, the city's count every task once — as counted here by hand."""
    depts = {k: department("510700", k) for k in ("market", "tax", "police")}
    city = Division.objects.get(code="510700").pk
    end = D(2026, 10, 31)
    with transaction.atomic():
        p = ProgrammeFactory()
        made = []
        for day, done, leads in tasks:
            deadline = D(2026, 10, day)
            completed = None if done is None else deadline + datetime.timedelta(days=done)
            TaskFactory(
                programme=p,
                deadline=deadline,
                completed_on=completed,
                leads=[depts[k] for k in leads],
            )
            made.append((deadline, completed, leads))
        compute.recompute(OCT, end, kinds=("month",))

        def expected(rows):
            on_time = sum(1 for d, c, _ in rows if c is not None and c <= d)
            lagging = sum(1 for d, c, _ in rows if d < end and (c is None or c > end))
            return on_time, len(rows), lagging

        on_time, due, lagging = expected(made)
        assert v(RATE, "month", OCT, "city", city)[1:] == (on_time, due)
        assert v(LAGGING, "month", OCT, "city", city)[0] == lagging
        for key, dept in depts.items():
            mine = [t for t in made if key in t[2]]
            row = v(RATE, "month", OCT, "department", dept.pk)
            if not mine:
                assert row is None or row[2] in (None, 0.0)
                continue
            on_time, due, lagging = expected(mine)
            assert row[1:] == (on_time, due)
            assert v(LAGGING, "month", OCT, "department", dept.pk)[0] == lagging
        transaction.set_rollback(True)
