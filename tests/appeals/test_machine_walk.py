"""The appeal and commitment machines walked edge by edge (tests/kit_walk.py)."""

import datetime

import pytest
from django.utils import timezone

from tests.appeals.conftest import MONDAY
from tests.kit_walk import walk
from yingshang.appeals.machines import AppealMachine, CommitmentMachine
from yingshang.appeals.models import Appeal, Commitment, CommitmentStatus, QASession, Status


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root-walk", password="x-unused-9")


def test_every_appeal_edge(submit, depts, root):
    appeal = submit()
    lead = depts["power"]

    def make(state):
        Appeal.objects.filter(pk=appeal.pk).update(
            status=state,
            lead_department=lead if state != Status.SUBMITTED else None,
            due_at=MONDAY + datetime.timedelta(days=7),
        )
        return Appeal.objects.get(pk=appeal.pk)

    def call(edge, a):
        data = {
            "dispatch": {"lead_department": lead},
            "redispatch": {"lead_department": lead},
            "extend": {"days": 1},
            "confirm": {"verified": True},
            "reopen": {"verified": True},
        }.get(edge.action, {})
        actor = None if edge.permission == "appellant" else root
        return AppealMachine.transition(
            a, edge.action, actor=actor, note="说明", now=MONDAY, **data
        )

    allowed, refused = walk(AppealMachine, make, call, events=lambda a: a.events)
    assert (allowed, refused) == (16, 32)  # 8 actions × 6 states


def test_every_commitment_edge(depts, root):
    dept = depts["power"]
    session = QASession.objects.create(
        title="政企面对面", date=datetime.date(2019, 3, 1), theme="用电", division=dept.division
    )
    c = Commitment.objects.create(
        session=session,
        content="一个月内完成接电",
        owner_department=dept,
        deadline=datetime.date(2019, 4, 1),
        division=dept.division,
    )

    def make(state):
        Commitment.objects.filter(pk=c.pk).update(status=state)
        return Commitment.objects.get(pk=c.pk)

    def call(edge, obj):
        actor = None if edge.action == "overdue" else root  # overdue: the sweep only
        return CommitmentMachine.transition(
            obj, edge.action, actor=actor, note="进展", now=timezone.now()
        )

    allowed, refused = walk(CommitmentMachine, make, call, events=lambda o: o.events)
    assert (allowed, refused) == (10, 20)
    assert CommitmentStatus.VERIFIED  # terminal: every action refused from it (walked above)
