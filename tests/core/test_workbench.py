"""工作台: each role opens on its to-dos (cards from the apps' workbench.py providers), every
figure links to a list the role can open and that list shows what the figure counted."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.factories import CaseFactory
from tests.core.factories import (
    ClerkFactory,
    DeptHeadFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    department,
)
from yingshang.platform import workbench

pytestmark = pytest.mark.django_db

CARD = re.compile(r'id="card-([\w-]+)".*?class="stat"[^>]*>([^<]+)<', re.S)


def _cards(response) -> dict[str, str]:
    return dict(CARD.findall(response.content.decode()))


def _today_end():
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return start + datetime.timedelta(days=1) - datetime.timedelta(seconds=1)


@pytest.fixture
def cases(mianyang):
    """Market-bureau cases: one overdue in process, one due today, one at the window; and an
    overdue case of another department (never counted for market staff)."""
    now = timezone.now()
    overdue = CaseFactory(
        number="WB-OVERDUE",
        status="in_process",
        accepted_at=now - datetime.timedelta(days=10),
        due_at=now - datetime.timedelta(days=1),
        warn_at=now - datetime.timedelta(days=3),
    )
    today = CaseFactory(
        number="WB-TODAY",
        status="accepted",
        accepted_at=now - datetime.timedelta(days=3),
        due_at=_today_end(),
        warn_at=now - datetime.timedelta(hours=1),
    )
    window = CaseFactory(number="WB-WINDOW", status="submitted")
    other = CaseFactory(
        number="WB-OTHER",
        status="in_process",
        department=department("510700", "tax") if _has("tax") else department("510700", "hall"),
        due_at=now - datetime.timedelta(days=1),
        warn_at=now - datetime.timedelta(days=2),
    )
    return {"overdue": overdue, "today": today, "window": window, "other": other}


def _has(function_key):
    from yingshang.core.models import Department

    return Department.objects.filter(division__code="510700", function_key=function_key).exists()


def test_handler_opens_on_due_today_overdue_and_decisions(cases, login):
    client = login(HandlerFactory())
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 200
    cards = _cards(response)
    assert cards["cases-due_today"] == "1"
    assert cards["cases-overdue"] == "1"  # the other department's overdue case is not counted
    assert cards["cases-decision"] == "2"  # accepted + in process
    page = response.content.decode()
    assert "可见区划" not in page  # the old figures are gone
    # the earliest due date is shown
    assert timezone.localtime(cases["overdue"].due_at).strftime("%Y-%m-%d") in page


def test_each_figure_links_to_the_list_it_counts(cases, login):
    handler = HandlerFactory()
    client = login(handler)
    user_cards = {c.key: c for c in workbench.cards_for(handler)}
    overdue = user_cards["cases.overdue"]
    listing = client.get(overdue.url).content.decode()
    assert "WB-OVERDUE" in listing
    assert "WB-TODAY" not in listing
    assert "WB-OTHER" not in listing
    today = client.get(user_cards["cases.due_today"].url).content.decode()
    assert "WB-TODAY" in today and "WB-WINDOW" not in today
    assert "待办：今日到期" in today  # the queue says which to-do list it shows


def test_clerk_sees_the_window_and_returned_supplements(cases, login):
    from tests.cases.factories import CaseEventFactory

    returned = CaseFactory(number="WB-RETURNED", status="accepted")
    CaseEventFactory(
        case=returned, action="resubmit", from_state="supplement_requested", to_state="accepted"
    )
    clerk = ClerkFactory(division=cases["window"].division)
    client = login(clerk)
    cards = _cards(client.get(reverse("core:workbench")))
    assert int(cards["cases-window"]) >= 1
    assert cards["cases-resubmitted"] == "1"
    page = client.get(reverse("cases:queue") + "?todo=resubmitted").content.decode()
    assert "WB-RETURNED" in page and "WB-WINDOW" not in page


@pytest.mark.parametrize(
    "factory", [ClerkFactory, HandlerFactory, DeptHeadFactory, SupervisorFactory, LeaderFactory]
)
def test_every_card_link_opens_for_its_role(factory, cases, login):
    user = factory()
    client = login(user)
    cards = workbench.cards_for(user)
    assert cards, "every role has to-dos or figures"
    for card in cards:
        if card.url:
            assert client.get(card.url).status_code == 200, card
    response = client.get(reverse("core:workbench"))
    links = re.findall(r'<a[^>]+href="(/[^"#]*)"', response.content.decode())
    for url in set(links):
        if url.startswith(("/api/", "/admin/", "/logout")):
            continue
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_modules_offered_only_to_roles_that_may_open_them(cases, login):
    leader_page = login(LeaderFactory()).get(reverse("core:workbench")).content.decode()
    assert reverse("cases:intake") not in leader_page  # read-only: no intake
    assert reverse("core:audit-list") not in leader_page
    supervisor_page = login(SupervisorFactory()).get(reverse("core:workbench")).content.decode()
    assert reverse("core:audit-list") in supervisor_page


def test_head_and_supervisor_cards(cases, login):
    head = DeptHeadFactory()
    keys = {c.key for c in workbench.cards_for(head)}
    assert {"cases.approval", "cases.overdue", "cases.on_time_rate"} <= keys
    supervisor = SupervisorFactory()
    keys = {c.key for c in workbench.cards_for(supervisor)}
    assert {"cases.warning", "cases.overdue", "appeals.escalated"} <= keys
    leader = {c.key for c in workbench.cards_for(LeaderFactory())}
    assert "cases.decision" not in leader and "appeals.escalated" in leader


def test_portal_user_has_no_workbench(client, mianyang):
    from tests.core.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("core:workbench")).status_code == 403


def test_escalations_and_bad_ratings_link_to_their_lists(mianyang, login):
    from tests.appeals.factories import AppealFactory, ClosedAppealFactory
    from tests.evaluations.factories import rectification

    now = timezone.now()
    AppealFactory(
        title="督办中的诉求",
        status="escalated",
        escalated_at=now,
        due_at=now + datetime.timedelta(2),
    )
    ClosedAppealFactory(title="已办结的督办诉求", escalated_at=now)  # escalated once, now closed
    rect = rectification()
    supervisor = SupervisorFactory()
    client = login(supervisor)
    cards = {c.key: c for c in workbench.cards_for(supervisor)}
    escalated = cards["appeals.escalated"]
    assert escalated.count == 1
    listing = client.get(escalated.url).content.decode()
    assert "督办中的诉求" in listing and "已办结的督办诉求" not in listing
    bad = cards["evaluations.bad_open"]
    assert bad.count == 1
    assert client.get(bad.url).status_code == 200
    rect.status = "closed"
    rect.save()
    assert {c.key: c for c in workbench.cards_for(supervisor)}["evaluations.bad_open"].count == 0
