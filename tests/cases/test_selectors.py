"""The cases app's reads (cases/selectors.py) through what the workbench, the portal and the
queue ask: the to-do lists (``?todo=``), the queue's filters, the applicant's to-dos on the
portal home, 来回跑 counts per item and per department, who may open an uploaded material, the
applicant's own case and the signed status link."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from tests.cases.factories import CaseEventFactory, CaseFactory, CompletedCaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import department
from yingshang.cases import links, selectors
from yingshang.cases.models import OPEN_STATUSES, Case, CaseMaterial, Status

pytestmark = pytest.mark.django_db


def _numbers(qs) -> set[str]:
    return set(qs.values_list("number", flat=True))


def _today_noon():
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def board(mianyang):
    """City market cases, one per to-do list, plus a tax case (another department)."""
    now = timezone.now()
    noon = _today_noon()
    made = {
        "submitted": CaseFactory(number="S-SUBMITTED", status=Status.SUBMITTED),
        "prechecking": CaseFactory(number="S-PRECHECK", status=Status.PRECHECKING),
        "accepted": CaseFactory(
            number="S-ACCEPTED", status=Status.ACCEPTED, due_at=now + datetime.timedelta(days=5)
        ),
        "due_today": CaseFactory(number="S-TODAY", status=Status.IN_PROCESS, due_at=noon),
        "paused_today": CaseFactory(
            number="S-PAUSED",
            status=Status.SUSPENDED,
            due_at=noon,
            paused_since=now - datetime.timedelta(hours=1),
        ),
        "tomorrow": CaseFactory(
            number="S-TOMORROW",
            status=Status.IN_PROCESS,
            due_at=noon + datetime.timedelta(days=1),
        ),
        "pending": CaseFactory(number="S-PENDING", status=Status.PENDING_APPROVAL),
        "supplement": CaseFactory(number="S-SUPPL", status=Status.SUPPLEMENT),
        "done_today": CompletedCaseFactory(number="S-DONE", due_at=noon),
        "tax": CaseFactory(
            number="S-TAX",
            status=Status.SUBMITTED,
            item=ItemWithVersionFactory(department=department("510700", "tax")),
        ),
    }
    # handed back after a 补正: a resubmit event on a case waiting at the window again
    CaseEventFactory(
        case=made["accepted"],
        action="resubmit",
        from_state=Status.SUPPLEMENT,
        to_state=Status.ACCEPTED,
    )
    # an old resubmit on a case that has since moved on is no longer a to-do
    CaseEventFactory(
        case=made["tomorrow"],
        action="resubmit",
        from_state=Status.SUPPLEMENT,
        to_state=Status.IN_PROCESS,
    )
    return made


TODO_LISTS = {
    "window": {"S-SUBMITTED", "S-PRECHECK", "S-TAX"},
    "resubmitted": {"S-ACCEPTED"},
    # open and running: the paused case and the finished one are not due today
    "due_today": {"S-TODAY"},
    "decision": {"S-ACCEPTED", "S-TODAY", "S-TOMORROW"},
    "approval": {"S-PENDING"},
}


@pytest.mark.parametrize("name", sorted(TODO_LISTS))
def test_each_todo_list_holds_exactly_its_cases(board, name):
    everything = Case.objects.filter(number__startswith="S-")
    assert _numbers(everything.filter(selectors.todo_q(name))) == TODO_LISTS[name]


def test_an_unknown_todo_list_filters_nothing(board):
    everything = Case.objects.filter(number__startswith="S-")
    assert everything.filter(selectors.todo_q("no-such-list")).count() == len(board)


def test_a_case_due_at_midnight_belongs_to_the_next_day(board):
    start = _today_noon().replace(hour=0)
    CaseFactory(
        number="S-MIDNIGHT", status=Status.ACCEPTED, due_at=start + datetime.timedelta(days=1)
    )
    CaseFactory(number="S-STARTOFDAY", status=Status.ACCEPTED, due_at=start)
    today = _numbers(Case.objects.filter(selectors.todo_q("due_today")))
    assert "S-STARTOFDAY" in today and "S-MIDNIGHT" not in today


def test_the_queue_of_a_handler_is_his_departments_open_cases_most_urgent_first(board, staff):
    queue = list(selectors.queue_for(staff["chengban"]))
    numbers = [c.number for c in queue]
    assert set(numbers) == {c.number for k, c in board.items() if k not in ("tax", "done_today")}
    dues = [c.due_at for c in queue if c.due_at is not None]
    assert dues == sorted(dues)


def test_the_queue_filters(board, staff):
    clerk = staff["chuangkou"]
    assert _numbers(selectors.cases_for(clerk, status=Status.PENDING_APPROVAL)) == {"S-PENDING"}
    assert "S-DONE" not in _numbers(selectors.cases_for(clerk, status="open"))
    assert "S-DONE" in _numbers(selectors.cases_for(clerk))
    tax = board["tax"]
    assert _numbers(selectors.cases_for(clerk, item=tax.item.implementation_code)) == {"S-TAX"}
    assert _numbers(selectors.cases_for(clerk, department=tax.department_id)) == {"S-TAX"}
    # a filter never widens the scope: the handler of the market bureau asks for tax cases
    assert not selectors.cases_for(staff["chengban"], department=tax.department_id).exists()
    assert _numbers(selectors.cases_for(clerk, todo="approval", status="open")) == {"S-PENDING"}


def test_the_overdue_filter(board, staff):
    late = CaseFactory(
        number="S-LATE",
        status=Status.IN_PROCESS,
        accepted_at=timezone.now() - datetime.timedelta(days=9),
        due_at=timezone.now() - datetime.timedelta(days=1),
        warn_at=timezone.now() - datetime.timedelta(days=2),
    )
    overdue = _numbers(selectors.cases_for(staff["chengban"], sla_state="overdue"))
    assert late.number in overdue
    assert not overdue & {"S-TOMORROW", "S-SUBMITTED", "S-PAUSED"}


def test_top_level_hides_bundle_cases(mianyang, staff):
    from tests.catalog.factories import BundleFactory

    single = CaseFactory(number="S-SINGLE")
    bundle = BundleFactory()
    parent = CaseFactory(
        number="S-PARENT",
        bundle=bundle,
        item=None,
        version=None,
        department=department("510700", "market"),
    )
    CaseFactory(number="S-CHILD", bundle=bundle, parent=parent)
    admin = staff["admin"]
    top = _numbers(selectors.cases_for(admin, top_level=True, q="S-"))
    assert single.number in _numbers(selectors.cases_for(admin, top_level=True))
    assert not top & {"S-PARENT", "S-CHILD"}
    # the queue shows the sub-cases (the work) but not the bundle's own case
    queue = _numbers(selectors.queue_for(admin))
    assert "S-CHILD" in queue and "S-PARENT" not in queue


def test_search_by_bundle_name_finds_the_bundle_case_not_its_parts(mianyang, staff):
    from tests.catalog.factories import BundleFactory

    bundle = BundleFactory(name="开办一家书店")
    parent = CaseFactory(
        number="S-BOOKS",
        bundle=bundle,
        item=None,
        version=None,
        department=department("510700", "market"),
    )
    CaseFactory(number="S-BOOKS-1", bundle=bundle, parent=parent)
    found = _numbers(selectors.cases_for(staff["admin"], q="书店"))
    assert found == {"S-BOOKS"}
    # an empty or blank term filters nothing
    every = selectors.cases_for(staff["admin"]).count()
    assert selectors.search(Case.objects.all(), "   ").count() == Case.objects.count() == every


# ------------------------------------------------------------------------- portal: applicant


def test_applicant_todos(mianyang, portal_users):
    user = portal_users["qiye"]
    now = timezone.now()
    CaseFactory(number="P-SUPPL", user=user, status=Status.SUPPLEMENT)
    CompletedCaseFactory(number="P-READY", user=user, completed_at=now)
    CompletedCaseFactory(
        number="P-GIVEN",
        user=user,
        status=Status.DELIVERED,
        completed_at=now - datetime.timedelta(days=10),
    )
    CompletedCaseFactory(number="P-OLD", user=user, completed_at=now - datetime.timedelta(days=91))
    CaseFactory(number="P-OTHER", user=portal_users["shimin"], status=Status.SUPPLEMENT)
    todos = selectors.applicant_todos(user)
    assert [c.number for c in todos["supplement"]] == ["P-SUPPL"]
    # the result to collect: completed, not yet delivered (an old one still waits)
    assert [c.number for c in todos["collect"]] == ["P-READY", "P-OLD"]
    # to rate: finished within 90 days, newest first
    assert [c.number for c in todos["finished"]] == ["P-READY", "P-GIVEN"]


def test_applicant_todos_are_capped_and_empty_for_the_anonymous(mianyang, portal_users):
    from django.contrib.auth.models import AnonymousUser

    user = portal_users["qiye"]
    for n in range(4):
        CaseFactory(number=f"P-S{n}", user=user, status=Status.SUPPLEMENT)
    assert len(selectors.applicant_todos(user, limit=3)["supplement"]) == 3
    assert selectors.applicant_todos(AnonymousUser()) == {
        "supplement": [],
        "collect": [],
        "finished": [],
    }
    assert not selectors.cases_of_applicant(AnonymousUser()).exists()


def test_own_case_is_the_applicants_top_level_case_only(mianyang, portal_users):
    from tests.catalog.factories import BundleFactory

    user = portal_users["qiye"]
    mine = CaseFactory(number="P-MINE", user=user)
    bundle = BundleFactory()
    parent = CaseFactory(
        number="P-PARENT",
        user=user,
        bundle=bundle,
        item=None,
        version=None,
        department=department("510700", "market"),
    )
    CaseFactory(number="P-PART", user=user, bundle=bundle, parent=parent)
    assert selectors.own_case(user, "P-MINE") == mine
    assert selectors.own_case(user, "P-PARENT") == parent
    for number, who in (("P-PART", user), ("P-MINE", portal_users["shimin"])):
        with pytest.raises(Http404):
            selectors.own_case(who, number)
    assert _numbers(selectors.cases_of_applicant(user)) == {"P-MINE", "P-PARENT"}


def test_a_status_link_opens_its_case_only(submitted):
    token = links.token_for(submitted)
    assert token
    assert selectors.by_status_link(submitted.number, token) == submitted
    assert selectors.by_status_link(f" {submitted.number} ", token) == submitted
    other = CaseFactory(number="12345678901234567")
    for number, tok in (
        (other.number, token),  # the token of another case
        (submitted.number, token[:-2] + ("xx" if token[-2:] != "xx" else "yy")),  # tampered
        (submitted.number, ""),
        ("not-a-number", token),
        ("", token),
    ):
        assert selectors.by_status_link(number, tok) is None


# ------------------------------------------------------------------------- materials


@pytest.fixture
def material(submitted):
    return submitted.materials.first()


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("qiye", True),  # the applicant who owns the case
        ("shimin", False),  # another portal account
        ("chengban", True),  # the competent department
        ("chuangkou", True),  # a city window (sees the city's cases)
        ("jianduyuan", True),  # a supervisor reads
        ("jiangyou_chengban", False),  # another county
        ("fucheng_chengban", False),  # another department in a district
    ],
)
def test_who_may_open_an_uploaded_material(material, staff, portal_users, who, may):
    user = portal_users.get(who) or staff[who]
    if may:
        assert selectors.material_for(user, material.pk) == material
    else:
        with pytest.raises(Http404):
            selectors.material_for(user, material.pk)


def test_an_unknown_material_is_404(submitted, staff):
    missing = (CaseMaterial.objects.order_by("-pk").values_list("pk", flat=True).first()) + 1
    with pytest.raises(Http404):
        selectors.material_for(staff["admin"], missing)


def test_staff_of_a_sub_case_read_the_bundles_materials(mianyang, staff):
    """A bundle's materials belong to its own case; the departments of its parts read them."""
    from tests.catalog.factories import BundleFactory

    bundle = BundleFactory()
    parent = CaseFactory(
        number="M-PARENT",
        bundle=bundle,
        item=None,
        version=None,
        department=department("510700", "hall"),
    )
    CaseFactory(number="M-PART", bundle=bundle, parent=parent)  # market bureau
    m = CaseMaterial.objects.create(case=parent, name="申请书", source="upload")
    assert selectors.material_for(staff["chengban"], m.pk) == m
    with pytest.raises(Http404):
        selectors.material_for(staff["jiangyou_chengban"], m.pk)


# ------------------------------------------------------------------------- 来回跑


def test_trips_summary_per_item_and_per_department(mianyang, staff):
    item_a = ItemWithVersionFactory(name="跑动甲")
    item_b = ItemWithVersionFactory(name="跑动乙")
    for n, (item, visits, multiple) in enumerate(
        [(item_a, 3, True), (item_a, 1, False), (item_b, 2, True), (item_b, 2, True)]
    ):
        CaseFactory(number=f"T-{n}", item=item, visits=visits, multiple_trips=multiple)
    tax = ItemWithVersionFactory(name="跑动丙", department=department("510700", "tax"))
    CaseFactory(number="T-TAX", item=tax, visits=5, multiple_trips=True)

    rows = {r["item__name"]: r for r in selectors.trips_summary(staff["chengban"])}
    assert set(rows) == {"跑动甲", "跑动乙"}  # the tax item is not in the handler's scope
    assert (rows["跑动甲"]["cases"], rows["跑动甲"]["visits"], rows["跑动甲"]["multiple"]) == (
        2,
        4,
        1,
    )
    assert (rows["跑动乙"]["cases"], rows["跑动乙"]["multiple"]) == (2, 2)
    # most 来回跑 first
    assert [r["item__name"] for r in selectors.trips_summary(staff["chengban"])][0] == "跑动乙"

    by_dept = {
        r["department__name"]: r
        for r in selectors.trips_summary(staff["jianduyuan"], by="department")
    }
    market = department("510700", "market").name
    tax_name = department("510700", "tax").name
    assert (by_dept[market]["cases"], by_dept[market]["visits"], by_dept[market]["multiple"]) == (
        4,
        8,
        3,
    )
    assert by_dept[tax_name]["multiple"] == 1


def test_open_statuses_are_what_the_queue_shows(board, staff):
    shown = {c.status for c in selectors.queue_for(staff["admin"])}
    assert shown <= set(OPEN_STATUSES)
    assert Status.COMPLETED not in shown
