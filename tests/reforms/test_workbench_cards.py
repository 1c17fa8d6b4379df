"""The reforms cards of the workbench (工作台): lagging and overdue tasks per programme the
person can open — counted within their scope, the earliest deadline, the schedule link filtered
by state, to-do or watch by role, at most three programmes (those with the most such tasks)."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.core.factories import (
    ClerkFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    department,
)
from tests.reforms.factories import ProgrammeFactory, TaskFactory
from yingshang.platform.workbench import TODO, WATCH
from yingshang.reforms.models import TaskState
from yingshang.reforms.workbench import MAX_PROGRAMMES, reform_cards

D = datetime.date


def _tasks(programme, state, deadlines, leads=None):
    for d in deadlines:
        TaskFactory(programme=programme, state=state, deadline=d, leads=leads)


@pytest.fixture
def programme(mianyang):
    p = ProgrammeFactory(title="优化营商环境三年行动")
    _tasks(p, TaskState.LAGGING, [D(2026, 9, 30), D(2026, 6, 30)])
    _tasks(p, TaskState.OVERDUE, [D(2026, 3, 31)])
    _tasks(p, TaskState.ON_TRACK, [D(2026, 1, 31)])  # on track: never counted
    _tasks(p, TaskState.OVERDUE, [D(2026, 2, 28)], leads=[department("510700", "tax")])
    return p


def _by_key(cards):
    return {c.key: c for c in cards}


def test_a_supervisor_gets_both_cards_as_to_dos(programme):
    cards = _by_key(reform_cards(SupervisorFactory()))
    lagging = cards[f"reforms.{programme.pk}.lagging"]
    overdue = cards[f"reforms.{programme.pk}.overdue"]
    assert (lagging.count, lagging.due, lagging.tone, lagging.order) == (
        2,
        D(2026, 6, 30),
        "warn",
        75,
    )
    assert (overdue.count, overdue.due, overdue.tone, overdue.order) == (
        2,
        D(2026, 2, 28),
        "danger",
        70,
    )
    assert {c.group for c in cards.values()} == {TODO}
    assert lagging.hint == str(programme)
    url = urlsplit(overdue.url)
    assert url.path == f"/staff/reforms/{programme.pk}/"
    assert parse_qs(url.query) == {"state": ["overdue"]}


def test_the_cards_link_to_a_schedule_listing_exactly_the_counted_tasks(programme, client):
    user = SupervisorFactory()
    client.force_login(user)
    for card in reform_cards(user):
        page = client.get(card.url)
        assert page.status_code == 200
        assert len(list(page.context["tasks"])) == card.count


def test_a_handler_counts_only_the_tasks_of_its_department(programme):
    cards = _by_key(reform_cards(HandlerFactory(department=department("510700", "tax"))))
    assert set(cards) == {f"reforms.{programme.pk}.overdue"}
    assert cards[f"reforms.{programme.pk}.overdue"].count == 1
    assert cards[f"reforms.{programme.pk}.overdue"].group == TODO


def test_a_city_leader_watches_and_a_window_clerk_gets_nothing(programme):
    cards = reform_cards(LeaderFactory())
    assert len(cards) == 2 and {c.group for c in cards} == {WATCH}
    assert reform_cards(ClerkFactory()) == []


def test_out_of_scope_programmes_give_no_card(programme):
    county = SupervisorFactory(department=department("510781", "gov_service"))
    assert reform_cards(county) == []


def test_only_the_programmes_with_the_most_trouble_get_cards(mianyang):
    programmes = [ProgrammeFactory() for _ in range(MAX_PROGRAMMES + 1)]
    for n, p in enumerate(programmes):  # programme n has n + 1 lagging tasks
        _tasks(p, TaskState.LAGGING, [D(2026, 12, 31)] * (n + 1))
    cards = reform_cards(SupervisorFactory())
    shown = [int(c.key.split(".")[1]) for c in cards]
    assert shown == [p.pk for p in reversed(programmes)][:MAX_PROGRAMMES]
    assert [c.count for c in cards] == [MAX_PROGRAMMES + 1 - i for i in range(MAX_PROGRAMMES)]


def test_no_lagging_or_overdue_task_means_no_card(mianyang):
    p = ProgrammeFactory()
    _tasks(p, TaskState.ON_TRACK, [D(2026, 12, 31)])
    _tasks(p, TaskState.COMPLETED, [D(2026, 6, 30)])
    assert reform_cards(SupervisorFactory()) == []


def test_the_workbench_page_shows_the_cards(programme, client):
    client.force_login(SupervisorFactory())
    body = client.get("/staff/").content.decode()
    assert "进度滞后任务" in body and "逾期未完成任务" in body
    assert f"/staff/reforms/{programme.pk}/?state=overdue" in body
