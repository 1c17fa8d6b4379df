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


# -------------------------------------------------------------- agreement with the other apps


def test_every_case_was_applied_for_while_its_item_was_in_force(small_demo):
    """The catalogue's first versions are backdated to the programme (2019) and the cases lie
    in the last year: every single case's version was in force on its submission day — what
    the monitoring snapshots ("items in force on a day") rely on."""
    for c in _singles().select_related("item"):
        assert c.version.valid_from <= c.submitted_at, c.number
        assert c.item.current_version_id == c.version_id  # the version in force is current


def test_cases_are_applied_for_where_the_item_may_be_handled(small_demo):
    """申办区划: a 属地办理 item only in its own division; a 通办 item there or at another
    county's window of the city — and the case number starts with that division's code."""
    from yingshang.catalog.models import ScopeOfService
    from yingshang.core.models import Division

    city = Division.objects.get(code="510700")
    elsewhere = 0
    for c in Case.objects.exclude(item=None).select_related("item", "version", "division"):
        assert c.division.path.startswith(city.path)
        assert c.number.startswith(c.division.code[:6]), c.number
        if c.division_id != c.item.division_id:
            assert c.version.service_scope != ScopeOfService.LOCAL, c.number
            assert c.division.level == 3 and c.parent_id is None
            elsewhere += 1
    assert 0 < elsewhere < Case.objects.exclude(item=None).count() / 2
    for p in Case.objects.filter(item=None).select_related("bundle"):
        assert p.division_id == p.bundle.division_id  # a bundle application: the bundle's


def test_registry_applicants_are_the_registry_records_they_name(small_demo):
    """A case of a registry enterprise or person carries that record's code and name, so that
    the applicant's 我的办件 and the e-licence reuse (免提交) find it."""
    linked = Case.objects.exclude(enterprise=None, person=None).select_related(
        "enterprise", "person"
    )
    for c in linked:
        holder = c.enterprise or c.person
        assert c.applicant_kind == ("enterprise" if c.enterprise_id else "person")
        code = holder.uscc if c.enterprise_id else holder.id_number
        assert (c.applicant_code, c.applicant_name) == (code, holder.name), c.number
    unlinked = Case.objects.filter(enterprise=None, person=None)
    from yingshang.registry.models import Enterprise, Person

    registered = set(Enterprise.objects.values_list("uscc", flat=True)) | set(
        Person.objects.values_list("id_number", flat=True)
    )
    # a generated applicant never borrows a registered holder's number
    assert not set(unlinked.values_list("applicant_code", flat=True)) & registered
