"""What each workbench action needs besides its edge (cases/workflow.py ``_validate_data``): the
field-level errors, and the data it passes on cleaned; and the buttons a case offers by who
asks (``allowed_actions``)."""

import pytest
from django.core.exceptions import ValidationError

from yingshang.cases import workflow
from yingshang.cases.models import Case, Outcome, Status, Step, SuspendReason

CASE = Case(status=Status.IN_PROCESS)


def _clean(action, **data):
    return workflow._validate_data(CASE, action, data)


def _errors(action, **data):
    with pytest.raises(ValidationError) as exc:
        _clean(action, **data)
    return exc.value.message_dict


@pytest.mark.parametrize(
    "action, data, field",
    [
        ("reject", {}, "reason"),
        ("reject", {"reason": "   "}, "reason"),
        ("request_supplement", {}, "missing"),
        ("request_supplement", {"missing": "\n  \n"}, "missing"),
        ("request_supplement", {"missing": [{"key": "k"}, ""]}, "missing"),
        ("suspend", {}, "suspend_reason"),
        ("suspend", {"kind": "holiday"}, "suspend_reason"),
        ("complete", {}, "outcome"),
        ("complete", {"outcome": "maybe"}, "outcome"),
        ("complete", {"outcome": Outcome.DENIED}, "reason"),
        ("deliver", {"method": "pigeon"}, "method"),
    ],
)
def test_missing_or_bad_data_is_a_field_error(action, data, field):
    assert list(_errors(action, **data)) == [field]


def test_supplement_lists_are_read_from_lines_names_or_dicts():
    lines = _clean("request_supplement", missing=" 营业执照 \n\n 身份证明 ")
    assert lines["missing"] == [{"key": "", "name": "营业执照"}, {"key": "", "name": "身份证明"}]
    mixed = _clean(
        "request_supplement",
        missing=[{"key": " licence ", "name": " 营业执照 "}, "法人身份证", {"name": ""}],
        note=" 请补交 ",
    )
    assert mixed == {
        "missing": [
            {"key": "licence", "name": "营业执照"},
            {"key": "", "name": "法人身份证"},
        ],
        "note": "请补交",
    }


def test_the_reason_or_the_note_is_the_note():
    assert _clean("reject", reason=" 不属于本部门 ")["note"] == "不属于本部门"
    assert _clean("reject", note="说明", reason="理由")["note"] == "说明"  # the note wins


@pytest.mark.parametrize("kind", list(SuspendReason.values))
def test_every_suspend_reason_is_accepted_under_either_name(kind):
    assert _clean("suspend", suspend_reason=kind)["suspend_reason"] == kind
    assert _clean("suspend", kind=kind)["suspend_reason"] == kind


def test_completion_outcomes():
    assert _clean("complete", outcome=Outcome.APPROVED) == {"outcome": Outcome.APPROVED, "note": ""}
    denied = _clean("complete", outcome=Outcome.DENIED, reason="条件不符")
    assert denied == {"outcome": Outcome.DENIED, "note": "条件不符"}


@pytest.mark.parametrize("method", ["delivery", "pickup", "electronic"])
def test_delivery_methods(method):
    assert _clean("deliver", method=method)["method"] == method


def test_delivery_defaults_to_post_and_other_actions_pass_only_the_note():
    assert _clean("deliver")["method"] == "delivery"
    assert _clean("accept", note=" ok ", anything="ignored") == {"note": "ok"}


def test_an_empty_outcome_names_both_choices():
    errors = _errors("complete", outcome="")
    assert errors == {"outcome": ["请选择办理结果：准予或不予。"]}


# ---------------------------------------------------------------------------- buttons


def test_allowed_actions_follow_the_status_and_who_asks():
    submitted = Case(status=Status.SUBMITTED)
    every = workflow.allowed_actions(submitted)
    staff = workflow.allowed_actions(submitted, by="staff")
    applicant = workflow.allowed_actions(submitted, by="applicant")
    assert set(staff) | set(applicant) == set(every)
    assert not set(staff) & set(applicant)
    for name in every:
        assert Status.SUBMITTED in workflow.TRANSITIONS[name].sources


def test_review_is_offered_only_at_the_review_step():
    reviewing = Case(status=Status.IN_PROCESS, step=Step.REVIEW)
    other = Case(status=Status.IN_PROCESS, step=Step.DECISION)
    assert "review" in workflow.allowed_actions(reviewing)
    assert "review" not in workflow.allowed_actions(other)


def test_a_finished_case_offers_nothing_to_the_applicant():
    assert workflow.allowed_actions(Case(status=Status.WITHDRAWN), by="applicant") == []
    assert workflow.allowed_actions(Case(status=Status.REJECTED)) == []


@pytest.mark.parametrize(
    "action, field_text",
    [("fly", "未知操作"), ("accept", "不能执行")],
)
def test_disallowed_actions_raise_the_machines_errors(action, field_text):
    with pytest.raises(ValidationError) as exc:
        workflow._disallowed(Case(status=Status.WITHDRAWN), action)
    assert field_text in str(exc.value)


@pytest.mark.parametrize(
    "actor, role",
    [(None, "system"), (Case(), "applicant")],
)
def test_actor_role(actor, role):
    assert workflow._actor_role(actor) == role
