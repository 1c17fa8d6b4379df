"""Volume demo: deterministic, idempotent, plausible shares, consistent bundles and event logs;
on PostgreSQL a bulk load restores every key, foreign key and index."""

import re
from collections import defaultdict

import pytest
from django.db import connection

from yingshang.cases.models import Case, CaseEvent, CaseVisit, DemoBatch


def _load(n=3000, seed=7):
    from yingshang.demo import cases as demo
    from yingshang.demo.framework import Tally

    opts = {"cases": n, "seed": seed, "quiet": True}
    demo.load_volume(opts, Tally(), None)
    return opts


def test_volume_demo_plausible_and_idempotent(catalog):
    from yingshang.demo import cases as demo
    from yingshang.demo.framework import Tally

    opts = _load()
    total = 3000
    assert Case.objects.count() == total
    numbers = set(Case.objects.values_list("number", flat=True))
    assert len(numbers) == total and all(len(n) == 23 and n[14] == "9" for n in numbers)
    singles = Case.objects.filter(bundle__isnull=True)
    rejected = singles.filter(status="rejected").count()
    assert 0.02 * total < rejected < 0.07 * total
    finished = Case.objects.filter(final_sla_state__in=["on_time", "overdue"], item__isnull=False)
    overdue = finished.filter(final_sla_state="overdue").count()
    assert 0.03 <= overdue / finished.count() <= 0.08
    supp = CaseEvent.objects.filter(action="request_supplement").values("case").distinct().count()
    assert 0.06 * total < supp < 0.13 * total
    assert CaseEvent.objects.filter(action="suspend").exists()
    assert CaseEvent.objects.filter(action="resume").exists()
    assert CaseEvent.objects.filter(action="withdraw").exists()
    trips = Case.objects.filter(multiple_trips=True).count()
    assert 0.02 * total < trips < 0.15 * total  # 来回跑: extra trips, not every window visit
    assert CaseVisit.objects.count() == sum(Case.objects.values_list("visits", flat=True))
    assert set(Case.objects.values_list("channel", flat=True)) == {
        "online",
        "window",
        "api",
        "wechat",
    }
    # ids grow with submission time, as in a live table (within each generated batch)
    subs = list(Case.objects.order_by("id").values_list("submitted_at", flat=True))
    assert subs == sorted(subs)
    # due dates respect the limit: every accepted case's due is after acceptance
    for c in Case.objects.exclude(accepted_at=None).exclude(item=None)[:200]:
        assert c.due_at >= c.accepted_at
    # rerun: nothing changes
    before = (Case.objects.count(), CaseEvent.objects.count())
    demo.load_volume(opts, Tally(), None)
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    assert DemoBatch.objects.count() == 1
    # another size loads beside it with its own numbers
    _load(500, 7)
    assert Case.objects.count() == 3500
    assert Case.objects.values("number").distinct().count() == 3500


def test_event_log_follows_the_workflow(catalog):
    """Every case's log starts with submit, each event leaves from the status the previous one
    reached along an allowed edge, and the last one reaches the case's status."""
    from yingshang.cases.workflow import TRANSITIONS

    _load(2000, 3)
    status = dict(Case.objects.values_list("id", "status"))
    logs = defaultdict(list)
    for case_id, action, f, t in CaseEvent.objects.order_by("at", "id").values_list(
        "case_id", "action", "from_state", "to_state"
    ):
        logs[case_id].append((action, f, t))
    assert set(logs) == set(status)
    for case_id, log in logs.items():
        assert log[0] == ("submit", "", "submitted"), log
        for (_a, _f, prev), (action, f, t) in zip(log, log[1:], strict=False):
            assert f == prev, (case_id, log)
            if action == "roll_up":
                continue
            edge = TRANSITIONS[action]
            assert f in edge.sources, (case_id, log)
            if not callable(edge.target):  # computed: back to the status before the pause
                assert t == edge.target, (case_id, log)
        assert log[-1][2] == status[case_id], (case_id, log, status[case_id])


def test_items_with_head_approval_go_through_review_and_approval(catalog):
    """An item with 审批 (#13): its completed demo cases were reviewed by a handler and approved
    by a head — never closed directly — along the workflow's edges; some wait for approval."""
    from yingshang.cases.workflow import TRANSITIONS
    from yingshang.catalog.models import ServiceItem

    item = catalog["registration"]
    ServiceItem.objects.filter(pk=item.pk).update(requires_head_approval=True)
    _load(2000, 3)
    cases = Case.objects.filter(item=item)
    done = cases.filter(status__in=["completed", "delivered"])
    assert done.count() > 20
    events = CaseEvent.objects.filter(case__item=item)
    assert not events.filter(action="complete").exists()
    approvals = events.filter(action="approve")
    assert approvals.count() == done.count()
    assert set(approvals.values_list("actor_role", flat=True)) == {"dept_head"}
    reviews = events.filter(action="submit_approval")
    assert set(reviews.values_list("actor_role", flat=True)) == {"handler"}
    for e in approvals:
        assert (e.from_state, e.to_state) == ("pending_approval", "completed")
        assert e.from_state in TRANSITIONS["approve"].sources
    pending = cases.filter(status="pending_approval")
    for c in pending:
        assert c.proposed_outcome in ("approved", "denied") and c.step == "decision"
    # the other items still close directly
    assert CaseEvent.objects.exclude(case__item=item).filter(action="complete").exists()


def test_bundle_cases_are_consistent(catalog):
    from yingshang.cases.workflow import derive_parent_status

    _load(3000, 5)
    parents = list(Case.objects.filter(bundle__isnull=False, parent__isnull=True))
    assert 15 <= len(parents) <= 45  # ~1 % of the rows
    members = set(catalog["bundle"].bundle_items.values_list("item_id", flat=True))
    children = defaultdict(list)
    for c in Case.objects.filter(parent__isnull=False):
        children[c.parent_id].append(c)
    assert sum(len(v) for v in children.values()) == 3 * len(parents)
    for p in parents:
        kids = children[p.pk]
        assert p.item_id is None and p.version_id is None and p.title == "企业开办"
        assert p.bundle_id == catalog["bundle"].pk and p.applicant_kind == "enterprise"
        assert {k.item_id for k in kids} == members
        assert all(k.bundle_id == p.bundle_id for k in kids)
        assert all(k.submitted_at == p.submitted_at for k in kids)
        assert all(k.applicant_code == p.applicant_code for k in kids)
        assert p.status == derive_parent_status(kids), (p.status, [k.status for k in kids])
        dues = [k.due_at for k in kids if k.due_at]
        assert p.due_at == (max(dues) if dues else None)
        if p.completed_at:
            assert p.completed_at >= max(k.completed_at for k in kids)
        else:
            assert p.status not in ("completed", "delivered", "rejected")
    # monitoring's 开办企业 topic finds completed bundle parents
    assert Case.objects.filter(
        bundle__key="qiye-kaiban", item__isnull=True, status__in=["completed", "delivered"]
    ).exists()


def test_registry_applicants_are_linked(catalog, enterprise_applicant, person_applicant):
    from yingshang.registry.models import Enterprise, Person

    _load(3000, 9)
    ent = Enterprise.objects.get()
    per = Person.objects.get()
    linked = Case.objects.filter(enterprise=ent)
    assert linked.exists()
    assert set(linked.values_list("applicant_code", "applicant_name")) == {(ent.uscc, ent.name)}
    assert set(Case.objects.filter(person=per).values_list("applicant_code", "applicant_kind")) == {
        (per.id_number, "person")
    }
    assert not Case.objects.filter(enterprise__isnull=False, applicant_kind="person").exists()


def test_volume_demo_is_deterministic(catalog):
    import datetime

    from yingshang.demo import cases as demo

    day = datetime.date(2026, 6, 30)
    a = list(demo.generate(500, 11, today=day))[0]
    b = list(demo.generate(500, 11, today=day))[0]
    c = list(demo.generate(500, 12, today=day))[0]
    assert demo.case_numbers(a) == demo.case_numbers(b)
    assert (a["status"] == b["status"]).all() and (a["due"] == b["due"]).all()
    assert (a["events"]["at"] == b["events"]["at"]).all()
    assert demo.case_numbers(a) != demo.case_numbers(c)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk path")
@pytest.mark.django_db(transaction=True)
def test_bulk_load_restores_keys_foreign_keys_and_indexes(catalog, monkeypatch):
    from yingshang.demo import cases as demo

    def schema():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT conrelid::regclass::text, conname, contype, convalidated "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [list(demo.TABLES)],
            )
            constraints = cur.fetchall()
            # the partial indexes' WHERE is deparsed with its casts in another place after a
            # rebuild; compare it by the statuses it names
            cur.execute(
                "SELECT tablename, indexname, split_part(indexdef, ' WHERE ', 1), "
                "regexp_matches(indexdef || ' WHERE ', ' WHERE (.*)$') "
                "FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
                [list(demo.TABLES)],
            )
            return constraints, [
                (t, name, head, tuple(sorted(re.findall(r"'(\w+)'", where[0]))))
                for t, name, head, where in cur.fetchall()
            ]

    before = schema()
    assert any(c[2] == "f" for c in before[0])
    monkeypatch.setattr(demo, "BULK_MIN", 1000)
    _load(3000, 4)
    after = schema()
    # every FK back and validated, every key and index rebuilt
    assert set(after[0]) == set(before[0]), set(after[0]) ^ set(before[0])
    assert set(after[1]) == set(before[1]), set(after[1]) ^ set(before[1])
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('cases_demo_pending')")
        assert cur.fetchone()[0] is None
    assert Case.objects.count() == 3000
    # sequences continue after the generated ids
    top = Case.objects.order_by("-id").values_list("id", flat=True).first()
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))")
        assert cur.fetchone()[0] > top
    assert CaseEvent.objects.filter(action="submit").count() == 3000


def test_volume_rows_have_no_code_and_the_demo_prints_one_that_opens(catalog, client):
    """Volume rows are written without a 查询码 seed (the COPY stays as fast as it was); the
    query-code step gives the first demo case one, prints it, and keeps it on a rerun."""
    import io

    from yingshang.demo import cases as demo
    from yingshang.demo.framework import Tally

    _load(n=200)
    assert not Case.objects.exclude(lookup_seed="").exists()
    out = io.StringIO()
    demo.issue_demo_code({}, Tally(), out)
    case = Case.objects.exclude(lookup_seed="").get()
    assert case.lookup_code and case.lookup_code in out.getvalue()
    again = io.StringIO()
    demo.issue_demo_code({}, Tally(), again)
    assert again.getvalue() == out.getvalue()
    r = client.get("/track/", {"number": case.number, "code": case.lookup_code})
    assert r.status_code == 200 and case.number in r.content.decode()
    assert "未找到办件" not in r.content.decode()
