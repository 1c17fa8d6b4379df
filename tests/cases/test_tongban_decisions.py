"""全域通办 (#16 item 1): any hall may take in and accept a city-scope item on behalf of the
competent department; the case is routed there, and only that department's handlers and head
decide (开始审查, 审查, 挂起/恢复, 办结). The finding: the 江油 window clerk submitted a case
for an item of a 涪城 department, then accepted, approved and delivered it himself."""

import pytest
from django.core.exceptions import PermissionDenied

from tests.cases.factories import CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import ClerkFactory, DeptHeadFactory, HandlerFactory, department
from yingshang.cases import workflow
from yingshang.cases.models import Case, Status

DECISIONS = ["start", "suspend", "complete"]


@pytest.fixture
def tongban(mianyang):
    """A 涪城 market-bureau item on the city's 通办 list, taken in at the 江油 hall."""
    fucheng_market = department("510703", "market")
    item = ItemWithVersionFactory(department=fucheng_market, division=fucheng_market.division)
    jiangyou_hall = department("510781", "hall")
    case = CaseFactory(
        item=item,
        division=jiangyou_hall.division,
        intake_department=jiangyou_hall,
        channel="window",
        number="51078120261012000001",
    )
    return {
        "case": case,
        "clerk": ClerkFactory(department=jiangyou_hall),
        "handler": HandlerFactory(department=fucheng_market),
        "head": DeptHeadFactory(department=fucheng_market),
        "other_handler": HandlerFactory(department=department("510781", "market")),
    }


def _data(action):
    return {
        "complete": {"outcome": "approved"},
        "suspend": {"suspend_reason": "hearing", "note": "听证"},
    }.get(action, {})


def test_the_accepting_hall_accepts_on_behalf_but_never_decides(tongban):
    case, clerk = tongban["case"], tongban["clerk"]
    assert case.department.division.code == "510703"  # routed to the competent department
    case = workflow.transition(case, "accept", clerk, channel="window")
    assert case.status == Status.ACCEPTED
    assert "complete" not in workflow.allowed_actions(case, by="staff", actor=clerk)
    assert "complete" in workflow.allowed_actions(case, by="staff", actor=tongban["handler"])
    for action in DECISIONS:
        with pytest.raises(PermissionDenied):
            workflow.transition(case, action, clerk, **_data(action))
        case.refresh_from_db()
        assert case.status == Status.ACCEPTED and case.completed_at is None
    assert case.events.filter(action__in=DECISIONS).count() == 0


@pytest.mark.parametrize("who", ["handler", "head"])
def test_the_competent_department_decides(tongban, who):
    case = workflow.transition(tongban["case"], "accept", tongban["clerk"], channel="window")
    case = workflow.transition(case, "complete", tongban[who], outcome="approved")
    assert case.status == Status.COMPLETED
    # the accepting hall hands the result over (送达 is not a decision)
    case = workflow.transition(case, "deliver", tongban["clerk"], method="pickup")
    assert case.status == Status.DELIVERED


def test_a_handler_of_another_department_gets_404(tongban):
    from django.http import Http404

    case = workflow.transition(tongban["case"], "accept", tongban["clerk"], channel="window")
    with pytest.raises(Http404):
        workflow.transition(case, "complete", tongban["other_handler"], outcome="approved")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_the_workbench_shows_no_decision_buttons_and_refuses_the_post(tongban, client):
    case = workflow.transition(tongban["case"], "accept", tongban["clerk"], channel="window")
    client.force_login(tongban["clerk"])
    page = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert 'data-testid="do-complete"' not in page
    r = client.post(
        f"/staff/cases/{case.number}/action/", {"action": "complete", "outcome": "approved"}
    )
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    r = client.post(
        f"/api/cases/{case.number}/complete/",
        {"outcome": "approved"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
