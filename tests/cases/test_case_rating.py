"""好差评 of a case: the evaluations app rates a real Case through its subject protocol."""

import pytest
from django.core.exceptions import ValidationError

from yingshang.cases import workflow
from yingshang.evaluations.models import Evaluation, Rectification
from yingshang.evaluations.services import submit_evaluation


def _complete(case, handler):
    for action in ("precheck", "accept", "start", "review"):
        case = workflow.transition(case, action, handler)
    return workflow.transition(case, "complete", handler, outcome="approved")


def test_case_rated_once_by_its_applicant_and_bad_rating_opens_rectification(
    submitted, staff, portal_users
):
    applicant = portal_users["qiye"]
    with pytest.raises(ValidationError) as unfinished:
        submit_evaluation(submitted, applicant, 5)
    assert "subject" in unfinished.value.message_dict

    case = _complete(submitted, staff["chengban"])
    with pytest.raises(ValidationError) as stranger:
        submit_evaluation(case, portal_users["shimin"], 5)
    assert "evaluator" in stranger.value.message_dict

    evaluation = submit_evaluation(case, applicant, 2, comment="补正要求前后不一")
    assert evaluation.department == case.department and evaluation.division == case.division
    assert evaluation.channel == "online" and case.number in evaluation.subject_label
    assert Rectification.objects.filter(evaluation=evaluation).exists()

    with pytest.raises(ValidationError) as twice:
        submit_evaluation(case, applicant, 5)
    assert "subject" in twice.value.message_dict
    assert Evaluation.objects.filter(object_id=str(case.pk)).count() == 1
