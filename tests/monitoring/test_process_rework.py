"""The rework table counts cases, not 补正 events: hand-computed logs (a case with three 补正
and 来回跑 is one case with rework; the same item handled by two departments gives two rows),
and a property over generated logs: 0 ≤ rework rate ≤ 100 % and the counts agree with a
per-case count done in Python."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.factories import CaseEventFactory, CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import department
from yingshang.monitoring import process

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 10, 12, 9, 0, tzinfo=SH)
DAY = datetime.date(2026, 10, 12)


def case(item, supplements=0, trips=False, dept=None, **kw):
    c = CaseFactory(item=item, submitted_at=T0, multiple_trips=trips,
                    **({"department": dept} if dept else {}), **kw)  # fmt: skip
    for i in range(supplements):
        CaseEventFactory(case=c, at=T0 + datetime.timedelta(hours=2 * i + 1),
                         action="request_supplement", to_state="supplement_requested")  # fmt: skip
        CaseEventFactory(case=c, at=T0 + datetime.timedelta(hours=2 * i + 2),
                         action="resubmit", to_state="accepted")  # fmt: skip
    return c


@pytest.fixture
def items(mianyang):
    x = ItemWithVersionFactory(name="事项X", basic_code="X0001")
    y = ItemWithVersionFactory(name="事项Y", basic_code="Y0001")
    return x, y


def by_key(rows):
    return {(r["item__name"], r["department__name"]): r for r in rows}


def test_three_supplements_are_one_case_with_rework(items, staff):
    """事项X at the city market bureau:
    c1  3 补正 and 来回跑 → one case with rework
    c2  1 补正           → rework
    c3  nothing
    c4  来回跑 only       → rework
    cases 4, 补正 requests 4, cases with 补正 2, with ≥ 2 补正 1, 来回跑 2, rework 3 → 75 %.
    事项X taken by Jiangyou's market bureau: c5 with 2 补正 → its own row, 1 of 1 → 100 %."""
    x, y = items
    case(x, 3, trips=True)
    case(x, 1)
    case(x)
    case(x, trips=True)
    jy = department("510781", "market")
    case(x, 2, dept=jy, division=jy.division)
    case(y)
    rows = by_key(process.rework(staff["admin"], start=DAY, end=DAY))
    city = next(r for k, r in rows.items() if k[0] == "事项X" and r["department_id"] != jy.pk)
    assert (
        city["cases"], city["supplements"], city["supplement_cases"],
        city["repeated_supplements"], city["multiple_trips"], city["rework_cases"],
    ) == (4, 4, 2, 1, 2, 3)  # fmt: skip
    assert city["rework_rate"] == pytest.approx(75.0)
    county = next(r for r in rows.values() if r["department_id"] == jy.pk)
    assert (county["cases"], county["supplements"], county["rework_cases"]) == (1, 2, 1)
    assert county["rework_rate"] == pytest.approx(100.0)
    only_y = next(r for r in rows.values() if r["item__name"] == "事项Y")
    assert (only_y["cases"], only_y["rework_cases"], only_y["rework_rate"]) == (1, 0, 0.0)
    # most cases with rework first
    assert [r["rework_cases"] for r in process.rework(staff["admin"], start=DAY, end=DAY)] == [
        3, 1, 0,
    ]  # fmt: skip


def test_events_outside_supplements_do_not_count(items, staff):
    x, _y = items
    c = case(x)
    for h in range(1, 6):
        CaseEventFactory(case=c, at=T0 + datetime.timedelta(hours=h), action="note",
                         to_state="accepted")  # fmt: skip
    (row,) = process.rework(staff["admin"], start=DAY, end=DAY)
    assert (row["cases"], row["supplements"], row["rework_cases"], row["rework_rate"]) == (
        1, 0, 0, 0.0,
    )  # fmt: skip


logs = st.lists(
    st.tuples(st.sampled_from([0, 1]), st.integers(0, 4), st.booleans()), min_size=1, max_size=8
)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(log=logs)
def test_rework_rate_is_a_share_of_cases(items, staff, log):
    with transaction.atomic():
        for which, n, trips in log:
            case(items[which], n, trips=trips)
        rows = process.rework(staff["admin"], start=DAY, end=DAY)
        transaction.set_rollback(True)
    expected_cases = Counter(items[w].name for w, _n, _t in log)
    expected_rework = Counter(items[w].name for w, n, t in log if n or t)
    expected_supplements = Counter()
    for w, n, _t in log:
        expected_supplements[items[w].name] += n
    assert {r["item__name"]: r["cases"] for r in rows} == dict(expected_cases)
    for r in rows:
        assert 0.0 <= r["rework_rate"] <= 100.0
        assert 0 <= r["repeated_supplements"] <= r["supplement_cases"] <= r["rework_cases"]
        assert r["rework_cases"] <= r["cases"]
        assert r["rework_cases"] == expected_rework[r["item__name"]]
        assert r["supplements"] == expected_supplements[r["item__name"]]
