"""Edges of the appeal services not walked elsewhere: every refusal of a submission (person
appellants, phone shape, lengths, channel, staff-only channels), the receipt SMS that cannot be
sent, the appellant's confirmation with a bad next step and by someone else, 市领导批示 rules,
Q&A sessions and questions refused field by field (nothing half-written), the sweep leaving
escalated and finished appeals alone."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.appeals.conftest import MONDAY, make_uscc
from tests.appeals.factories import CommitmentFactory, QASessionFactory
from yingshang.appeals import services
from yingshang.appeals.models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Appeal,
    AppealEvent,
    Commitment,
    CommitmentStatus,
    QAQuestion,
    QASession,
    Status,
)

pytestmark = pytest.mark.django_db

PERSON = {"appellant_kind": "person", "person_name": "张三", "uscc": "", "enterprise_name": ""}


@pytest.mark.parametrize(
    "over,field,text",
    [
        ({"appellant_kind": "robot"}, "appellant_kind", "诉求人类型"),
        ({"appellant_kind": ""}, "appellant_kind", "诉求人类型"),
        ({"enterprise_name": "  "}, "enterprise_name", "企业名称"),
        ({**PERSON, "person_name": ""}, "person_name", "姓名"),
        ({"contact_phone": "12-34"}, "contact_phone", "格式不正确"),
        ({"contact_phone": "电话"}, "contact_phone", "请填写联系电话"),
        ({"appeal_type": "wish"}, "appeal_type", "诉求类型"),
        ({"topic": "weather"}, "topic", "诉求领域"),
        ({"text": "太慢了"}, "text", "过短"),
        ({"text": "慢" * (TEXT_MAX_LENGTH + 1)}, "text", str(TEXT_MAX_LENGTH)),
        ({"title": "题" * (TITLE_MAX_LENGTH + 1)}, "title", str(TITLE_MAX_LENGTH)),
        ({"channel": "fax"}, "channel", "来源渠道"),
    ],
)
def test_each_refusal_names_its_field_and_writes_nothing(submit, over, field, text):
    with pytest.raises(ValidationError) as err:
        submit(**over)
    messages = err.value.message_dict
    assert field in messages
    assert any(text in m for m in messages[field])
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()


def test_several_faults_are_reported_together(submit):
    with pytest.raises(ValidationError) as err:
        submit(contact_name="", topic="", text="")
    assert {"contact_name", "topic", "text"} <= set(err.value.message_dict)


def test_a_person_without_id_number_may_appeal_and_codes_are_normalised(submit):
    appeal = submit(**PERSON, id_number="", contact_phone="(0816) 222-3333")
    assert appeal.appellant_kind == "person" and appeal.id_number == ""
    assert appeal.contact_phone == "0816222-3333"  # digits and dashes kept, the rest dropped
    lower = submit(uscc=make_uscc(2).lower())
    assert lower.uscc == make_uscc(2)


@pytest.mark.parametrize("channel", ["hotline", "visit"])
def test_staff_channels_refuse_the_public(submit, portal_user, channel):
    for user in (None, portal_user):
        with pytest.raises(ValidationError) as err:
            submit(user=user, channel=channel)
        assert "工作人员" in err.value.message_dict["channel"][0]
    assert not Appeal.objects.exists()


def test_staff_record_a_hotline_appeal(submit, office):
    appeal = submit(user=office, channel="hotline")
    assert appeal.channel == "hotline" and appeal.status == Status.SUBMITTED


def test_the_receipt_sms_that_fails_is_logged_not_raised(submit, monkeypatch, caplog):
    from yingshang.notifications import public as notifications

    appeal = submit()

    def fail(**kwargs):
        raise notifications.SmsError("gateway down")

    monkeypatch.setattr(notifications, "send_sms", fail)
    with caplog.at_level("WARNING"):
        assert services.send_query_code(appeal.pk) is False
    assert f"query code SMS for {appeal.number} not sent" in caplog.text
    sent = []
    monkeypatch.setattr(notifications, "send_sms", lambda **kw: sent.append(kw))
    assert services.send_query_code(appeal.pk) is True
    assert sent[0]["template"] == "query_code"
    assert sent[0]["values"] == {"ref": appeal.number, "code": appeal.lookup_code}


def _replied(submit, office, depts, user):
    appeal = submit(user=user)
    services.dispatch(appeal, office, depts["power"], note="请办理", now=MONDAY)
    from yingshang.core.models import User

    lead = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    services.reply(Appeal.objects.get(pk=appeal.pk), lead, "已接电。", now=MONDAY)
    return Appeal.objects.get(pk=appeal.pk)


def test_confirmation_needs_a_known_next_step(submit, office, depts, portal_user):
    appeal = _replied(submit, office, depts, portal_user)
    with pytest.raises(ValidationError) as err:
        services.confirm(appeal, portal_user, resolved=False, next_step="ignore", note="没解决")
    assert "next_step" in err.value.message_dict
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED


def test_only_the_appellant_confirms(submit, office, depts, portal_user):
    from yingshang.core.models import User

    appeal = _replied(submit, office, depts, portal_user)
    other = User.objects.create_user("qiye02", password="x-unused-pass-2")
    with pytest.raises(ValidationError) as err:
        services.confirm(appeal, other, resolved=True)
    assert "applicant" in err.value.message_dict
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REPLIED
    services.confirm(appeal, portal_user, resolved=True, note="满意")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.CLOSED


def test_instructions_need_a_leader_a_text_and_an_escalated_appeal(submit, staff, office):
    leader = staff["shilingdao"]
    appeal = submit()
    with pytest.raises(ValidationError) as err:
        services.instruct(appeal, office, "请抓紧办理")
    assert "只有市领导" in err.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as err:
        services.instruct(appeal, leader, "  ")
    assert "note" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.instruct(appeal, leader, "请抓紧办理")
    assert "status" in err.value.message_dict
    services.escalate(appeal, office, "企业多次反映", MONDAY)
    ev = services.instruct(Appeal.objects.get(pk=appeal.pk), leader, "请抓紧办理")
    assert ev.action == "instruct" and ev.note == "请抓紧办理"


def test_sessions_need_a_title_and_a_theme_and_the_office(staff, office):
    for title, theme in (("", "用电"), ("第一期", " ")):
        with pytest.raises(ValidationError) as err:
            services.create_session(
                user=office, title=title, date=datetime.date(2025, 6, 12), theme=theme
            )
        assert "title" in err.value.message_dict
    with pytest.raises((ValidationError, PermissionDenied)):
        services.create_session(
            user=staff["chengban"], title="第一期", date=datetime.date(2025, 6, 12), theme="用电"
        )
    assert not QASession.objects.exists()


@pytest.mark.parametrize(
    "over,field",
    [
        ({"question": " "}, "question"),
        ({"answering_department": None}, "answering_department"),
        ({"commitment": {"content": "", "deadline": datetime.date(2025, 7, 1)}}, "commitment"),
        ({"commitment": {"content": "一个月内接电", "deadline": None}}, "deadline"),
    ],
)
def test_questions_are_refused_whole(office, depts, over, field):
    session = QASessionFactory()
    args = {
        "user": office,
        "question": "园区何时增容?",
        "answering_department": depts["power"],
        "answer": "下月",
        **over,
    }
    with pytest.raises(ValidationError) as err:
        services.add_question(session, **args)
    assert field in err.value.message_dict
    assert not QAQuestion.objects.exists() and not Commitment.objects.exists()


def test_a_question_with_a_commitment_numbers_itself_and_notifies_the_owner(
    office, depts, django_capture_on_commit_callbacks
):
    from yingshang.core.models import User
    from yingshang.notifications.models import Notification

    owner = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    session = QASessionFactory()
    first = services.add_question(
        session, user=office, question="第一问", answering_department=depts["power"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.add_question(
            session,
            user=office,
            question=" 园区何时增容? ",
            answering_department=depts["power"],
            commitment={"content": " 一个月内完成增容 ", "deadline": datetime.date(2025, 7, 12)},
        )
    assert (first.order, second.order) == (1, 2)
    assert second.question == "园区何时增容?"
    c = Commitment.objects.get(question=second)
    assert c.content == "一个月内完成增容" and c.status == CommitmentStatus.PENDING
    assert c.owner_department == depts["power"] and c.division == depts["power"].division
    assert [e.action for e in c.events.all()] == ["create"]
    notes = Notification.objects.filter(title="政企面对面承诺事项待落实")
    assert [n.recipient_id for n in notes] == [owner.pk]


def test_the_sweep_leaves_escalated_finished_and_future_work_alone(submit, office, depts):
    late = MONDAY + datetime.timedelta(days=30)
    fresh = submit(now=late)  # signs tomorrow: not late
    escalated = submit()
    services.escalate(escalated, office, "企业多次反映", MONDAY)
    done = CommitmentFactory(status=CommitmentStatus.VERIFIED, deadline=datetime.date(2025, 6, 1))
    future = CommitmentFactory(deadline=late.date() + datetime.timedelta(days=5))
    result = services.sweep_overdue(now=late)
    assert result == {"escalated": 0, "commitments_overdue": 0}
    assert Appeal.objects.get(pk=fresh.pk).escalated_at is None
    done.refresh_from_db()
    future.refresh_from_db()
    assert done.status == CommitmentStatus.VERIFIED
    assert future.status == CommitmentStatus.PENDING


def test_the_sweep_marks_a_late_commitment_once(office):
    c = CommitmentFactory(deadline=datetime.date(2025, 6, 1))
    now = MONDAY
    assert services.sweep_overdue(now=now)["commitments_overdue"] == 1
    c.refresh_from_db()
    assert c.status == CommitmentStatus.OVERDUE
    assert services.sweep_overdue(now=now)["commitments_overdue"] == 0
