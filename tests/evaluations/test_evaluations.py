"""好差评: rating rules (finished, once per channel, applicant only), the rectification flow to the
evaluator's verdict, the contest (申诉) decided by the bureau, and the public monthly figures."""

import re

import pytest
from django.core.exceptions import ValidationError

from yingshang.appeals import services as appeals
from yingshang.core.models import User
from yingshang.evaluations import services
from yingshang.evaluations.models import Evaluation, Rectification, RectStatus
from yingshang.evaluations.selectors import monthly_stats

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def power_handler(depts):
    return User.objects.create_user(
        "power1", role="handler", division=depts["power"].division, department=depts["power"]
    )


@pytest.fixture
def closed_appeal(submit, office, depts, power_handler, portal_user):
    def _make(**over):
        a = submit(user=portal_user, **over)
        a = appeals.dispatch(a, office, depts["power"], now=MONDAY)
        a = appeals.reply(a, power_handler, "已接电", now=MONDAY)
        return appeals.confirm(a, portal_user, True, now=MONDAY)

    return _make


def test_rating_refused_when_not_finished(submit, portal_user):
    a = submit(user=portal_user)
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(a, portal_user, 5)
    assert "subject" in exc.value.message_dict
    assert not Evaluation.objects.exists()


def test_rating_by_someone_else_refused(closed_appeal, staff):
    a = closed_appeal()
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(a, staff["chengban"], 5)
    assert exc.value.message_dict["evaluator"] == ["只有申请人本人可以评价。"]


def test_once_per_channel_and_good_rating_has_no_rectification(closed_appeal, portal_user):
    a = closed_appeal()
    ev = services.submit_evaluation(a, portal_user, 5, {"efficiency": 4}, "很好")
    assert ev.channel == "online" and ev.dimensions["efficiency"] == 4
    assert ev.dimensions["overall"] == 5 and set(ev.dimensions) == {
        "overall",
        "efficiency",
        "guide_accuracy",
        "convenience",
        "usability",
    }
    assert not Rectification.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(a, portal_user, 4, now=MONDAY)
    assert "subject" in exc.value.message_dict
    assert Evaluation.objects.count() == 1


def test_bad_level_and_dimension_refused(closed_appeal, portal_user):
    a = closed_appeal()
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(a, portal_user, 7)
    assert "level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.submit_evaluation(a, portal_user, 4, {"attitude": 3})  # an offline dimension
    assert "dimensions" in exc.value.message_dict


def test_rectification_flow_to_evaluator_verdict(
    closed_appeal, portal_user, power_handler, office, staff
):
    a = closed_appeal()
    ev = services.submit_evaluation(a, portal_user, 1, comment="拖了很久")
    rect = ev.rectification
    assert rect.status == RectStatus.VERIFYING and rect.department == ev.department
    with pytest.raises(ValidationError):  # another department cannot act
        services.rectification_step(rect, staff["chengban"], "verify")
    rect = services.rectification_step(rect, power_handler, "verify", "属实", now=MONDAY)
    assert rect.status == RectStatus.RECTIFYING
    assert (rect.due_at - MONDAY).days == 21  # 15 working days
    with pytest.raises(ValidationError) as exc:
        services.rectification_step(rect, power_handler, "report", "")
    assert "measures" in exc.value.message_dict
    rect = services.rectification_step(rect, power_handler, "report", "已优化接电流程")
    assert rect.status == RectStatus.CALLBACK
    with pytest.raises(ValidationError):  # the department cannot call back itself
        services.rectification_step(rect, power_handler, "callback", "回访")
    rect = services.rectification_step(rect, office, "callback", "已电话回访")
    assert rect.status == RectStatus.AWAITING_VERDICT
    with pytest.raises(ValidationError) as exc:
        services.rectification_step(rect, office, "accept")
    assert "evaluator" in exc.value.message_dict
    rect = services.rectification_step(rect, portal_user, "reject", "还没改好")
    assert rect.status == RectStatus.RECTIFYING and rect.rounds == 2
    rect = services.rectification_step(rect, power_handler, "report", "第二轮整改")
    rect = services.rectification_step(rect, office, "callback", "再次回访")
    rect = services.rectification_step(rect, portal_user, "accept", "认可")
    assert rect.status == RectStatus.CLOSED and rect.verdict_satisfied is True
    assert list(rect.events.order_by("id").values_list("action", flat=True)) == [
        "open",
        "verify",
        "report",
        "callback",
        "reject",
        "report",
        "callback",
        "accept",
    ]
    [row] = monthly_stats()
    assert row["bad"] == 1 and row["rectified"] == 1 and row["rectify_rate"] == 100.0
    assert row["good_rate"] == 0.0


def test_contest_decided_by_bureau(closed_appeal, portal_user, power_handler, office):
    a = closed_appeal()
    b = closed_appeal(title="另一件事", text="供电公司电表更换后电费异常,请核查计费是否正确。")
    ev = services.submit_evaluation(a, portal_user, 2)
    services.submit_evaluation(b, portal_user, 5)
    rect = services.rectification_step(
        ev.rectification, power_handler, "contest", "不属于本部门职责"
    )
    assert rect.status == RectStatus.CONTESTED
    with pytest.raises(ValidationError):
        services.rectification_step(rect, power_handler, "overturn", "自己裁定")
    rect = services.rectification_step(rect, office, "overturn", "申诉成立")
    assert rect.status == RectStatus.VOIDED
    ev.refresh_from_db()
    assert ev.voided
    [row] = monthly_stats()
    assert row["total"] == 1 and row["good_rate"] == 100.0 and row["bad"] == 0


def test_public_stats_page_and_api(closed_appeal, portal_user, client):
    a = closed_appeal()
    services.submit_evaluation(a, portal_user, 4, now=MONDAY)
    r = client.get("/evaluations/stats/?year=2025")
    assert r.status_code == 200
    html = r.content.decode()
    assert "国网绵阳供电公司" in html and "100.0%" in html and "2025-06" in html
    data = client.get("/api/evaluations/stats/?year=2025").json()
    assert data[0]["department"] == "国网绵阳供电公司" and data[0]["good_rate"] == 100.0


def test_api_rating_and_errors(closed_appeal, submit, portal_user, client, login):
    a = closed_appeal()
    c = login(portal_user)
    r = c.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": str(a.pk), "level": 2, "comment": "慢"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Rectification.objects.filter(evaluation_id=r.json()["id"]).exists()
    r = c.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": str(a.pk), "level": 5},
        content_type="application/json",
    )
    assert r.status_code == 400 and "subject" in r.json()
    open_one = submit(user=portal_user, title="未办结", text="请问企业开办需要多少天可以办完?")
    r = c.post(
        "/api/evaluations/",
        {"subject_type": "appeals.appeal", "subject_id": str(open_one.pk), "level": 5},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["subject"] == ["办理尚未完成，暂不能评价。"]
    r = c.post(
        "/api/evaluations/",
        {"subject_type": "core.user", "subject_id": "1", "level": 5},
        content_type="application/json",
    )
    assert r.status_code == 400 and "subject_type" in r.json()
    # the evaluator sees their rectification and can give the verdict through the API
    rect = Rectification.objects.get()
    assert c.get(f"/api/evaluations/rectifications/{rect.pk}/").status_code == 200
    r = c.post(
        f"/api/evaluations/rectifications/{rect.pk}/step/",
        {"action": "accept"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "status" in r.json()["errors"]


def test_rectification_scoping(closed_appeal, portal_user, staff, login, power_handler):
    a = closed_appeal()
    ev = services.submit_evaluation(a, portal_user, 1)
    rect = ev.rectification
    assert (
        login(staff["chengban"]).get(f"/staff/evaluations/rectifications/{rect.pk}/").status_code
        == 404
    )
    assert (
        login(staff["chengban"]).get(f"/api/evaluations/rectifications/{rect.pk}/").status_code
        == 404
    )
    r = login(power_handler).get(f"/staff/evaluations/rectifications/{rect.pk}/")
    assert r.status_code == 200 and "待核实" in r.content.decode()


def test_generic_rate_page(closed_appeal, submit, portal_user, login, client, staff):
    a = closed_appeal()
    url = f"/evaluations/rate/appeals.appeal/{a.pk}/"
    assert client.get(url).status_code == 404  # a stranger
    assert client.get("/evaluations/rate/core.user/1/").status_code == 404
    c = login(portal_user)
    r = c.get(url)
    assert r.status_code == 200 and a.number in r.content.decode()
    r = c.post(url, {"level": "2", "dim_efficiency": "1", "comment": "慢"})
    assert r.status_code == 302
    ev = Evaluation.objects.get()
    assert ev.level == 2 and ev.dimensions["efficiency"] == 1
    assert Rectification.objects.filter(evaluation=ev).exists()
    r = c.post(url, {"level": "5"})
    assert "该事项已评价" in r.content.decode() and Evaluation.objects.count() == 1
    assert "不满意" in c.get(url).content.decode()
    b = submit(user=portal_user, title="未完成", text="请问外资企业设立登记要多久?")
    r = c.post(f"/evaluations/rate/appeals.appeal/{b.pk}/", {"level": "5"})
    assert "办理尚未完成" in r.content.decode()


def test_overdue_rectification_is_flagged_once(
    closed_appeal, portal_user, power_handler, office, django_capture_on_commit_callbacks
):
    import datetime

    from yingshang.notifications.models import Notification

    a = closed_appeal()
    ev = services.submit_evaluation(a, portal_user, 1)
    services.rectification_step(ev.rectification, power_handler, "verify", "属实", now=MONDAY)
    assert services.sweep_overdue_rectifications(now=MONDAY + datetime.timedelta(days=10)) == 0
    later = MONDAY + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_overdue_rectifications(now=later) == 1
    assert services.sweep_overdue_rectifications(now=later) == 0
    rect = Rectification.objects.get()
    assert rect.overdue_at == later and rect.events.filter(action="overdue").count() == 1
    assert Notification.objects.filter(recipient=power_handler, title__contains="逾期").exists()
    assert Notification.objects.filter(recipient=office, title__contains="逾期").exists()


def test_rectification_sweep_is_a_periodic_job():
    from yingshang.platform import jobs

    jobs.autodiscover()
    assert jobs.registry.get("evaluations.rectification_sweep")


def test_rectification_history_in_words(closed_appeal, portal_user, power_handler, login):
    """整改记录 names each step and state in words (生成整改单 · 待核实, 核实属实 · 整改中) and
    the system as 系统 — not ``open``/``verifying``/``verify``/``rectifying``/``system``."""
    a = closed_appeal()
    rect = services.submit_evaluation(a, portal_user, 1, comment="拖了很久").rectification
    services.rectification_step(rect, power_handler, "verify", "属实")
    r = login(power_handler).get(f"/staff/evaluations/rectifications/{rect.pk}/")
    html = r.content.decode()
    history = html[html.index("整改记录") :]
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>(.*?)</td><td>([^<]*)</td>", history)
    assert [(action, state) for action, _who, state in rows] == [
        ("生成整改单", "待核实"),
        ("核实属实", "整改中"),
    ]
    assert rows[0][1] == "系统"
    assert power_handler.username in rows[1][1]
    for code in (">open<", ">verify<", ">verifying<", ">rectifying<", ">system<"):
        assert code not in history
