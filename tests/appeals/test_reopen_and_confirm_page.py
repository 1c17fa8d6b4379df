"""A reopened appeal's reply limit restarts from the reopening on the working-day calendar, by
appeal type (approved extensions are not carried over), and the department is told; the portal
page's verdicts: resolved closes, "not resolved — escalate" puts it on the leadership list with
the appellant's words, and the appellant, the leaders and the department hear of it."""

import datetime

import pytest

from yingshang.appeals import conf, services
from yingshang.appeals.models import Appeal, AppealEvent, Status
from yingshang.notifications.models import Notification
from yingshang.workdays.calendar import add_working_days

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

THURSDAY = MONDAY + datetime.timedelta(days=3)


@pytest.fixture
def power_handler(depts):
    from yingshang.core.models import User

    return User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )


@pytest.fixture
def replied(submit, office, depts, power_handler, portal_user):
    def _replied(appeal_type="help"):
        appeal = submit(user=portal_user, appeal_type=appeal_type)
        appeal = services.dispatch(appeal, office, depts["power"], now=MONDAY)
        return services.reply(appeal, power_handler, "已安排施工。", now=MONDAY)

    return _replied


@pytest.mark.parametrize("appeal_type", ["consult", "help", "complaint"])
def test_reopening_restarts_the_limit_of_the_type_from_now(replied, portal_user, appeal_type):
    appeal = replied(appeal_type)
    assert appeal.due_at == add_working_days(MONDAY, conf.limit_days(appeal_type)).due
    appeal = services.confirm(appeal, portal_user, False, "reopen", "仍未接电", now=THURSDAY)
    assert appeal.status == Status.DISPATCHED and appeal.resolved is False
    assert appeal.due_at == add_working_days(THURSDAY, conf.limit_days(appeal_type)).due
    event = AppealEvent.objects.get(appeal=appeal, action="reopen")
    assert (event.from_state, event.to_state, event.note) == (
        Status.REPLIED,
        Status.DISPATCHED,
        "仍未接电",
    )


def test_an_approved_extension_is_not_carried_into_the_new_limit(
    submit, office, depts, power_handler, portal_user
):
    appeal = services.dispatch(submit(user=portal_user), office, depts["power"], now=MONDAY)
    services.request_extension(appeal, power_handler, days=5, reason="需增容施工", now=MONDAY)
    services.decide_extension(appeal.extensions.get(), office, True, now=MONDAY)
    appeal = services.reply(Appeal.objects.get(pk=appeal.pk), power_handler, "已接电。")
    assert appeal.extension_days == 5
    appeal = services.confirm(appeal, portal_user, False, "reopen", "没接通", now=THURSDAY)
    assert appeal.due_at == add_working_days(THURSDAY, conf.limit_days("help")).due


def test_the_department_is_told_to_work_on_it_again(
    replied, portal_user, power_handler, django_capture_on_commit_callbacks
):
    appeal = replied()
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(appeal, portal_user, False, "reopen", "仍未接电", now=THURSDAY)
    n = Notification.objects.get(recipient=power_handler, title__contains="重新办理")
    assert appeal.number in n.title and n.body == "仍未接电"
    assert n.link == f"/staff/appeals/{appeal.pk}/"


# --------------------------------------------------------------------------- the portal page


def _confirm(client, appeal, **data):
    return client.post(f"/appeals/{appeal.number}/confirm/", data)


def test_resolved_on_the_page_closes_it(replied, portal_user, login):
    appeal = replied()
    client = login(portal_user)
    r = _confirm(client, appeal, resolved="yes", note="已接电,谢谢")
    assert r.status_code == 302
    assert "已提交您的确认。" in client.get(r["Location"]).content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.resolved is True
    assert appeal.closed_at is not None


def test_not_resolved_escalate_on_the_page_reaches_the_leaders(
    replied, portal_user, power_handler, staff, login, django_capture_on_commit_callbacks
):
    appeal = replied()
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(login(portal_user), appeal, resolved="no", next_step="escalate", note="拖了两月")
    appeal.refresh_from_db()
    assert appeal.status == Status.ESCALATED and appeal.resolved is False
    assert appeal.escalation_reason == "企业确认未解决：拖了两月"
    event = AppealEvent.objects.get(appeal=appeal, action="escalate")
    assert event.from_state == Status.REPLIED and event.actor is None
    title = f"诉求 {appeal.number} 已升级市领导督办"
    for person in (staff["shilingdao"], power_handler, staff["jianduyuan"]):
        assert Notification.objects.filter(recipient=person, title=title).exists(), person
    assert Notification.objects.filter(
        recipient=portal_user, title=f"您的诉求 {appeal.number} 已提请市领导督办"
    ).exists()


def test_a_verdict_without_a_next_step_changes_nothing(replied, portal_user, login):
    appeal = replied()
    client = login(portal_user)
    r = _confirm(client, appeal, resolved="no", next_step="later")
    page = client.get(r["Location"]).content.decode()
    assert "请选择重新办理或提请市领导督办。" in page and "已提交您的确认。" not in page
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED and appeal.escalated_at is None
    assert not AppealEvent.objects.filter(appeal=appeal, action__in=["reopen", "escalate"]).exists()


def test_not_resolved_without_a_next_step_goes_back_to_the_department(replied, portal_user, login):
    appeal = replied()
    _confirm(login(portal_user), appeal, resolved="no", note="没接通")
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.escalated_at is None
    assert AppealEvent.objects.get(appeal=appeal, action="reopen").note == "没接通"
