"""The monthly 好差评 figures counted by hand over factory-made ratings (months, departments,
voided ratings, rectified bad ones), the scoped reads, the look-up of a subject's rating, level
parsing and the hourly job."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.appeals.factories import MONDAY
from tests.core.factories import DeptHeadFactory, UserFactory, department
from tests.evaluations.factories import BadEvaluationFactory, EvaluationFactory, rectification
from yingshang.evaluations import jobs, selectors, services
from yingshang.evaluations.models import Evaluation, Level, Rectification, RectStatus

pytestmark = pytest.mark.django_db
JULY = MONDAY + datetime.timedelta(days=30)


@pytest.fixture
def power(mianyang):
    return department("510700", "power")


@pytest.fixture
def water(mianyang):
    return department("510700", "water")


def _rows(year=2025):
    return {(r["month"], r["department"]): r for r in selectors.monthly_stats(year)}


def test_monthly_figures_by_department_and_month(power, water):
    for level in (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC):
        EvaluationFactory(level=level, department=power)
    BadEvaluationFactory(department=power)
    EvaluationFactory(department=power, created_at=JULY)
    EvaluationFactory(department=water, level=Level.DISSATISFIED)
    rows = _rows()
    june = rows[("2025-06", power.name)]
    assert (june["total"], june["good"], june["bad"], june["rectified"]) == (4, 3, 1, 0)
    assert june["good_rate"] == 75.0 and june["rectify_rate"] == 0.0
    july = rows[("2025-07", power.name)]
    assert (july["total"], july["good_rate"], july["rectify_rate"]) == (1, 100.0, None)
    assert rows[("2025-06", water.name)]["good_rate"] == 0.0
    assert [r["month"] for r in selectors.monthly_stats(2025)] == sorted(
        r["month"] for r in selectors.monthly_stats(2025)
    )


def test_rates_round_to_one_decimal(power):
    EvaluationFactory(department=power)
    BadEvaluationFactory(department=power)
    BadEvaluationFactory(department=power)
    (row,) = selectors.monthly_stats(2025, department_id=power.pk)
    assert row["good_rate"] == 33.3


def test_only_closed_rectifications_count_as_rectified(power):
    done = rectification()
    open_one = rectification()
    Rectification.objects.filter(pk=done.pk).update(status=RectStatus.CLOSED)
    Rectification.objects.filter(pk=open_one.pk).update(status=RectStatus.CALLBACK)
    dept = done.department
    (row,) = selectors.monthly_stats(2025, department_id=dept.pk)
    assert (row["bad"], row["rectified"], row["rectify_rate"]) == (2, 1, 50.0)


def test_voided_ratings_are_left_out(power):
    EvaluationFactory(department=power)
    BadEvaluationFactory(department=power, voided=True)
    (row,) = selectors.monthly_stats(2025, department_id=power.pk)
    assert (row["total"], row["bad"], row["good_rate"]) == (1, 0, 100.0)


def test_the_public_table_groups_by_department_then_month(power, water):
    EvaluationFactory(department=water)
    EvaluationFactory(department=power)
    EvaluationFactory(department=power, created_at=JULY)
    table, months = selectors.stats_table(2025)
    assert months == ["2025-06", "2025-07"]
    assert list(table) == sorted(table)
    assert set(table[power.name]) == {"2025-06", "2025-07"}
    assert set(table[water.name]) == {"2025-06"}
    assert selectors.stats_table(1999) == ({}, [])


# ---------------------------------------------------------------------------- reads


def test_evaluations_for_scope_and_level(power, water, staff):
    good = EvaluationFactory(department=power)
    bad = BadEvaluationFactory(department=power)
    other = EvaluationFactory(department=water)
    admin = staff["admin"]
    assert {good, bad, other} <= set(selectors.evaluations_for(admin))
    assert set(selectors.evaluations_for(admin, level=Level.VERY_DISSATISFIED)) >= {bad}
    assert good not in selectors.evaluations_for(admin, level=Level.VERY_DISSATISFIED)
    head = DeptHeadFactory(department=power)
    assert set(selectors.evaluations_for(head)) == {good, bad}  # own department only
    assert not selectors.evaluations_for(UserFactory()).exists()


def test_rectification_reads(power, staff):
    rect = rectification()
    head = DeptHeadFactory(department=rect.department)
    stranger = DeptHeadFactory(department=department("510700", "water"))
    assert selectors.rectification_for_staff(head, rect.pk) == rect
    with pytest.raises(Http404):
        selectors.rectification_for_staff(stranger, rect.pk)
    assert list(selectors.rectifications_for(head, RectStatus.VERIFYING)) == [rect]
    assert not selectors.rectifications_for(head, RectStatus.CLOSED).exists()
    with pytest.raises(Http404):
        selectors.rectification_with_evaluation(10**9)
    loaded = selectors.rectification_with_evaluation(rect.pk)
    assert loaded.evaluation.pk == rect.evaluation_id


def test_an_evaluator_sees_only_their_own_rectifications():
    from django.contrib.auth.models import AnonymousUser

    rect = rectification()
    evaluator = rect.evaluation.evaluator
    assert list(selectors.rectifications_of_evaluator(evaluator)) == [rect]
    assert not selectors.rectifications_of_evaluator(UserFactory()).exists()
    assert not selectors.rectifications_of_evaluator(AnonymousUser()).exists()


def test_rating_of_a_subject_per_channel():
    ev = EvaluationFactory()
    subject = ev.content_type.get_object_for_this_type(pk=ev.object_id)
    assert selectors.rating_of(subject, "online") == ev
    assert selectors.rating_of(subject, "offline") is None
    ct, pk = services.subject_key(subject).split(":")
    assert (int(ct), pk) == (ev.content_type_id, str(subject.pk))


@pytest.mark.parametrize("value, level", [(5, 5), ("1", 1), ("3", 3)])
def test_levels_accepted(value, level):
    assert services.clean_level(value) == level


@pytest.mark.parametrize("value", [0, 6, "", None, "很好", "-1", [], "4.5"])
def test_levels_refused_on_the_named_field(value):
    with pytest.raises(ValidationError) as exc:
        services.clean_level(value, field="dimensions")
    assert list(exc.value.message_dict) == ["dimensions"]


def test_the_hourly_job_flags_overdue_rectifications(django_capture_on_commit_callbacks):
    rect = services.rectification_step(rectification(), None, "verify", note="属实", now=MONDAY)
    Rectification.objects.filter(pk=rect.pk).update(
        due_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    assert jobs.rectification_sweep.func() == 1
    assert Rectification.objects.get(pk=rect.pk).overdue_at is not None
    assert jobs.rectification_sweep.func() == 0  # once per round
    assert Evaluation.objects.get(pk=rect.evaluation_id).level == Level.VERY_DISSATISFIED


def test_a_verified_visitors_verdict_is_logged_as_the_evaluator():
    rect = rectification()
    Rectification.objects.filter(pk=rect.pk).update(status=RectStatus.AWAITING_VERDICT)
    services.rectification_step(rect, None, "accept", note="认可", verified=True, now=MONDAY)
    event = rect.events.latest("id")
    assert (event.action, event.actor_id, event.actor_name) == ("accept", None, "评价人")
    assert Rectification.objects.get(pk=rect.pk).status == RectStatus.CLOSED
