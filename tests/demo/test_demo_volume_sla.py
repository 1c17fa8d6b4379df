"""The volume cases (step 300) over the demo catalogue (five bundles, 423 items): each case's
SLA clock is what cases/sla.py computes from its own acceptance, limit and pauses on the
working-day calendar; visits, trips, applicants and bundles agree with the rows."""

from collections import defaultdict

import pytest
from django.db import connection
from stdnum.cn import ric, uscc

from tests.demo.conftest import SMALL, run_steps
from yingshang.cases import sla
from yingshang.cases.models import Case, CaseEvent, CaseVisit, DemoBatch
from yingshang.cases.workflow import derive_parent_status
from yingshang.workdays.calendar import is_working_day, local_date

pytestmark = pytest.mark.django_db

PAUSED = {"supplement_requested", "suspended"}
FINISHED = {"completed", "delivered"}


def _singles():
    return Case.objects.filter(parent__isnull=True, bundle__isnull=True).select_related("version")


def test_the_volume_counts_every_row(small_demo):
    assert Case.objects.count() == SMALL["cases"]
    assert small_demo.counts["volume cases"]["created"] == SMALL["cases"]
    batch = DemoBatch.objects.get()
    assert batch.key == f"volume:n={SMALL['cases']}:seed={SMALL['seed']}"
    assert batch.cases == SMALL["cases"]


def test_limits_come_from_the_item_version(small_demo):
    for c in Case.objects.exclude(item=None).select_related("version", "item"):
        assert c.version.item_id == c.item_id
        assert c.limit_days == c.version.committed_limit_days
        assert c.visits_required == c.version.visits_required
        assert c.department_id == c.item.department_id


def test_the_clock_is_the_sla_clock_of_each_case(small_demo):
    checked = 0
    for c in _singles().exclude(accepted_at=None):
        if c.status in PAUSED:
            continue  # the clock moves again when the pause ends
        clock = sla.clock(c.accepted_at, c.limit_days, c.paused_days)
        assert c.due_at == clock.due_at, (c.number, c.status)
        assert c.warn_at == clock.warn_at, (c.number, c.status)
        checked += 1
    assert checked > SMALL["cases"] / 2


def test_due_dates_fall_on_working_days(small_demo):
    dues = [d for d in _singles().exclude(due_at=None).values_list("due_at", flat=True)]
    assert dues
    assert all(is_working_day(local_date(d)) for d in dues)


def test_finished_cases_have_their_final_sla_state(small_demo):
    finished = _singles().filter(status__in=FINISHED)
    assert finished.exists()
    for c in finished:
        assert c.completed_at >= c.accepted_at
        expected = "overdue" if c.completed_at > c.due_at else "on_time"
        assert c.final_sla_state == expected, c.number
        assert c.working_days_used == sla.working_days_used(
            c.accepted_at, c.completed_at, c.paused_days
        )
        if c.status == "delivered":
            assert c.delivered_at >= c.completed_at
        else:
            assert c.delivered_at is None
    # open cases have no final state yet
    assert (
        not _singles()
        .exclude(status__in=FINISHED | {"rejected", "withdrawn"})
        .exclude(final_sla_state="")
        .exists()
    )


def test_pause_fields_agree_with_the_status(small_demo):
    for c in _singles():
        paused = c.status in PAUSED
        assert (c.paused_since is not None) == paused, (c.number, c.status)
        if c.status == "suspended":
            assert c.resume_status == "in_process"
        if c.status == "supplement_requested":
            assert c.resume_status == "accepted"
        if c.status in {"submitted", "rejected", "withdrawn"}:
            assert c.accepted_at is None and c.due_at is None


def test_visits_and_trips(small_demo):
    visits = defaultdict(int)
    for case_id in CaseVisit.objects.values_list("case_id", flat=True):
        visits[case_id] += 1
    for c in Case.objects.exclude(item=None):
        assert c.visits == visits.get(c.pk, 0)
        # 来回跑 (#13): a completed case, beyond its promise — the first visit never counts
        done = c.status in ("completed", "delivered")
        assert c.multiple_trips == (done and c.visits > max(c.visits_required, 1)), c.number
    # a window application is a visit; an online one is not a submission visit
    online = set(Case.objects.filter(channel="online").values_list("pk", flat=True))
    assert not CaseVisit.objects.filter(case__in=online, kind="submission").exists()


def test_every_applicant_code_is_valid(small_demo):
    for kind, code in Case.objects.values_list("applicant_kind", "applicant_code"):
        assert (uscc if kind == "enterprise" else ric).is_valid(code), (kind, code)


def test_bundle_parents_roll_up_their_sub_cases(small_demo):
    from yingshang.catalog.models import Bundle

    members = {
        b.pk: set(b.bundle_items.values_list("item_id", flat=True)) for b in Bundle.objects.all()
    }
    kids = defaultdict(list)
    for c in Case.objects.exclude(parent=None):
        kids[c.parent_id].append(c)
    parents = list(Case.objects.filter(item=None))
    assert parents
    for p in parents:
        assert p.bundle_id in members and p.parent_id is None
        assert {k.item_id for k in kids[p.pk]} == members[p.bundle_id]
        assert p.status == derive_parent_status(kids[p.pk])
        assert p.visits_required == max(k.visits_required for k in kids[p.pk])
        assert all(k.applicant_code == p.applicant_code for k in kids[p.pk])
    assert set(kids) == {p.pk for p in parents}
    # parents' logs are submit + roll_up only
    actions = set(
        CaseEvent.objects.filter(case__in=parents).values_list("action", flat=True).distinct()
    )
    assert actions <= {"submit", "roll_up"}


def test_rerun_with_the_same_size_and_seed_adds_nothing(small_demo):
    before = (Case.objects.count(), CaseEvent.objects.count(), CaseVisit.objects.count())
    tally = run_steps({300})
    assert (Case.objects.count(), CaseEvent.objects.count(), CaseVisit.objects.count()) == before
    assert tally.counts["volume cases"] == {"created": 0, "updated": 0, "unchanged": SMALL["cases"]}


def test_zero_cases_is_a_no_op(small_demo):
    tally = run_steps({300}, {"cases": 0})
    assert "volume cases" not in tally.counts
    assert DemoBatch.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite executemany path; PostgreSQL's COPY path is tested in test_cases.py",
)
def test_sqlite_rows_keep_the_submission_order(small_demo):
    subs = list(Case.objects.order_by("id").values_list("submitted_at", flat=True))
    assert subs == sorted(subs)
    ats = list(CaseEvent.objects.order_by("id").values_list("at", flat=True))
    assert ats == sorted(ats)  # the append-only log is written in time order
