"""The staff queues state by state and their order, the deadline that matters in each state and
its colour on the working-day calendar (Hypothesis), and repeat detection for persons, outside
the 30-day window and against the threshold setting."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.appeals.factories import AppealFactory
from yingshang.appeals import selectors
from yingshang.appeals.models import Appeal, AppealEvent, Status
from yingshang.workdays.calendar import add_working_days

from .conftest import MONDAY, SH

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


# --------------------------------------------------------------------------- queues


@pytest.fixture
def one_per_state(mianyang):
    """One appeal in each state, plus one escalated earlier and replied since."""
    rows = {
        state: AppealFactory(status=state, submitted_at=MONDAY + i * H, title=f"状态{state}")
        for i, state in enumerate(Status.values)
    }
    Appeal.objects.filter(pk=rows[Status.ESCALATED].pk).update(escalated_at=MONDAY)
    rows["replied_after_escalation"] = AppealFactory(
        status=Status.REPLIED, escalated_at=MONDAY, submitted_at=MONDAY + 9 * H
    )
    return rows


QUEUE_MEMBERS = {
    "sign": {Status.SUBMITTED, Status.SIGNED},
    "open": {Status.DISPATCHED, Status.ESCALATED},
    "replied": {Status.REPLIED, "replied_after_escalation"},
    "escalated": {Status.ESCALATED, "replied_after_escalation"},
    "closed": {Status.CLOSED},
    "all": set(Status.values) | {"replied_after_escalation"},
}


@pytest.mark.parametrize("queue", sorted(QUEUE_MEMBERS))
def test_each_queue_holds_its_states(office, one_per_state, queue):
    expected = {one_per_state[k].pk for k in QUEUE_MEMBERS[queue]}
    assert {a.pk for a in selectors.appeals_for(office, queue)} == expected


def test_the_working_queues_put_the_nearest_deadline_first(office, mianyang):
    later = AppealFactory(sign_due=MONDAY + 30 * H, submitted_at=MONDAY)
    sooner = AppealFactory(sign_due=MONDAY + 2 * H, submitted_at=MONDAY - D)
    newest = AppealFactory(sign_due=MONDAY + 9 * H, submitted_at=MONDAY + D)
    assert list(selectors.appeals_for(office, "sign")) == [sooner, newest, later]
    # the other queues list the newest submission first
    assert list(selectors.appeals_for(office, "all")) == [newest, later, sooner]


def test_a_status_narrows_a_queue(office, one_per_state):
    only = selectors.appeals_for(office, "escalated", status=Status.REPLIED)
    assert [a.pk for a in only] == [one_per_state["replied_after_escalation"].pk]


# --------------------------------------------------------------------------- deadlines

DUE_BY_STATE = {
    Status.SUBMITTED: "sign_due",
    Status.SIGNED: "sign_due",  # signed, not yet dispatched: no reply limit yet
    Status.DISPATCHED: "due_at",
    Status.ESCALATED: "due_at",
    Status.REPLIED: None,
    Status.CLOSED: None,
}


@pytest.mark.parametrize("state", sorted(DUE_BY_STATE))
def test_the_deadline_that_matters_in_each_state(state):
    due_at = MONDAY + 5 * D if state != Status.SIGNED else None
    appeal = Appeal(status=state, sign_due=MONDAY + D, due_at=due_at)
    field = DUE_BY_STATE[state]
    assert selectors.appeal_due(appeal) == (getattr(appeal, field) if field else None)


@given(
    start=st.datetimes(
        min_value=datetime.datetime(2025, 1, 2), max_value=datetime.datetime(2025, 12, 1)
    ),
    n=st.integers(min_value=0, max_value=20),
)
def test_colour_follows_the_working_days_left(mianyang, start, n):
    now = start.replace(tzinfo=SH)
    due = add_working_days(now, n).due
    assert selectors.deadline_colour(due, now) == ("amber" if n <= 1 else "green")
    assert selectors.deadline_colour(due, due + datetime.timedelta(seconds=1)) == "red"
    assert selectors.deadline_colour(due, due) == "amber"  # the last moment is not late yet
    assert selectors.deadline_colour(due, due + D, done=True) == ""


def test_a_weekend_does_not_count_as_time_left(mianyang):
    friday = datetime.datetime(2025, 6, 13, 10, 0, tzinfo=SH)
    monday_evening = datetime.datetime(2025, 6, 16, 18, 0, tzinfo=SH)
    tuesday = datetime.datetime(2025, 6, 17, 18, 0, tzinfo=SH)
    assert selectors.deadline_colour(monday_evening, friday) == "amber"  # three days, one working
    assert selectors.deadline_colour(tuesday, friday) == "green"
    assert selectors.deadline_colour(None, friday) == ""


# --------------------------------------------------------------------------- repeats

PERSON = {"appellant_kind": "person", "uscc": "", "enterprise_name": "", "person_name": "张三"}


def test_a_person_with_an_id_number_is_matched_by_it(submit):
    from tests.appeals.test_sweep_selectors_idcheck import _id

    first = submit(**PERSON, id_number=_id("510703"), contact_phone="13800000001")
    again = submit(**PERSON, id_number=_id("510703"), contact_phone="13800000002", now=MONDAY + D)
    assert again.repeat_of == first
    stranger = submit(**PERSON, id_number=_id("510704"), contact_phone="13800000001")
    assert stranger.repeat_of is None  # the same phone, but another person's ID number


def test_a_person_without_an_id_number_is_matched_by_phone(submit):
    first = submit(**PERSON, contact_phone="13800000001")
    again = submit(**PERSON, contact_phone="13800000001", now=MONDAY + D)
    assert again.repeat_of == first
    assert submit(**PERSON, contact_phone="13800000003").repeat_of is None


def test_finished_appeals_count_only_within_the_window_open_ones_always(submit, settings):
    settings.APPEAL_REPEAT_WINDOW_DAYS = 30
    old = submit()
    Appeal.objects.filter(pk=old.pk).update(status=Status.CLOSED)
    probe = submit(now=MONDAY + 31 * D)
    assert probe.repeat_of is None  # closed and older than 30 days
    Appeal.objects.filter(pk=probe.pk).update(status=Status.CLOSED, submitted_at=MONDAY - 60 * D)
    Appeal.objects.filter(pk=old.pk).update(status=Status.DISPATCHED)
    assert submit(now=MONDAY + 31 * D).repeat_of == Appeal.objects.get(pk=old.pk)  # still open


def test_the_most_similar_appeal_is_linked_with_its_score(submit):
    submit(text="我公司新建厂房申请用电报装已经两个月,至今没有回复。", title="用电报装")
    closest = submit(now=MONDAY + H)
    again = submit(now=MONDAY + 2 * H)
    assert again.repeat_of == closest and again.repeat_score == 1.0
    event = AppealEvent.objects.get(appeal=again, action="repeat")
    assert event.note == f"与诉求 {closest.number} 相似度 100%"
    assert event.data == {"repeat_of": closest.number, "score": 1.0}


def test_the_threshold_setting_decides(submit, settings):
    submit()
    settings.APPEAL_REPEAT_THRESHOLD = 1.01  # nothing can be that similar
    alike = submit(now=MONDAY + H)
    assert alike.repeat_of is None
    assert not AppealEvent.objects.filter(appeal=alike, action="repeat").exists()


def test_without_a_trained_model_there_are_no_suggestions(submit):
    appeal = submit()
    assert appeal.suggestions == []
    assert Appeal.objects.get(pk=appeal.pk).suggestions == []
