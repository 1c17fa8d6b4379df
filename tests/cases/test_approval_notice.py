"""When a case enters 待审批 (an item that ``requires_head_approval``), the head(s) of its
department — and only they — get one message in the notification centre, linking to the case."""

import pytest

from tests.cases.factories import approval_item
from tests.core.factories import DeptHeadFactory, department
from yingshang.cases import workflow
from yingshang.cases.models import Case, Status
from yingshang.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval_case(submitted, catalog):
    item = approval_item(catalog)
    case = Case.objects.get(pk=submitted.pk)
    case.item, case.version, case.title = item, item.current_version, item.name
    case.save()
    return case


def _to_pending_approval(case, staff, capture):
    case = workflow.transition(case, "accept", staff["chuangkou"], "window")
    with capture(execute=True):
        return workflow.transition(
            case, "submit_approval", staff["chengban"], outcome="approved", reason="拟准予"
        )


def test_the_departments_head_is_told_once(
    approval_case, staff, django_capture_on_commit_callbacks
):
    head = staff["kezhang"]
    assert head.department_id == approval_case.department_id
    second_head = DeptHeadFactory(department=approval_case.department)
    other_head = DeptHeadFactory(department=department("510700", "hall"))
    county_head = DeptHeadFactory(department=department("510781", "market"))
    case = _to_pending_approval(approval_case, staff, django_capture_on_commit_callbacks)
    assert case.status == Status.PENDING_APPROVAL
    notes = Notification.objects.filter(recipient=head)
    assert notes.count() == 1
    note = notes.get()
    assert note.title == f"办件 {case.number} 待审批"
    assert note.link == f"/staff/cases/{case.number}/"
    event = case.events.get(action="submit_approval")
    assert note.dedup_key == f"case:{case.number}:approval:{event.pk}"
    assert Notification.objects.filter(recipient=second_head).count() == 1
    assert not Notification.objects.filter(recipient__in=[other_head, county_head]).exists()
    assert not Notification.objects.filter(recipient=staff["chengban"]).exists()
    # a repeated delivery of the same step adds nothing (dedup_key)
    assert workflow.notify_heads(case.pk, event.pk) == 2
    assert Notification.objects.filter(recipient=head).count() == 1


def test_a_second_submission_is_a_new_message(
    approval_case, staff, django_capture_on_commit_callbacks
):
    head = staff["kezhang"]
    case = _to_pending_approval(approval_case, staff, django_capture_on_commit_callbacks)
    case = workflow.transition(case, "return_for_review", head, reason="请补充现场勘验")
    case = workflow.transition(case, "review", staff["chengban"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            case, "submit_approval", staff["chengban"], outcome="denied", reason="不符合"
        )
    assert Notification.objects.filter(recipient=head, category="case").count() == 2


def test_a_case_without_approval_tells_no_head(
    submitted, staff, django_capture_on_commit_callbacks
):
    case = workflow.transition(submitted, "accept", staff["chuangkou"], "window")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(case, "complete", staff["chengban"], outcome="approved", reason="")
    assert not Notification.objects.filter(recipient=staff["kezhang"]).exists()
