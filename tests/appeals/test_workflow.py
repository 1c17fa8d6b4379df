"""The appeal workflow through the services: submit, sign, dispatch, reply, confirm, reopen,
escalate, extensions, deadlines, scoping, and every refused input."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealEvent, Extension, Status

from .conftest import MONDAY, make_uscc

pytestmark = pytest.mark.django_db


def test_submit_sets_number_sign_due_and_event(submit, portal_user):
    a = submit(user=portal_user)
    assert a.number.startswith("SQ20250609")
    assert a.status == Status.SUBMITTED
    assert a.applicant_user == portal_user
    # signing within 1 working day: Tuesday end of day
    assert a.sign_due.astimezone(MONDAY.tzinfo).date() == datetime.date(2025, 6, 10)
    ev = AppealEvent.objects.get(appeal=a)
    assert ev.action == "submit" and ev.to_state == Status.SUBMITTED
    assert "变压器" in a.tokens.split()


@pytest.mark.parametrize(
    "over, field",
    [
        ({"text": ""}, "text"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"contact_name": ""}, "contact_name"),
        ({"uscc": "91510700MA62000000"}, "uscc"),
        ({"uscc": ""}, "uscc"),
        (
            {"appellant_kind": "person", "person_name": "张三", "id_number": "510703199001011230"},
            "id_number",
        ),
    ],
)
def test_bad_submissions_are_refused_and_nothing_written(submit, over, field):
    with pytest.raises(ValidationError) as exc:
        submit(**over)
    assert field in exc.value.message_dict
    assert Appeal.objects.count() == 0 and AppealEvent.objects.count() == 0


def test_flow_dispatch_reply_confirm(submit, office, depts, staff, portal_user):
    a = submit(user=portal_user)
    a = services.sign(a, office, now=MONDAY)
    a = services.dispatch(a, office, depts["power"], [depts["development"]], "请尽快", now=MONDAY)
    assert a.status == Status.DISPATCHED and a.limit_days == 7  # 求助: 7 working days
    assert a.due_at.astimezone(MONDAY.tzinfo).date() == datetime.date(2025, 6, 18)
    assert a.division == depts["power"].division
    # market handler is not the lead department: refused
    with pytest.raises(ValidationError) as exc:
        services.reply(a, staff["chengban"], "答复")
    assert "department" in exc.value.message_dict
    from yingshang.core.models import User

    power_handler = User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )
    a = services.reply(a, power_handler, "已安排施工队,下周完成增容。", now=MONDAY)
    assert a.status == Status.REPLIED
    # someone else cannot confirm
    with pytest.raises(ValidationError) as exc:
        services.confirm(a, staff["chengban"], True)
    assert "applicant" in exc.value.message_dict
    a = services.confirm(a, portal_user, True)
    assert a.status == Status.CLOSED and a.resolved is True
    actions = list(a.events.values_list("action", flat=True))
    assert actions == ["submit", "sign", "dispatch", "reply", "confirm"]
    roles = set(a.events.values_list("actor_role", flat=True))
    assert "诉求人" in roles and "监督员" in roles


def test_unresolved_reopens_or_escalates(submit, office, depts, portal_user):
    from yingshang.core.models import User

    h = User.objects.create_user(
        "tax1", role="handler", division=depts["tax"].division, department=depts["tax"]
    )
    a = submit(user=portal_user, topic="tax")
    a = services.dispatch(a, office, depts["tax"], now=MONDAY)
    a = services.reply(a, h, "已答复", now=MONDAY)
    a = services.confirm(
        a, portal_user, False, "reopen", "没解决", now=MONDAY + datetime.timedelta(days=1)
    )
    assert a.status == Status.DISPATCHED and a.resolved is False
    a = services.reply(a, h, "再次答复")
    a = services.confirm(a, portal_user, False, "escalate", "还是没解决")
    assert a.status == Status.ESCALATED and a.escalated_at is not None
    # escalated appeals can still be replied to and closed
    a = services.reply(a, h, "市领导督办后已解决")
    a = services.confirm(a, portal_user, True)
    assert a.status == Status.CLOSED


def test_transitions_are_checked(submit, office, portal_user):
    a = submit(user=portal_user)
    with pytest.raises(ValidationError) as exc:
        services.confirm(a, portal_user, True)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.sign(a, portal_user)  # not the service office


def test_extension_max_and_approval(submit, office, depts, settings):
    from yingshang.core.models import User

    settings.APPEAL_MAX_EXTENSION_DAYS = 10
    h = User.objects.create_user(
        "land1", role="handler", division=depts["land"].division, department=depts["land"]
    )
    a = submit(topic="land")
    a = services.dispatch(a, office, depts["land"], now=MONDAY)
    due = a.due_at
    with pytest.raises(ValidationError) as exc:
        services.request_extension(a, h, 11, "复杂")
    assert "days" in exc.value.message_dict and "10" in exc.value.message_dict["days"][0]
    assert not Extension.objects.exists()
    ext = services.request_extension(a, h, 5, "需要现场踏勘")
    services.decide_extension(ext, office, True)
    a.refresh_from_db()
    assert a.extension_days == 5 and a.due_at > due
    assert (a.due_at - due).days == 7  # 5 working days = one calendar week
    with pytest.raises(ValidationError) as exc:
        services.request_extension(a, h, 6, "还要延")
    assert "days" in exc.value.message_dict
    assert a.events.filter(action="extend").count() == 1


def test_sweep_escalates_overdue(submit, office, depts):
    late = submit()
    on_time = submit(
        title="另一个诉求",
        text="请问开办企业需要哪些材料,能否网上办理营业执照。",
        topic="startup",
        appeal_type="consult",
    )
    services.dispatch(on_time, office, depts["market"], now=MONDAY)
    # Wednesday: the unsigned one is past its 1-working-day sign limit; the dispatched one (3 days) is not
    result = services.sweep_overdue(now=MONDAY + datetime.timedelta(days=2))
    assert result["escalated"] == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.status == Status.ESCALATED and late.escalation_reason == "逾期未签收"
    assert on_time.status == Status.DISPATCHED
    # two weeks later the dispatched one is overdue too
    assert services.sweep_overdue(now=MONDAY + datetime.timedelta(days=14))["escalated"] == 1
    on_time.refresh_from_db()
    assert on_time.status == Status.ESCALATED
    assert services.sweep_overdue(now=MONDAY + datetime.timedelta(days=15))["escalated"] == 0


def test_repeat_detection_links_similar_appeal(submit):
    first = submit()
    second = submit(now=MONDAY + datetime.timedelta(days=3), title="厂房用电报装还没有接电")
    assert second.repeat_of == first and second.repeat_score >= 0.5
    assert second.events.filter(action="repeat").exists()
    other = submit(uscc=make_uscc(2), now=MONDAY + datetime.timedelta(days=3))
    assert other.repeat_of is None  # a different enterprise
    unrelated = submit(
        text="我们想申请科技型中小企业研发费用补贴,请问申报条件和时间。",
        title="研发补贴",
        topic="policy",
    )
    assert unrelated.repeat_of is None


def test_scoping(submit, office, depts, staff, login):
    a = submit()
    services.dispatch(a, office, depts["power"])
    # market handler (department role) does not see an appeal dispatched to power supply
    assert not Appeal.objects.visible_to(staff["chengban"]).filter(pk=a.pk).exists()
    assert Appeal.objects.visible_to(office).filter(pk=a.pk).exists()
    assert Appeal.objects.visible_to(staff["shilingdao"]).filter(pk=a.pk).exists()
    # co-handler sees it
    b = submit(uscc=make_uscc(3))
    services.dispatch(b, office, depts["power"], [depts["market"]])
    assert Appeal.objects.visible_to(staff["chengban"]).filter(pk=b.pk).exists()
    # county staff do not see a city-level appeal
    assert not Appeal.objects.visible_to(staff["jiangyou_chuangkou"]).filter(pk=a.pk).exists()
    client = login(staff["chengban"])
    assert client.get(f"/staff/appeals/{a.pk}/").status_code == 404
    assert client.get(f"/api/appeals/{a.pk}/").status_code == 404
    assert client.get(f"/api/appeals/{b.pk}/").status_code == 200


def test_steps_notify_the_people_concerned(
    submit, office, depts, staff, portal_user, django_capture_on_commit_callbacks
):
    from yingshang.core.models import User
    from yingshang.notifications.models import Notification

    h = User.objects.create_user(
        "power9", role="handler", division=depts["power"].division, department=depts["power"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        a = submit(user=portal_user)
    assert Notification.objects.filter(recipient=office, category="appeals").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(a, office, depts["power"])
    n = Notification.objects.get(recipient=h)
    assert a.number in n.title and n.link == f"/staff/appeals/{a.pk}/"
    assert Notification.objects.filter(
        recipient=portal_user, title__contains="国网绵阳供电公司"
    ).exists()
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_overdue(now=timezone.now() + datetime.timedelta(days=30))
    # the overdue escalation reaches the city leader, who may then instruct
    assert Notification.objects.filter(
        recipient=staff["shilingdao"], title__contains="升级"
    ).exists()
    with pytest.raises(ValidationError):
        services.instruct(a, staff["chengban"], "加快")
    with django_capture_on_commit_callbacks(execute=True):
        services.instruct(a, staff["shilingdao"], "请一周内解决")
    assert Notification.objects.filter(recipient=h, title__contains="批示").exists()
    assert a.events.filter(action="instruct", actor=staff["shilingdao"]).exists()


def test_sweep_is_a_registered_periodic_job():
    from yingshang.platform import jobs

    jobs.autodiscover()
    job = jobs.registry.get("appeals.deadline_sweep")
    assert "0:15:00" in str(job.schedule)


def test_personal_data_masked_in_audit_log_and_lists(submit, office, login):
    from yingshang.platform.models import AuditEntry

    a = submit(
        appellant_kind="person",
        person_name="张三",
        id_number="11010519491231002X",
        uscc="",
        enterprise_name="",
    )
    entry = AuditEntry.objects.filter(object_type="appeals.Appeal", object_id=str(a.pk)).first()
    after = entry.changes["after"]
    assert after["contact_phone"] == "138****5678"
    assert after["id_number"] == "110105********002X"
    html = login(office).get("/staff/appeals/?queue=sign").content.decode()
    assert "110105********002X" in html and "11010519491231002X" not in html
    assert "13812345678" not in login(office).get(f"/staff/appeals/{a.pk}/").content.decode()


def test_records_are_written_in_the_default_language(submit, office):
    from django.utils import translation

    with translation.override("en"):
        a = submit()
        services.sweep_overdue(now=MONDAY + datetime.timedelta(days=5))
    a.refresh_from_db()
    assert a.escalation_reason == "逾期未签收"
    assert set(a.events.values_list("actor_role", flat=True)) == {"诉求人", "系统"}
