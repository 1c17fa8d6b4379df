"""Case lifecycle: the transition table, events, supplements, suspensions, bundles, 免提交."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingshang.cases import workflow
from yingshang.cases.models import CaseEvent, CaseMaterial, MaterialSource, Status

from .conftest import upload

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def test_number_format_and_uniqueness(submitted, enterprise_applicant, catalog):
    assert len(submitted.number) == 19
    assert submitted.number.startswith("510700")
    from yingshang.cases.services import allocate_number

    a, b = allocate_number("510700"), allocate_number("510700")
    assert int(b[-5:]) == int(a[-5:]) + 1
    assert a[:14] == b[:14]


def test_submission_records_version_department_and_event(submitted, catalog, staff):
    case = submitted
    assert case.status == Status.SUBMITTED
    assert case.version_id == catalog["registration"].current_version_id
    assert case.department.function_key == "market"
    assert case.limit_days == 3
    ev = CaseEvent.objects.get(case=case)
    assert ev.action == "submit" and ev.to_state == Status.SUBMITTED
    assert CaseMaterial.objects.filter(case=case, source=MaterialSource.UPLOAD).count() == 2


def test_full_lifecycle_with_events(submitted, staff):
    handler = staff["chengban"]
    c = workflow.transition(submitted, "precheck", handler, "window")
    c = workflow.transition(c, "accept", handler, "window")
    assert c.due_at is not None and c.accepted_at is not None
    c = workflow.transition(c, "start", handler)
    assert c.step == "review"
    c = workflow.transition(c, "review", handler)
    assert c.step == "decision"
    c = workflow.transition(c, "complete", handler, outcome="approved")
    assert c.status == Status.COMPLETED and c.final_sla_state == "on_time"
    assert c.days_saved is not None
    c = workflow.transition(c, "deliver", handler, method="pickup")
    assert c.status == Status.DELIVERED
    actions = list(CaseEvent.objects.filter(case=c).values_list("action", flat=True))
    assert actions == [
        "submit",
        "precheck",
        "accept",
        "start",
        "review",
        "complete",
        "issue_licence",
        "deliver",
    ]
    ev = CaseEvent.objects.get(case=c, action="accept")
    assert ev.actor == handler and ev.actor_role == "handler" and ev.channel == "window"
    assert ev.from_state == "prechecking" and ev.to_state == "accepted"
    assert c.visits == 1  # pickup


def test_disallowed_transition_names_state_and_action(submitted, staff):
    with pytest.raises(ValidationError) as exc:
        workflow.transition(submitted, "complete", staff["chengban"], outcome="approved")
    msg = exc.value.message_dict["action"][0]
    assert "已申报" in msg and "办结" in msg
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert CaseEvent.objects.filter(case=submitted).count() == 1


def test_reject_requires_reason(submitted, staff):
    with pytest.raises(ValidationError) as exc:
        workflow.transition(submitted, "reject", staff["chengban"])
    assert "reason" in exc.value.message_dict
    c = workflow.transition(submitted, "reject", staff["chengban"], reason="不属于本部门职权")
    assert c.status == Status.REJECTED and c.reason == "不属于本部门职权"


def test_denied_completion_requires_reason(submitted, staff):
    h = staff["chengban"]
    c = workflow.transition(submitted, "accept", h)
    with pytest.raises(ValidationError) as exc:
        workflow.transition(c, "complete", h, outcome="denied")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        workflow.transition(c, "complete", h, outcome="maybe")
    assert "outcome" in exc.value.message_dict


def test_applicant_cannot_do_staff_action_and_staff_scope(submitted, staff, portal_users):
    with pytest.raises(ValidationError):
        workflow.transition(submitted, "accept", portal_users["qiye"])
    # Jiangyou's handler cannot see a city market case
    with pytest.raises(Http404):
        workflow.transition(submitted, "accept", staff["jiangyou_chengban"])
    # a city leader is read-only: 403
    with pytest.raises(PermissionDenied):
        workflow.transition(submitted, "accept", staff["shilingdao"])
    # another portal user cannot withdraw it
    with pytest.raises(Http404):
        workflow.transition(submitted, "withdraw", portal_users["shimin"])


def test_withdraw_then_resubmit_refused(submitted, staff, portal_users):
    h, u = staff["chengban"], portal_users["qiye"]
    c = workflow.transition(submitted, "request_supplement", h, missing=["住所使用证明"])
    c = workflow.transition(c, "withdraw", u)
    assert c.status == Status.WITHDRAWN
    with pytest.raises(ValidationError) as exc:
        workflow.transition(c, "resubmit", u)
    assert "撤回" in exc.value.message_dict["action"][0]
    from yingshang.cases import services

    with pytest.raises(ValidationError):
        services.resubmit(c, u, files={})


def test_supplement_after_acceptance_pauses_clock(submitted, staff, portal_users):
    h, u = staff["chengban"], portal_users["qiye"]
    # accepted Mon 2026-03-02, limit 3 → due end of Thu 03-05
    c = workflow.transition(submitted, "accept", h, at=at(2026, 3, 2, 10))
    assert c.due_at.astimezone(SH).date() == datetime.date(2026, 3, 5)
    c = workflow.transition(
        c, "request_supplement", h, missing=["住所使用证明"], at=at(2026, 3, 3, 9)
    )
    assert c.status == Status.SUPPLEMENT and c.paused_since is not None
    assert c.sla_state == "paused"
    # resubmitted Fri 03-06: pause covered Wed, Thu, Fri = 3 working days → due Tue 03-10
    c = workflow.transition(c, "resubmit", u, at=at(2026, 3, 6, 15))
    assert c.status == Status.ACCEPTED
    assert c.paused_days == 3
    assert c.due_at.astimezone(SH).date() == datetime.date(2026, 3, 10)


def test_supplement_before_acceptance_returns_to_prechecking(submitted, staff, portal_users):
    from yingshang.cases import services
    from yingshang.cases.services import material_slots

    h, u = staff["chengban"], portal_users["qiye"]
    c = workflow.transition(submitted, "precheck", h)
    slot = material_slots([c.version])[1]
    c = workflow.transition(
        c, "request_supplement", h, missing=[{"key": slot.key, "name": slot.name}]
    )
    assert c.paused_since is None  # clock not started yet
    with pytest.raises(ValidationError) as exc:
        services.resubmit(c, u, files={})
    assert f"material_{slot.key}" in exc.value.message_dict
    c = services.resubmit(c, u, files={slot.key: upload("new.pdf")})
    assert c.status == Status.PRECHECKING
    assert c.materials.filter(round=1).count() == 1


def test_suspend_and_resume_over_spring_festival(submitted, staff):
    h = staff["chengban"]
    # accepted Thu 2026-02-12; limit 3 → Fri 13, Sat 14 (调休 working day), Tue 24
    c = workflow.transition(submitted, "accept", h, at=at(2026, 2, 12, 9))
    assert c.due_at.astimezone(SH).date() == datetime.date(2026, 2, 24)
    c = workflow.transition(c, "suspend", h, suspend_reason="expert", at=at(2026, 2, 13, 9))
    assert c.status == Status.SUSPENDED
    with pytest.raises(ValidationError):
        workflow.transition(c, "suspend", h, suspend_reason="bogus")
    # resumed Wed 02-25: pause (Fri 13, Wed 25] covers Sat 14, Tue 24, Wed 25 = 3 days
    c = workflow.transition(c, "resume", h, at=at(2026, 2, 25, 9))
    assert c.status == Status.ACCEPTED and c.paused_days == 3
    assert c.due_at.astimezone(SH).date() == datetime.date(2026, 2, 27)


def test_stale_form_version_is_refused(submitted, staff):
    """Optimistic fallback (works on SQLite): a second clerk acting from a stale page fails."""
    seen = submitted.lock_version
    workflow.transition(submitted, "accept", staff["chengban"], expected_version=seen)
    with pytest.raises(workflow.ConcurrentUpdate):
        workflow.transition(
            submitted, "reject", staff["kezhang"], expected_version=seen, reason="x"
        )
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_immediate_item_due_same_working_day(catalog, person_applicant, portal_users, staff):
    from yingshang.cases.services import material_slots, submit_case

    item = catalog["immediate"]
    slots = material_slots([item.current_version])
    c = submit_case(
        item=item,
        applicant=person_applicant,
        user=portal_users["shimin"],
        files={s.key: upload() for s in slots},
    )
    hr = type(staff["chengban"]).objects.create(
        username="hr_handler",
        role="handler",
        division=staff["chengban"].division,
        department=c.department,
    )
    # accepted on Saturday 2026-02-14 (调休 working day) → due the same day
    c = workflow.transition(c, "accept", hr, at=at(2026, 2, 14, 10))
    assert c.due_at.astimezone(SH).date() == datetime.date(2026, 2, 14)
    c = workflow.transition(c, "complete", hr, outcome="approved", at=at(2026, 2, 14, 11))
    assert c.final_sla_state == "on_time" and c.working_days_used == 0


def test_overdue_completion_measured(submitted, staff):
    h = staff["chengban"]
    c = workflow.transition(submitted, "accept", h, at=at(2026, 3, 2, 10))
    c = workflow.transition(c, "complete", h, outcome="approved", at=at(2026, 3, 9, 10))
    assert c.final_sla_state == "overdue"
    assert c.working_days_used == 5 and c.days_saved == 0


def test_evaluation_subject_info(submitted, staff):
    info = submitted.evaluation_subject_info()
    assert info["finished"] is False and info["channel"] == "online"
    assert info["applicant_user_id"] == submitted.user_id
    assert info["department"] == submitted.department and submitted.number in info["label"]
    c = workflow.transition(submitted, "reject", staff["chengban"], reason="x")
    assert c.evaluation_subject_info()["finished"] is True


def test_status_change_notifies_applicant(
    submitted, staff, portal_users, django_capture_on_commit_callbacks
):
    from yingshang.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(submitted, "accept", staff["chengban"])
    n = Notification.objects.filter(recipient=portal_users["qiye"]).first()
    assert n is not None and submitted.number in n.title and "已受理" in n.title
    assert n.link.endswith(f"/my/cases/{submitted.number}/")
