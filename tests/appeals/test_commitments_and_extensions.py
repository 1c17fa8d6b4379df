"""Commitments of 政企面对面 walked state × action through ``commitment_step``; Q&A session
and question validation; extension requests and decisions (limits, one pending at a time,
decided once, refused for non-lead departments) — public services only, errors zh/en."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.appeals.factories import MONDAY, CommitmentFactory
from tests.core.factories import HandlerFactory, department
from tests.helpers import has_cjk
from yingshang.appeals import services
from yingshang.appeals.machines import CommitmentMachine
from yingshang.appeals.models import (
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    Extension,
)

pytestmark = pytest.mark.django_db

# the kit's table as {state: {action: target}}
COMMITMENT_TRANSITIONS = CommitmentMachine.by_state()

ACTIONS = ["start", "progress", "complete", "overdue", "verify", "reject"]
PATHS = {
    CommitmentStatus.PENDING: [],
    CommitmentStatus.IN_PROGRESS: ["start"],
    CommitmentStatus.OVERDUE: ["overdue"],
    CommitmentStatus.COMPLETED: ["complete"],
    CommitmentStatus.VERIFIED: ["complete", "verify"],
}
T1 = MONDAY + datetime.timedelta(hours=2)


@pytest.fixture
def owner(mianyang):
    return HandlerFactory(department=department("510700", "power"))


@pytest.fixture
def commitment(owner):
    return CommitmentFactory()


def actor(action, owner, office):
    if action in ("verify", "reject"):
        return office
    if action == "overdue":
        return None  # the sweep
    return owner


def walk(c, path, owner, office):
    for action in path:
        c = services.commitment_step(c, actor(action, owner, office), action, "说明", now=T1)
    return c


def test_the_table_covers_every_state():
    assert set(COMMITMENT_TRANSITIONS) == set(CommitmentStatus.values) == set(PATHS)


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(commitment, owner, office, state, action):
    c = walk(commitment, PATHS[state], owner, office)
    assert c.status == state
    before = CommitmentEvent.objects.filter(commitment=c).count()
    allowed = COMMITMENT_TRANSITIONS[state]
    if action in allowed:
        after = services.commitment_step(c, actor(action, owner, office), action, "说明", now=T1)
        assert after.status == allowed[action]
        event = CommitmentEvent.objects.filter(commitment=c).order_by("-id").first()
        assert (event.action, event.from_state, event.to_state) == (
            action,
            state,
            allowed[action],
        )
        if action == "complete":
            assert after.completed_at == T1
    else:
        with pytest.raises(ValidationError) as exc:
            services.commitment_step(c, actor(action, owner, office), action, "说明", now=T1)
        assert "status" in exc.value.message_dict
        assert Commitment.objects.get(pk=c.pk).status == state
    if action not in allowed:
        assert CommitmentEvent.objects.filter(commitment=c).count() == before


def test_only_the_owner_reports_and_only_the_office_verifies(commitment, owner, office):
    stranger = HandlerFactory(department=department("510700", "water"))
    with pytest.raises(ValidationError) as exc:
        services.commitment_step(commitment, stranger, "start", now=T1)
    assert exc.value.message_dict == {"department": ["只有责任部门可以报告进展。"]}
    with pytest.raises(ValidationError) as exc:
        services.commitment_step(commitment, owner, "overdue", now=T1)
    assert exc.value.message_dict == {"status": ["逾期由系统判定。"]}
    c = services.commitment_step(commitment, owner, "complete", "已完成增容", now=T1)
    assert c.progress_note == "已完成增容"
    with pytest.raises(ValidationError) as exc:
        services.commitment_step(c, owner, "verify", now=T1)
    assert "user" in exc.value.message_dict
    c = services.commitment_step(c, office, "reject", "现场核查未完成", now=T1)
    assert c.status == CommitmentStatus.IN_PROGRESS


def test_commitment_errors_in_english(commitment, owner):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.commitment_step(commitment, owner, "verify", now=T1)
    assert not has_cjk(exc.value.message_dict["status"][0])


# ------------------------------------------------------------------------ sessions, questions


def test_session_and_question_validation(mianyang, office, owner):
    with pytest.raises(ValidationError) as exc:
        services.create_session(user=office, title=" ", date=datetime.date(2025, 6, 12), theme="")
    assert exc.value.message_dict == {"title": ["请填写场次名称和主题。"]}
    with pytest.raises(ValidationError):
        services.create_session(user=owner, title="x", date=datetime.date(2025, 6, 12), theme="y")
    session = services.create_session(
        user=office, title="政企面对面第1期", date=datetime.date(2025, 6, 12), theme="用电"
    )
    power = department("510700", "power")
    with pytest.raises(ValidationError) as exc:
        services.add_question(session, user=office, question=" ", answering_department=power)
    assert exc.value.message_dict == {"question": ["请填写问题。"]}
    with pytest.raises(ValidationError) as exc:
        services.add_question(session, user=office, question="何时接电?", answering_department=None)
    assert "answering_department" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_question(
            session,
            user=office,
            question="何时接电?",
            answering_department=power,
            commitment={"content": "一个月内接电", "deadline": None},
        )
    assert exc.value.message_dict == {"deadline": ["请填写承诺完成时限。"]}
    assert not session.questions.exists()  # all or nothing
    q = services.add_question(
        session,
        user=office,
        question="何时接电?",
        answering_department=power,
        answer="尽快",
        commitment={"content": " 一个月内接电 ", "deadline": datetime.date(2025, 7, 12)},
    )
    c = q.commitments.get()
    assert (c.content, c.owner_department, c.status) == ("一个月内接电", power, "pending")
    assert CommitmentEvent.objects.get(commitment=c).action == "create"
    q2 = services.add_question(session, user=office, question="第二问", answering_department=power)
    assert (q.order, q2.order) == (1, 2) and not q2.commitments.exists()


# -------------------------------------------------------------------------------- extensions


@pytest.fixture
def dispatched(submit, office, depts):
    return services.dispatch(submit(), office, depts["power"], now=MONDAY)


def test_extension_validation(dispatched, owner, office, settings):
    with pytest.raises(ValidationError) as exc:
        services.request_extension(dispatched, owner, "x", "施工", now=MONDAY)
    assert exc.value.message_dict == {"days": ["延期天数必须是正整数。"]}
    with pytest.raises(ValidationError) as exc:
        services.request_extension(dispatched, owner, 2, " ", now=MONDAY)
    assert exc.value.message_dict == {"reason": ["请填写延期理由。"]}
    stranger = HandlerFactory(department=department("510700", "water"))
    with pytest.raises(ValidationError) as exc:
        services.request_extension(dispatched, stranger, 2, "施工", now=MONDAY)
    assert "department" in exc.value.message_dict
    ext = services.request_extension(dispatched, owner, 2, "需协调施工队", now=MONDAY)
    with pytest.raises(ValidationError) as exc:
        services.request_extension(dispatched, owner, 1, "再延", now=MONDAY)
    assert exc.value.message_dict == {"days": ["已有待审批的延期申请。"]}
    with pytest.raises(ValidationError):
        services.decide_extension(ext, owner, True, now=MONDAY)  # not the service office
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.PENDING


def test_extension_approved_moves_the_due_date_once(dispatched, owner, office):
    due = dispatched.due_at
    ext = services.request_extension(dispatched, owner, 3, "需协调施工队", now=MONDAY)
    services.decide_extension(ext, office, True, "同意", now=MONDAY)
    dispatched.refresh_from_db()
    assert dispatched.extension_days == 3 and dispatched.due_at > due
    with pytest.raises(ValidationError) as exc:
        services.decide_extension(ext, office, False, now=MONDAY)
    assert exc.value.message_dict == {"extension": ["该延期申请已处理。"]}


def test_extension_refused_keeps_the_due_date(dispatched, owner, office):
    due = dispatched.due_at
    ext = services.request_extension(dispatched, owner, 3, "需协调施工队", now=MONDAY)
    services.decide_extension(ext, office, False, "不同意", now=MONDAY)
    dispatched.refresh_from_db()
    assert dispatched.extension_days == 0 and dispatched.due_at == due
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.REFUSED
    assert dispatched.events.filter(action="extend_refused").exists()
