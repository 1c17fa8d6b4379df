"""The reforms policy role by role: every role against every action (supervise, read, publish,
report, contribute) on one city task, then the same people through the pages and the API — what
the policy allows works, what it refuses is 403 (or 404 out of scope) and writes nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.core.factories import (
    AdminFactory,
    ClerkFactory,
    DeptHeadFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    UserFactory,
    department,
)
from tests.reforms.factories import ProgressReportFactory, TaskFactory
from yingshang.reforms import policies
from yingshang.reforms.models import Contribution, ProgressReport, Reminder, Task

ACTIONS = ("supervise", "read", "publish", "report", "contribute")

# who → (supervise, read, publish, report, contribute) on a task the city's market bureau
# leads and the city's tax bureau joins. ``read`` here is the role part of the rule; the
# division scope is the queryset's (the last column of the next table).
PEOPLE = {
    "lead handler": (lambda: HandlerFactory(), (0, 1, 0, 1, 1)),
    "lead dept head": (lambda: DeptHeadFactory(), (0, 1, 0, 1, 1)),
    "partner handler": (
        lambda: HandlerFactory(department=department("510700", "tax")),
        (0, 1, 0, 0, 1),
    ),
    "other dept handler": (
        lambda: HandlerFactory(department=department("510700", "police")),
        (0, 0, 0, 0, 0),
    ),
    "county market handler": (
        lambda: HandlerFactory(department=department("510781", "market")),
        (0, 0, 0, 0, 0),
    ),
    "window clerk": (lambda: ClerkFactory(), (0, 1, 0, 0, 0)),
    "city supervisor": (lambda: SupervisorFactory(), (1, 1, 1, 1, 0)),
    "bureau handler": (
        lambda: HandlerFactory(department=department("510700", "gov_service")),
        (1, 0, 1, 1, 0),
    ),
    # the bureau role, but the task is the city's: no report on its behalf (nor publishing)
    "county supervisor": (
        lambda: SupervisorFactory(department=department("510703", "gov_service")),
        (1, 1, 0, 0, 0),
    ),
    "city leader": (lambda: LeaderFactory(), (0, 1, 0, 0, 0)),
    "administrator": (lambda: AdminFactory(), (1, 1, 1, 1, 0)),
    "superuser": (lambda: UserFactory(is_superuser=True), (1, 1, 1, 1, 0)),
    "portal user": (lambda: UserFactory(), (0, 0, 0, 0, 0)),
}


@pytest.fixture
def task(mianyang):
    t = TaskFactory()
    t.partner_units.set([department("510700", "tax")])
    return t


@pytest.mark.parametrize("who", PEOPLE)
def test_policy_role_by_role(task, who):
    make, expected = PEOPLE[who]
    user = make()
    got = tuple(
        int(policies.can(user, action, task.programme if action == "publish" else task))
        for action in ACTIONS
    )
    assert dict(zip(ACTIONS, got, strict=True)) == dict(zip(ACTIONS, expected, strict=True))


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_may_do_nothing(task, action):
    assert not policies.can(AnonymousUser(), action, task)


# who → the task is visible (page 200, API 200) or not (404 on both)
VISIBLE = {
    "lead handler": True,
    "partner handler": True,
    "other dept handler": False,
    "county market handler": False,
    "window clerk": True,
    "city supervisor": True,
    "county supervisor": False,  # the bureau role, but the programme is the city's
    "city leader": True,
    "administrator": True,
}


@pytest.mark.parametrize("who", VISIBLE)
def test_reads_are_scoped_pages_and_api_alike(task, client, who):
    user = PEOPLE[who][0]()
    client.force_login(user)
    assert Task.objects.visible_to(user).filter(pk=task.pk).exists() is VISIBLE[who]
    status = 200 if VISIBLE[who] else 404
    assert client.get(f"/staff/reforms/tasks/{task.pk}/").status_code == status
    assert client.get(f"/api/reforms/tasks/{task.pk}/").status_code == status
    listed = [t["id"] for t in client.get("/api/reforms/tasks/").json()["results"]]
    assert (task.pk in listed) is VISIBLE[who]


# who → status of a progress report posted on the task page (302 = accepted by the service)
REPORT_PAGE = {
    "lead handler": 302,
    "lead dept head": 302,
    "city supervisor": 302,
    "partner handler": 403,
    "window clerk": 403,
    "city leader": 403,
    "other dept handler": 404,
    "county supervisor": 404,
}


@pytest.mark.parametrize("who", REPORT_PAGE)
def test_report_through_the_page_role_by_role(task, client, who):
    client.force_login(PEOPLE[who][0]())
    r = client.post(
        f"/staff/reforms/tasks/{task.pk}/",
        {"action": "report", "percent": "20", "text": "完成系统升级"},
    )
    assert r.status_code == REPORT_PAGE[who]
    assert ProgressReport.objects.filter(task=task).count() == (1 if r.status_code == 302 else 0)


# who → status of a contribution posted on the task page
CONTRIBUTE_PAGE = {
    "partner handler": 302,
    "lead handler": 302,
    "city supervisor": 403,
    "window clerk": 403,
    "city leader": 403,
}


@pytest.mark.parametrize("who", CONTRIBUTE_PAGE)
def test_contribution_through_the_page_role_by_role(task, client, who):
    client.force_login(PEOPLE[who][0]())
    r = client.post(
        f"/staff/reforms/tasks/{task.pk}/", {"action": "contribution", "text": "税务部分已完成"}
    )
    assert r.status_code == CONTRIBUTE_PAGE[who]
    assert Contribution.objects.filter(task=task).count() == (1 if r.status_code == 302 else 0)


# who → status of the bureau's actions (remind, review, milestone) through the page
BUREAU_ACTIONS = {
    "city supervisor": 302,
    "administrator": 302,
    "bureau handler": 302,
    "lead handler": 403,
    "city leader": 403,
    "window clerk": 403,
}


@pytest.mark.parametrize("who", BUREAU_ACTIONS)
def test_bureau_actions_through_the_page_role_by_role(task, client, who):
    user = PEOPLE[who][0]()
    client.force_login(user)
    expected = BUREAU_ACTIONS[who]
    if who == "bureau handler":
        # the bureau's own handler is department-bound: it must lead or join to see the task
        task.partner_units.add(user.department)
    url = f"/staff/reforms/tasks/{task.pk}/"
    assert client.post(url, {"action": "remind", "note": "请尽快报送"}).status_code == expected
    assert Reminder.objects.filter(task=task).exists() is (expected == 302)
    report = ProgressReportFactory(task=task)
    r = client.post(url, {"action": "accept", "report": report.pk, "note": "同意"})
    assert r.status_code == expected
    report.refresh_from_db()
    assert report.status == ("accepted" if expected == 302 else "submitted")
    r = client.post(url, {"action": "milestone", "title": "系统上线", "due_date": "2026-06-30"})
    assert r.status_code == expected
    assert task.milestones.filter(title="系统上线").exists() is (expected == 302)


@pytest.mark.parametrize(
    "who,status",
    [("city supervisor", 302), ("administrator", 302), ("city leader", 403), ("lead handler", 403)],
)
def test_who_may_run_the_sweep_from_the_supervision_page(task, client, who, status):
    client.force_login(PEOPLE[who][0]())
    r = client.post(f"/staff/reforms/{task.programme_id}/supervision/")
    assert r.status_code == status


@pytest.mark.parametrize(
    "who,status",
    [("city supervisor", 200), ("city leader", 403), ("lead handler", 403), ("window clerk", 403)],
)
def test_who_may_open_the_import_page(task, client, who, status):
    client.force_login(PEOPLE[who][0]())
    assert client.get(f"/staff/reforms/{task.programme_id}/import/").status_code == status


def test_the_service_refuses_a_report_outside_the_bureaus_division(task):
    """The report rule itself holds the division scope: a county bureau calling the service
    directly (not through a page or the API, which answer 404 first) writes nothing for a city
    task, and the city bureau may."""
    from django.core.exceptions import PermissionDenied

    from yingshang.reforms import services

    county = SupervisorFactory(department=department("510703", "gov_service"))
    with pytest.raises(PermissionDenied):
        services.submit_report(task, user=county, percent=30, text="代报")
    assert not ProgressReport.objects.filter(task=task).exists()
    city = SupervisorFactory()
    services.submit_report(task, user=city, percent=30, text="代报")
    assert ProgressReport.objects.get(task=task).percent == 30
