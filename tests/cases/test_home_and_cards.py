"""What the cases app puts on two home pages: the applicant's 我的待办 on the portal home (the
``applicant_todos`` tag: 补正 to hand in, results to collect, services to rate) and, on the
staff workbench, the 30-day on-time rate and the 综合窗口收件 link (``workbench.py``: the
rate's figure and tone, who is offered the intake)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.factories import CaseFactory, CompletedCaseFactory
from tests.core.factories import department
from yingshang.cases import workbench
from yingshang.cases.models import Status

pytestmark = pytest.mark.django_db


def _todos(page: str) -> dict[str, list[str]]:
    """kind → the case numbers listed under 我的待办."""
    found: dict[str, list[str]] = {}
    for kind, body in re.findall(r'<li class="todo todo--(\w+)">(.*?)</li>', page, re.S):
        found.setdefault(kind, []).extend(re.findall(r'<small class="muted">(P-[A-Z]+)', body))
    return found


def test_the_portal_home_lists_the_applicants_todos(client, mianyang, portal_users):
    user = portal_users["qiye"]
    CaseFactory(number="P-SUPPL", user=user, status=Status.SUPPLEMENT, title="企业设立登记")
    CompletedCaseFactory(number="P-READY", user=user, completed_at=timezone.now())
    CaseFactory(number="P-OPEN", user=user, status=Status.IN_PROCESS)
    CaseFactory(number="P-OTHERS", user=portal_users["shimin"], status=Status.SUPPLEMENT)
    client.force_login(user)
    page = client.get("/").content.decode()
    todos = _todos(page)
    assert todos["supplement"] == ["P-SUPPL"]
    assert todos["collect"] == ["P-READY"]
    assert "P-READY" in todos.get("rate", [])  # finished lately and not yet rated
    assert "P-OPEN" not in page and "P-OTHERS" not in page
    assert reverse("cases:my-case", args=["P-SUPPL"]) in page


def test_an_applicant_without_todos_is_told_so_in_english(client, mianyang, portal_users):
    client.force_login(portal_users["shimin"])
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="my-todos"' in page
    assert not _todos(page)
    assert "暂无待办" not in page


@pytest.mark.parametrize("who", ["anonymous", "chuangkou"])
def test_no_todo_list_for_staff_or_the_anonymous(client, staff, who):
    CaseFactory(number="P-STAFF", user=staff["chuangkou"], status=Status.SUPPLEMENT)
    if who != "anonymous":
        client.force_login(staff[who])
    page = client.get("/").content.decode()
    assert 'id="my-todos"' not in page and "P-STAFF" not in page


# --------------------------------------------------------------------------- workbench


def _rate_card(user):
    return next(c for c in workbench.case_cards(user) if c.key == "cases.on_time_rate")


def _finished(n, *, late=0, days_ago=1, dept=None):
    done = timezone.now() - datetime.timedelta(days=days_ago)
    extra = {"item__department": dept} if dept else {}
    for i in range(n):
        CompletedCaseFactory(
            completed_at=done,
            final_sla_state="overdue" if i < late else "on_time",
            **extra,
        )


def test_without_finished_cases_the_rate_is_empty(staff):
    card = _rate_card(staff["kezhang"])
    assert card.empty and card.suffix == "" and card.tone == ""
    assert card.hint == "近30日办结 0 件"


@pytest.mark.parametrize(
    ("total", "late", "rate", "tone"),
    [(10, 0, 100, ""), (10, 1, 90, ""), (20, 3, 85, "warn"), (3, 1, 67, "warn")],
)
def test_the_on_time_rate_and_its_warning_below_90(staff, total, late, rate, tone):
    _finished(total, late=late)
    _finished(4, late=4, days_ago=31)  # older than 30 days: not counted
    card = _rate_card(staff["kezhang"])
    assert (card.count, card.suffix, card.tone, card.empty) == (rate, "%", tone, False)
    assert card.hint == f"近30日办结 {total} 件"
    assert card.url == reverse("cases:queue") + "?status=completed"


def test_the_rate_counts_only_what_the_head_can_see(staff):
    _finished(2)  # the market bureau's
    _finished(5, late=5, dept=department("510700", "tax"))
    assert _rate_card(staff["kezhang"]).count == 100  # the market bureau's head
    assert _rate_card(staff["jianduyuan"]).count == round(100 * 2 / 7)  # the city's supervisor


@pytest.mark.parametrize(
    ("username", "offered"),
    [
        ("chuangkou", True),
        ("jiangyou_chuangkou", True),
        ("chengban", True),
        ("kezhang", True),
        ("jianduyuan", False),  # supervises, takes nothing in
        ("shilingdao", False),  # reads only
        ("admin", True),  # a superuser may take the window's steps
    ],
)
def test_who_is_offered_the_intake(staff, client, username, offered):
    user = staff[username]
    assert workbench.may_take_in(user) is offered
    client.force_login(user)
    assert (client.get(reverse("cases:intake")).status_code == 200) is offered


def test_portal_accounts_get_no_case_cards(portal_users):
    assert workbench.case_cards(portal_users["qiye"]) == []
    assert not workbench.may_take_in(portal_users["qiye"])
