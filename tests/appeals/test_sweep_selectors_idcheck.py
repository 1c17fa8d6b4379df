"""The deadline sweep job (appeals.jobs), the public commitments selector other apps read, and
the ID-number check of appellants (a number whose area code stdnum does not know is refused
with a field error, not a 500)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from tests.appeals.conftest import MONDAY
from tests.appeals.factories import AppealFactory, CommitmentFactory, QASessionFactory
from yingshang.appeals import selectors, services
from yingshang.appeals.models import AppealEvent, CommitmentStatus, Status

pytestmark = pytest.mark.django_db


def _id(area: str, birth="19900101", seq="123") -> str:
    body = f"{area}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


# --------------------------------------------------------------------------- the sweep


def test_sweep_escalates_unsigned_and_overdue_appeals_once(mianyang):
    late_sign = AppealFactory(sign_due=MONDAY - datetime.timedelta(hours=1))
    in_time = AppealFactory(sign_due=MONDAY + datetime.timedelta(days=1))
    overdue = AppealFactory(
        status=Status.DISPATCHED,
        signed_at=MONDAY - datetime.timedelta(days=9),
        dispatched_at=MONDAY - datetime.timedelta(days=9),
        due_at=MONDAY - datetime.timedelta(days=1),
        lead_department=late_sign.division.departments.get(function_key="power"),
    )
    result = services.sweep_overdue(now=MONDAY)
    assert result == {"escalated": 2, "commitments_overdue": 0}
    for a, reason in ((late_sign, "逾期未签收"), (overdue, "逾期未办结")):
        a.refresh_from_db()
        assert a.status == Status.ESCALATED and a.escalation_reason == reason
        event = AppealEvent.objects.get(appeal=a, action="escalate")
        assert event.actor_name == "system"
    in_time.refresh_from_db()
    assert in_time.status == Status.SUBMITTED
    # a second sweep escalates nothing twice
    assert services.sweep_overdue(now=MONDAY) == {"escalated": 0, "commitments_overdue": 0}


def test_sweep_marks_commitments_past_their_deadline(mianyang):
    today = datetime.date(2025, 7, 20)
    now = datetime.datetime.combine(today, datetime.time(10), MONDAY.tzinfo)
    late = CommitmentFactory(deadline=datetime.date(2025, 7, 12))
    started = CommitmentFactory(
        deadline=datetime.date(2025, 7, 19), status=CommitmentStatus.IN_PROGRESS
    )
    due_today = CommitmentFactory(deadline=today)
    done = CommitmentFactory(deadline=datetime.date(2025, 7, 1), status=CommitmentStatus.COMPLETED)
    result = services.sweep_overdue(now=now)
    assert result["commitments_overdue"] == 2
    for c, expected in (
        (late, CommitmentStatus.OVERDUE),
        (started, CommitmentStatus.OVERDUE),
        (due_today, CommitmentStatus.PENDING),
        (done, CommitmentStatus.COMPLETED),
    ):
        c.refresh_from_db()
        assert c.status == expected
    assert late.events.filter(action="overdue", to_state=CommitmentStatus.OVERDUE).exists()


def test_the_sweep_is_a_registered_periodic_job():
    import yingshang.appeals.jobs  # noqa: F401
    from yingshang.platform.jobs import registry

    job = registry.get("appeals.deadline_sweep")
    assert job.name == "appeals.deadline_sweep"
    assert "15" in str(job.schedule) or "900" in str(job.schedule)


# --------------------------------------------------------------------------- public commitments


def test_public_commitments_only_of_published_sessions_filtered(mianyang, depts):
    shown = CommitmentFactory(session=QASessionFactory(published=True))
    hidden = CommitmentFactory(session=QASessionFactory(published=False))
    other_dept = CommitmentFactory(
        session=shown.session, owner_department=depts["market"], deadline=datetime.date(2025, 8, 1)
    )
    assert list(selectors.public_commitments()) == [shown, other_dept]
    assert hidden not in selectors.public_commitments()
    assert list(selectors.public_commitments(departments=[depts["market"]])) == [other_dept]
    city = shown.division.parent if shown.division.level > 2 else shown.division
    assert set(selectors.public_commitments(division=city)) == {shown, other_dept}
    from yingshang.core.models import Division

    jiangyou = Division.objects.get(code="510781")
    assert not selectors.public_commitments(division=jiangyou).exists()


def test_commitments_for_filters_by_status_within_scope(mianyang, staff):
    pending = CommitmentFactory()
    CommitmentFactory(status=CommitmentStatus.VERIFIED)
    office = staff["jianduyuan"]
    assert set(selectors.commitments_for(office, CommitmentStatus.PENDING)) == {pending}
    assert selectors.commitments_for(office).count() == 2
    county = staff["jiangyou_chengban"]
    assert not selectors.commitments_for(county).exists()  # city departments' commitments


# --------------------------------------------------------------------------- ID numbers


@pytest.mark.parametrize("area", ["510799", "990000"])
def test_an_unknown_area_code_is_a_field_error_not_a_crash(mianyang, submit, area):
    number = _id(area)
    with pytest.raises(ValidationError) as exc:
        submit(appellant_kind="person", uscc="", person_name="张明", id_number=number)
    assert "id_number" in exc.value.message_dict


def test_a_valid_id_number_is_kept(mianyang, submit):
    number = _id("510722")
    appeal = submit(appellant_kind="person", uscc="", person_name="张明", id_number=number)
    assert appeal.id_number == number and appeal.appellant_kind == "person"


def test_the_portal_form_refuses_an_unknown_area_code(mianyang):
    from yingshang.appeals.forms import AppealForm

    form = AppealForm(
        data={
            "appellant_kind": "person",
            "person_name": "张明",
            "id_number": _id("510799"),
            "contact_name": "张明",
            "contact_phone": "13812345678",
            "appeal_type": "help",
            "topic": "power",
            "title": "用电报装",
            "text": "申请用电报装两个月未接电。",
        }
    )
    assert not form.is_valid()
    assert "id_number" in form.errors
