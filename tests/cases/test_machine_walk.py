"""The case machine walked edge by edge (tests/kit_walk.py)."""

import pytest

from tests.kit_walk import walk
from yingshang.cases.machines import APPLICANT, CaseMachine
from yingshang.cases.models import Case, Outcome, Status, Step, SuspendReason
from yingshang.catalog.models import ServiceItem

APPROVAL_EDGES = {"submit_approval", "approve", "return_for_review"}

DATA = {
    "reject": {"reason": "不符合条件"},
    "request_supplement": {"missing": ["营业执照"]},
    "suspend": {"suspend_reason": SuspendReason.values[0]},
    "complete": {"outcome": Outcome.DENIED, "reason": "经审查不符合法定条件"},
    "submit_approval": {"outcome": Outcome.DENIED, "reason": "经审查不符合法定条件"},
    "approve": {"reason": "同意承办人审核意见"},
    "return_for_review": {"reason": "请补充审查"},
    "deliver": {"method": "delivery"},
}


@pytest.fixture
def root(staff):
    """The competent department's head: he may take every staff edge (a superuser decides
    nothing: separation of duties)."""
    return staff["kezhang"]


def test_every_case_edge(submitted, root):
    def make(state):
        Case.objects.filter(pk=submitted.pk).update(
            status=state,
            step=Step.REVIEW if state == Status.IN_PROCESS else "",
            resume_status=Status.ACCEPTED if state in (Status.SUPPLEMENT, Status.SUSPENDED) else "",
            # a denial: one event (an approval adds the e-licence's)
            proposed_outcome=Outcome.DENIED if state == Status.PENDING_APPROVAL else "",
        )
        return Case.objects.get(pk=submitted.pk)

    def call(edge, case):
        # the 审核 → 审批 edges need an item with 审批, 办结 one without
        ServiceItem.objects.filter(pk=case.item_id).update(
            requires_head_approval=edge.action in APPROVAL_EDGES
        )
        case.item.refresh_from_db()
        actor = case.user if edge.permission == APPLICANT else root
        return CaseMachine.transition(case, edge.action, actor=actor, **DATA.get(edge.action, {}))

    allowed, refused = walk(
        CaseMachine,
        make,
        call,
        computed=lambda edge, case: case.resume_status,
        events=lambda case: case.events,
    )
    assert (allowed, refused) == (29, 136)  # 15 actions × 11 states


def test_review_needs_the_review_step(submitted, root):
    from django.core.exceptions import ValidationError

    Case.objects.filter(pk=submitted.pk).update(status=Status.IN_PROCESS, step=Step.DECISION)
    case = Case.objects.get(pk=submitted.pk)
    with pytest.raises(ValidationError) as exc:
        CaseMachine.transition(case, "review", actor=root)
    assert "action" in exc.value.message_dict


def test_unknown_action_is_a_field_error(submitted, root):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        CaseMachine.transition(submitted, "teleport", actor=root)
    assert exc.value.message_dict == {"action": ["未知操作“teleport”。"]}
