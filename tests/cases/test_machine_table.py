"""The case transition table (cases/machines.py) row by row: sources, target, who (the policy
action), guards, effects and after-steps of every edge, so that a rewrite of the table (the
decision and 审批 rows share helpers since duplicates D6) keeps each row as it was; and the two
decision guards and the four-eyes guard called directly on a stand-in context."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from yingshang.cases import machines as m
from yingshang.cases.models import OPEN_STATUSES, Status

S = Status
TABLE = {
    # action: (sources, target, permission, guards, effects, after)
    "precheck": ({S.SUBMITTED}, S.PRECHECKING, "handle", [], [], []),
    "accept": ({S.SUBMITTED, S.PRECHECKING}, S.ACCEPTED, "handle", [], ["_accept"], []),
    "reject": ({S.SUBMITTED, S.PRECHECKING}, S.REJECTED, "handle", [], ["_reject"], []),
    "request_supplement": (
        {S.SUBMITTED, S.PRECHECKING, S.ACCEPTED, S.IN_PROCESS},
        S.SUPPLEMENT,
        "supplement",
        [],
        ["_request_supplement"],
        [],
    ),
    "resubmit": (
        {S.SUPPLEMENT},
        None,
        "applicant",
        [],
        ["_restart_clock", "_clear_resume", "_resubmit"],
        [],
    ),
    "start": ({S.ACCEPTED}, S.IN_PROCESS, "decide", [], ["effect"], []),
    "review": ({S.IN_PROCESS}, S.IN_PROCESS, "decide", ["_at_review_step"], ["effect"], []),
    "suspend": ({S.ACCEPTED, S.IN_PROCESS}, S.SUSPENDED, "decide", [], ["_suspend"], []),
    "resume": (
        {S.SUSPENDED},
        None,
        "decide",
        [],
        ["_restart_clock", "_clear_resume", "_resume"],
        [],
    ),
    "complete": (
        {S.ACCEPTED, S.IN_PROCESS},
        S.COMPLETED,
        "decide",
        ["guard"],
        ["_complete"],
        ["_found_enterprise", "_issue_licence"],
    ),
    "submit_approval": (
        {S.ACCEPTED, S.IN_PROCESS},
        S.PENDING_APPROVAL,
        "decide",
        ["guard"],
        ["_submit_approval"],
        [],
    ),
    "approve": (
        {S.PENDING_APPROVAL},
        S.COMPLETED,
        "approve",
        ["_not_own_review"],
        ["_approve"],
        ["_found_enterprise", "_issue_licence"],
    ),
    "return_for_review": (
        {S.PENDING_APPROVAL},
        S.IN_PROCESS,
        "approve",
        ["_not_own_review"],
        ["_return_for_review"],
        [],
    ),
    "deliver": ({S.COMPLETED}, S.DELIVERED, "handle", [], ["_deliver"], ["_pickup_visit"]),
    "withdraw": (set(OPEN_STATUSES), S.WITHDRAWN, "applicant", [], ["_withdraw"], []),
}


# guards that need the cleaned data run after it (the new company's 统一社会信用代码)
CHECKS = {"complete": ["_new_enterprise"], "approve": ["_new_enterprise"]}
# after the commit: the department's heads learn of a case waiting for their 审批
ON_COMMIT = {"submit_approval": ["_notify_heads"]}


def _names(funcs):
    return [f.__name__ for f in funcs]


def test_the_table_has_exactly_these_edges_in_order():
    assert [e.action for e in m.CaseMachine.edges] == list(TABLE)


@pytest.mark.parametrize("action", list(TABLE))
def test_each_row(action):
    sources, target, permission, guards, effects, after = TABLE[action]
    edge = m.CaseMachine.edges[list(TABLE).index(action)]
    assert edge.sources == frozenset(sources)
    if target is None:
        assert edge.target is m._resume_target  # back to the status before the pause
        assert edge.target_label
    else:
        assert edge.target == target
    assert edge.permission == permission
    # every edge validates its data last (workflow._validate_data)
    assert _names(edge.guards) == [*guards, "_clean_data", *CHECKS.get(action, [])]
    assert _names(edge.effects) == effects
    assert _names(edge.after) == after
    assert _names(edge.on_commit) == ON_COMMIT.get(action, [])


def test_the_decision_guards_are_the_two_approval_rules():
    complete = m.CaseMachine.edges[list(TABLE).index("complete")]
    submit = m.CaseMachine.edges[list(TABLE).index("submit_approval")]
    assert complete.guards[0] is m._direct_decision
    assert submit.guards[0] is m._approval_needed


def _ctx(requires_approval, item=True):
    item_obj = SimpleNamespace(requires_head_approval=requires_approval) if item else None
    case = SimpleNamespace(item=item_obj, item_id=1 if item else None, title="食品经营许可")
    return SimpleNamespace(obj=case)


def test_a_direct_decision_is_refused_for_an_item_that_needs_approval():
    m._direct_decision(_ctx(False))  # no approval needed: passes
    m._direct_decision(_ctx(True, item=False))  # a bundle parent has no item: passes
    with pytest.raises(ValidationError) as err:
        m._direct_decision(_ctx(True))
    text = err.value.message_dict["action"][0]
    assert "食品经营许可" in text and "提交审批" in text


def test_an_approval_is_refused_for_an_item_that_does_not_need_it():
    m._approval_needed(_ctx(True))
    for ctx in (_ctx(False), _ctx(True, item=False)):
        with pytest.raises(ValidationError) as err:
            m._approval_needed(ctx)
        assert "不需要审批" in err.value.message_dict["action"][0]


def test_the_guards_speak_english_too():
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as err:
        m._approval_needed(_ctx(False))
    text = err.value.message_dict["action"][0]
    assert "食品经营许可" in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("食品经营许可", ""))


def test_four_eyes(monkeypatch):
    reviewer = SimpleNamespace(actor_id=7)
    monkeypatch.setattr(m, "_reviewer", lambda case: reviewer)
    head = SimpleNamespace(pk=7, is_superuser=False)
    other = SimpleNamespace(pk=8, is_superuser=False)
    root = SimpleNamespace(pk=7, is_superuser=True)
    with pytest.raises(ValidationError) as err:
        m._not_own_review(SimpleNamespace(actor=head, obj=None))
    assert "审核人不能审批自己审核的办件" in err.value.message_dict["action"][0]
    m._not_own_review(SimpleNamespace(actor=other, obj=None))
    m._not_own_review(SimpleNamespace(actor=root, obj=None))  # a superuser may
    m._not_own_review(SimpleNamespace(actor=None, obj=None))  # the system may
    monkeypatch.setattr(m, "_reviewer", lambda case: None)
    m._not_own_review(SimpleNamespace(actor=head, obj=None))  # nobody reviewed


def test_closing_a_decision_sets_the_clock_result(monkeypatch):
    calls = []
    monkeypatch.setattr(m, "finish_clock", lambda case, now: calls.append(now))
    case = SimpleNamespace(step="decision", working_days_used=3, days_saved=2)
    ctx = SimpleNamespace(obj=case, now="NOW", event_data={})
    m._close(ctx)
    assert case.completed_at == "NOW" and case.step == ""
    assert calls == ["NOW"]
    assert ctx.event_data == {"working_days_used": 3, "days_saved": 2}


def test_every_status_but_the_final_ones_has_a_way_out():
    leaving = {s for e in m.CaseMachine.edges for s in e.sources}
    final = {S.DELIVERED, S.REJECTED, S.WITHDRAWN}
    assert leaving == set(Status) - final
    # and every status but the first can be reached
    reached = {e.target for e in m.CaseMachine.edges if not callable(e.target)}
    reached |= {S.ACCEPTED, S.IN_PROCESS}  # the resume targets (补正前 / 挂起前 status)
    assert reached | {S.SUBMITTED} == set(Status)


def test_an_applicant_may_withdraw_only_while_the_case_is_open():
    withdraw = m.CaseMachine.edges[list(TABLE).index("withdraw")]
    assert withdraw.sources == frozenset(OPEN_STATUSES)
    assert not withdraw.sources & {S.COMPLETED, S.DELIVERED, S.REJECTED, S.WITHDRAWN}
    staff_only = {e.action for e in m.CaseMachine.edges if e.permission in m.STAFF_PERMISSIONS}
    assert staff_only == set(TABLE) - {"resubmit", "withdraw"}


def test_the_clock_fields_and_the_step_effects():
    case = SimpleNamespace(step="")
    m._set_clock(case, SimpleNamespace(due_at="DUE", warn_at="WARN", provisional=True))
    assert (case.due_at, case.warn_at, case.due_provisional) == ("DUE", "WARN", True)
    m._step("review")(SimpleNamespace(obj=case))
    assert case.step == "review"
