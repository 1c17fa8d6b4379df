"""The demo framework (yingshang.demo.framework) and the organisation steps (demo/core.py): the
steps in the documented order per loader, the tally, ``--only``, per-step audit entries, the
staff step putting a changed account back, and the steps that find nothing to build on."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from yingshang.core.models import Division, Role, User
from yingshang.demo import core as demo_core
from yingshang.demo import framework
from yingshang.demo.data import mianyang as city
from yingshang.platform.models import AuditEntry

# docs/architecture.md: organisation and calendar < 100, registry and catalog 200s, cases
# 300s, reforms 400s, appeals 500s, evaluations 600s, monitoring 700s
ORDER_RANGES = {
    "core": range(0, 100),
    "registry": range(200, 300),
    "catalog": range(200, 300),
    "cases": range(300, 400),
    "reforms": range(400, 500),
    "appeals": range(500, 600),
    "evaluations": range(600, 700),
    "monitoring": range(700, 800),
    "accounts": range(800, 900),
}


def test_steps_are_sorted_and_every_loader_contributes():
    steps = framework.steps()
    orders = [s.order for s in steps]
    assert orders == sorted(orders)
    assert len(set(orders)) == len(orders)  # no two steps share an order
    assert {s.app for s in steps} == set(framework.LOADERS)
    for s in steps:
        assert s.order in ORDER_RANGES[s.app], (s.app, s.order, s.name)
        assert s.module == f"yingshang.demo.{s.app}"
    # importing the loaders again registers nothing twice
    assert len(framework.steps()) == len(steps)


def test_step_app_is_the_registering_module():
    step = framework.DemoStep(1, "x", lambda *a: None, module="yingshang.demo.appeals")
    assert step.app == "appeals"
    assert framework.DemoStep(1, "x", lambda *a: None, module="loose").app == "loose"


def test_demo_step_registers_the_function_unchanged(monkeypatch):
    monkeypatch.setattr(framework, "_steps", [])

    def add(parser):
        parser.add_argument("--things")

    @framework.demo_step(250, "things", add_arguments=add)
    def load_things(options, tally, out):
        return "ran"

    assert load_things({}, None, None) == "ran"
    (step,) = framework._steps
    assert (step.order, step.name, step.run, step.add_arguments) == (
        250,
        "things",
        load_things,
        add,
    )
    assert step.module == __name__


def test_tally_counts_per_kind_and_status():
    tally = framework.Tally()
    tally.add("items", "created")
    tally.add("items", "created", 4)
    tally.add("items", "unchanged", 2)
    tally.add("bundles", "updated")
    tally.add("odd", "skipped", 3)  # a status of its own is counted too
    assert tally.counts == {
        "items": {"created": 5, "updated": 0, "unchanged": 2},
        "bundles": {"created": 0, "updated": 1, "unchanged": 0},
        "odd": {"created": 0, "updated": 0, "unchanged": 0, "skipped": 3},
    }


def test_register_login_lists_each_account_once(monkeypatch):
    monkeypatch.setattr(framework, "_extra_logins", [])
    framework.register_login("a")
    framework.register_login("b")
    framework.register_login("a")
    logins = framework.extra_logins()
    assert logins == ["a", "b"]
    logins.append("c")  # a copy: the registry is not changed through it
    assert framework.extra_logins() == ["a", "b"]


@pytest.mark.parametrize(
    "today,last",
    [(datetime.date(2026, 12, 6), 2027), (datetime.date(2019, 1, 1), 2020)],
)
def test_demo_years_run_from_2019_to_next_year(today, last):
    years = demo_core.demo_years(today)
    assert years[0] == 2019 and years[-1] == last


def test_staff_step_is_idempotent_and_puts_a_changed_account_back(mianyang):
    tally = framework.Tally()
    demo_core.load_staff({}, tally, None)
    n = len(city.DEMO_STAFF)
    assert tally.counts["staff"] == {"created": 0, "updated": 0, "unchanged": n}

    user = User.objects.get(username="chengban")
    user.role = Role.CLERK
    user.set_password("changed-by-the-user")
    user.save()
    tally = framework.Tally()
    demo_core.load_staff({}, tally, None)
    assert tally.counts["staff"]["updated"] == 1
    user.refresh_from_db()
    assert user.role == Role.HANDLER
    assert user.check_password("changed-by-the-user")  # a password is never reset


def test_staff_flags_follow_the_role(mianyang):
    for username, _name, role, div, dept in city.DEMO_STAFF:
        user = User.objects.select_related("division", "department").get(username=username)
        assert user.role == role and user.division.code == div
        assert user.is_staff == (role == Role.ADMIN)  # the Django admin is for superusers only
        assert user.is_superuser == (role == Role.ADMIN)
        if dept:
            assert user.department.function_key == dept
            assert user.department.division_id == user.division_id
        else:
            assert user.department is None


def test_core_rerun_reports_nothing_created(mianyang):
    tally = framework.Tally()
    demo_core.load_core({}, tally, None)
    assert tally.counts["divisions"]["created"] == 0
    assert tally.counts["departments"]["created"] == 0
    assert tally.counts["divisions"]["unchanged"] == Division.objects.count()


def test_village_codes_nest_in_their_township(mianyang):
    for village in Division.objects.filter(level=5).select_related("parent"):
        assert village.code[:9] == village.parent.code[:9]
        assert len(village.code) == 12
    for county in Division.objects.filter(parent__code="510700", is_management_area=False):
        assert county.code[:4] == "5107"


def test_demo_logins_name_where_each_account_works(mianyang):
    rows = {r[0]: r for r in demo_core.demo_logins()}
    assert set(rows) >= {u for u, *_r in city.DEMO_STAFF}
    assert all(r[1] == city.DEMO_PASSWORD for r in rows.values())
    assert rows["chengban"][3] == "市市场监督管理局"
    assert rows["admin"][3] == "绵阳市"  # no department: the division


def test_only_runs_the_named_loaders_and_audits_each_changing_step(mianyang):
    from yingshang.appeals.models import Appeal
    from yingshang.cases.models import Case
    from yingshang.catalog.models import ServiceItem
    from yingshang.registry.models import Enterprise

    before = AuditEntry.objects.filter(object_type="demo").count()
    out = StringIO()
    call_command("demo", "--quiet", "--only", "catalog, registry", "--cases", "20", stdout=out)
    text = out.getvalue()
    assert Enterprise.objects.count() == 8 and ServiceItem.objects.count() == 423
    assert not Case.objects.exists() and not Appeal.objects.exists()
    assert "· registry" in text and "· catalog" in text and "· volume" not in text
    entries = list(AuditEntry.objects.filter(object_type="demo").order_by("id"))[before:]
    assert [e.object_repr for e in entries] == [
        "catalog: licence types, service items, bundles",
        "catalog: search words (同义词/俗称) and the search index",
        "registry: enterprises, persons, e-licences, portal accounts",
    ]
    assert entries[2].changes["after"]["enterprises"] == {"created": 8}
    assert "qiye" in text.split("Portal logins")[1]
    # a second run changes nothing: no new audit entry
    call_command("demo", "--quiet", "--only", "catalog,registry", stdout=StringIO())
    assert AuditEntry.objects.filter(object_type="demo").count() == before + 3


def test_volume_step_without_items_says_so(mianyang):
    from yingshang.cases.models import Case, DemoBatch
    from yingshang.demo import cases as demo

    out = StringIO()
    demo.load_volume({"cases": 50, "seed": 1, "quiet": True}, framework.Tally(), out)
    assert "no service items" in out.getvalue()
    assert not Case.objects.exists() and not DemoBatch.objects.exists()


def test_ratings_step_without_closed_appeals_creates_nothing(mianyang):
    from yingshang.demo import evaluations as demo
    from yingshang.evaluations.models import Evaluation, Rectification

    tally = framework.Tally()
    demo.load_evaluations({"seed": 2019}, tally, None)
    assert tally.counts["evaluations"]["created"] == 0
    assert not Evaluation.objects.exists() and not Rectification.objects.exists()


def test_appeals_step_with_zero_appeals_still_makes_the_accounts(mianyang):
    from yingshang.appeals.models import Appeal, QASession
    from yingshang.demo import appeals as demo

    tally = framework.Tally()
    demo.load_appeals({"seed": 2019, "appeals": 0}, tally, None)
    assert not Appeal.objects.exists() and not QASession.objects.exists()
    assert User.objects.filter(username__in=["qiyefuwu", "gongdian", "qiye"]).count() == 3
    assert tally.counts["enterprises"]["created"] == 120


def test_reforms_step_without_the_bureau_leaves_the_programme_unpublished(mianyang):
    from yingshang.demo import reforms as demo
    from yingshang.reforms.models import Programme

    programme = Programme.objects.create(
        title=demo.TITLE,
        issue_date=datetime.date(2025, 7, 10),
        year=2025,
        division=Division.objects.get(code=city.CITY[0]),
    )
    User.objects.filter(username="jianduyuan").delete()
    tally = framework.Tally()
    demo.load_reforms({"reforms_as_of": "2026-06-30"}, tally, None)  # finds it: no history
    programme.refresh_from_db()
    assert programme.published_at is None
    assert tally.counts == {"reform programmes": {"created": 0, "updated": 0, "unchanged": 1}}
