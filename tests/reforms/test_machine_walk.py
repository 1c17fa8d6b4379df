"""The progress-report review machine walked edge by edge (tests/kit_walk.py)."""

import datetime

import pytest
from django.utils import timezone

from tests.kit_walk import walk
from yingshang.reforms import services
from yingshang.reforms.machines import ReportReviewMachine
from yingshang.reforms.models import ProgressReport, Task


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root-walk", password="x-unused-9")


def test_every_report_review_edge(imported, root):
    task = Task.objects.get(programme=imported, number="3.1")
    at = timezone.make_aware(datetime.datetime(2019, 3, 25, 10))
    report = services.submit_report(task, user=root, percent=40, text="进展", at=at)

    def make(state):
        ProgressReport.objects.filter(pk=report.pk).update(status=state)
        return ProgressReport.objects.get(pk=report.pk)

    def call(edge, obj):
        return ReportReviewMachine.transition(obj, edge.action, actor=root, note="意见", now=at)

    allowed, refused = walk(ReportReviewMachine, make, call, events=lambda o: o.task.events)
    assert (allowed, refused) == (2, 4)
