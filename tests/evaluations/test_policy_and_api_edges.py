"""好差评's policy role by role (rectify, bureau, evaluator), the API's subject resolution with
every kind of bad subject, the verdict form and the workbench card's counts and tones."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.core.factories import HandlerFactory, SupervisorFactory, UserFactory, department
from tests.evaluations.factories import rectification
from yingshang.core.models import Role
from yingshang.evaluations import policies
from yingshang.evaluations.api import resolve_subject
from yingshang.evaluations.forms import VerdictForm
from yingshang.evaluations.models import Rectification
from yingshang.evaluations.workbench import evaluation_cards

pytestmark = pytest.mark.django_db


@pytest.fixture
def rect(mianyang):
    return rectification()


@pytest.fixture
def power(mianyang):
    return department("510700", "power")


def test_rectify_belongs_to_the_rated_department(rect, power, staff):
    assert rect.department_id == power.pk
    own = HandlerFactory(department=power)
    other = HandlerFactory()
    assert policies.can(own, "rectify", rect)
    assert not policies.can(other, "rectify", rect)
    assert policies.can(staff["admin"], "rectify", rect) == staff["admin"].is_superuser or (
        staff["admin"].department_id == rect.department_id
    )
    with pytest.raises(ValidationError) as exc:
        policies.check(other, "rectify", rect)
    assert "被评价部门" in exc.value.message_dict["department"][0]


def test_portal_users_and_visitors_never_rectify(rect):
    assert not policies.can(rect.evaluation.evaluator, "rectify", rect)
    assert not policies.can(AnonymousUser(), "rectify", rect)
    assert not policies.can(None, "rectify", rect)


def test_bureau_decisions_role_by_role(rect, power, staff):
    assert policies.can(SupervisorFactory(), "bureau", rect)
    assert not policies.can(HandlerFactory(department=power), "bureau", rect)
    assert not policies.can(rect.evaluation.evaluator, "bureau", rect)
    for user in staff.values():
        if user.role == Role.LEADER:  # city leaders read only, even filed under the bureau
            assert not policies.can(user, "bureau", rect), user.username
        if user.role in (Role.SUPERVISOR, Role.ADMIN):
            assert policies.can(user, "bureau", rect), user.username
    with pytest.raises(ValidationError) as exc:
        policies.check(HandlerFactory(department=power), "bureau", rect)
    assert "监督管理局" in exc.value.message_dict["user"][0]


def test_only_the_evaluator_gives_the_verdict(rect, power):
    evaluator = rect.evaluation.evaluator
    assert evaluator is not None
    assert policies.can(evaluator, "evaluator", rect)
    assert not policies.can(UserFactory(role=""), "evaluator", rect)
    assert not policies.can(HandlerFactory(department=power), "evaluator", rect)
    assert not policies.can(AnonymousUser(), "evaluator", rect)


def test_an_anonymous_rating_has_no_evaluator_to_give_the_verdict(rect):
    type(rect.evaluation).objects.filter(pk=rect.evaluation_id).update(evaluator=None)
    rect = Rectification.objects.select_related("evaluation").get(pk=rect.pk)
    assert not policies.can(AnonymousUser(), "evaluator", rect)
    assert not policies.can(UserFactory(role=""), "evaluator", rect)


# --------------------------------------------------------------------------- subjects


@pytest.mark.parametrize(
    ("subject_type", "field"),
    [
        ("nope.nothing", "subject_type"),
        ("not-a-label", "subject_type"),
        ("", "subject_type"),
        ("core.user", "subject_type"),  # a model without the evaluation protocol
        ("evaluations.evaluation", "subject_type"),
    ],
)
def test_unknown_or_unratable_subject_types(rect, subject_type, field):
    with pytest.raises(ValidationError) as exc:
        resolve_subject(subject_type, "1")
    assert field in exc.value.message_dict


@pytest.mark.parametrize("subject_id", ["abc", "-1", "1.0", "", "99999999"])
def test_unknown_subject_ids(rect, subject_id):
    with pytest.raises(ValidationError) as exc:
        resolve_subject("appeals.appeal", subject_id)
    assert "subject_id" in exc.value.message_dict


def test_a_rated_appeal_resolves(rect):
    appeal = rect.evaluation.content_type.get_object_for_this_type(pk=rect.evaluation.object_id)
    assert resolve_subject("appeals.appeal", str(appeal.pk)) == appeal
    assert resolve_subject("appeals.Appeal", str(appeal.pk)) == appeal  # the model is case-blind
    with pytest.raises(ValidationError):
        resolve_subject("APPEALS.appeal", str(appeal.pk))  # the app label is not


def test_the_api_refuses_a_bad_subject_as_a_field_error(client, rect):
    client.force_login(rect.evaluation.evaluator)
    response = client.post(
        "/api/evaluations/",
        {"subject_type": "core.user", "subject_id": "1", "level": 5},
        content_type="application/json",
    )
    assert response.status_code == 400 and "subject_type" in response.json()
    response = client.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": "1", "level": 4.5},
        content_type="application/json",
    )
    assert response.status_code == 400 and "level" in response.json()


# --------------------------------------------------------------------------- verdict form


@pytest.mark.parametrize(
    ("data", "action"),
    [({"satisfied": "yes"}, "accept"), ({"satisfied": "no"}, "reject"), ({}, "reject")],
)
def test_the_verdict_form_says_accept_only_for_yes(data, action):
    form = VerdictForm(data)
    assert form.is_valid()
    assert form.action() == action


def test_the_verdict_form_refuses_other_answers():
    assert not VerdictForm({"satisfied": "maybe"}).is_valid()
    assert not VerdictForm({"satisfied": "yes", "note": "x" * 2001}).is_valid()


# --------------------------------------------------------------------------- workbench


def test_no_card_for_clerks_and_applicants(rect, power):
    assert evaluation_cards(UserFactory(role=Role.CLERK, department=power)) == []
    assert evaluation_cards(rect.evaluation.evaluator) == []


def test_the_card_counts_open_rectifications_and_warns(rect, power):
    handler = HandlerFactory(department=power)
    (card,) = evaluation_cards(handler)
    assert card.count == 1 and card.tone in ("warn", "danger")
    assert card.url.endswith("?status=open") and card.group == "todo"
    Rectification.objects.filter(pk=rect.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    (card,) = evaluation_cards(handler)
    assert card.tone == "danger" and "1" in card.hint
    Rectification.objects.filter(pk=rect.pk).update(status="closed")
    (card,) = evaluation_cards(handler)
    assert card.count == 0 and card.tone == "" and card.due is None


def test_the_bureau_watches_rather_than_does(rect, staff):
    leader = next((u for u in staff.values() if u.role == Role.LEADER), None)
    if leader is None:
        pytest.skip("no city leader in the demo staff")  # pragma: no cover
    (card,) = evaluation_cards(leader)
    assert card.group == "watch" and card.count == 1
