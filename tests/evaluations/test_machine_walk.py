"""The rectification machine walked edge by edge (tests/kit_walk.py)."""

import pytest

from tests.appeals.conftest import MONDAY
from tests.evaluations.test_evaluations import closed_appeal, power_handler  # noqa: F401
from tests.kit_walk import walk
from yingshang.evaluations import services
from yingshang.evaluations.machines import RectificationMachine
from yingshang.evaluations.models import Rectification


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root-walk", password="x-unused-9")


def test_every_rectification_edge(closed_appeal, portal_user, root):  # noqa: F811
    ev = services.submit_evaluation(closed_appeal(), portal_user, 1, comment="拖了很久")
    rect = ev.rectification

    def make(state):
        Rectification.objects.filter(pk=rect.pk).update(status=state)
        return Rectification.objects.get(pk=rect.pk)

    def call(edge, obj):
        evaluator = edge.permission == "evaluator"
        return RectificationMachine.transition(
            obj,
            edge.action,
            actor=None if evaluator else root,
            note="说明",
            now=MONDAY,
            verified=evaluator,
        )

    allowed, refused = walk(RectificationMachine, make, call, events=lambda o: o.events)
    assert (allowed, refused) == (8, 48)  # 8 actions × 7 states


def test_anonymous_evaluator_must_prove_it(closed_appeal, portal_user):  # noqa: F811
    from django.core.exceptions import ValidationError

    ev = services.submit_evaluation(closed_appeal(), portal_user, 1, comment="拖了很久")
    Rectification.objects.filter(pk=ev.rectification.pk).update(status="awaiting_verdict")
    with pytest.raises(ValidationError) as exc:
        services.rectification_step(ev.rectification, None, "accept")
    assert "evaluator" in exc.value.message_dict
