"""The rectification machine under random walks (Hypothesis): whatever the order of the steps,
a step the table allows moves to its target and logs one event; any other step is refused
with the status error and changes nothing; the rounds only grow on 不认可; a voided or closed
rectification accepts no further step."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.appeals.factories import MONDAY
from tests.core.factories import HandlerFactory, SupervisorFactory, department
from tests.evaluations.factories import rectification
from yingshang.evaluations import services
from yingshang.evaluations.machines import RectificationMachine
from yingshang.evaluations.models import Evaluation, Rectification, RectStatus

TABLE = RectificationMachine.by_state()
ACTIONS = ["verify", "contest", "uphold", "overturn", "report", "callback", "accept", "reject"]
DEPARTMENT, BUREAU = {"verify", "contest", "report"}, {"uphold", "overturn", "callback"}
FINAL = {RectStatus.CLOSED, RectStatus.VOIDED}


@pytest.fixture
def actors(mianyang):
    return {
        "department": HandlerFactory(department=department("510700", "power")),
        "bureau": SupervisorFactory(),
    }


def _actor(action, actors, rect):
    if action in DEPARTMENT:
        return actors["department"]
    if action in BUREAU:
        return actors["bureau"]
    return rect.evaluation.evaluator


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=10))
def test_random_walks_follow_the_table(actors, walk):
    rect = rectification()
    now = MONDAY
    rounds = rect.rounds
    for action in walk:
        now += datetime.timedelta(hours=1)
        before = Rectification.objects.get(pk=rect.pk)
        events = before.events.count()
        allowed = TABLE.get(before.status, {})
        if action in allowed:
            rect = services.rectification_step(
                before, _actor(action, actors, before), action, "说明", now=now
            )
            assert rect.status == allowed[action]
            assert rect.events.count() == events + 1
            if action == "reject":
                assert rect.rounds == rounds + 1
            rounds = rect.rounds
        else:
            with pytest.raises(ValidationError) as exc:
                services.rectification_step(
                    before, _actor(action, actors, before), action, "说明", now=now
                )
            assert "status" in exc.value.message_dict
            after = Rectification.objects.get(pk=rect.pk)
            assert (after.status, after.rounds) == (before.status, before.rounds)
            assert after.events.count() == events
            rect = after
    final = Rectification.objects.get(pk=rect.pk)
    voided = Evaluation.objects.get(pk=final.evaluation_id).voided
    assert voided == (final.status == RectStatus.VOIDED)
    if final.status in FINAL:
        assert final.closed_at is not None
        assert TABLE.get(final.status, {}) == {}


def test_the_table_has_no_way_out_of_closed_or_voided():
    for state in FINAL:
        assert not TABLE.get(state)
    reachable = {RectStatus.VERIFYING}
    frontier = [RectStatus.VERIFYING]
    while frontier:
        for target in TABLE.get(frontier.pop(), {}).values():
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(RectStatus.values)  # every state can be reached from 待核实
