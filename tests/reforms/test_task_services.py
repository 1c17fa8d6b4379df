"""Reform programmes and tasks built with factories and driven through the public services and
the API: programme and milestone validation, milestone-driven progress, report review rules,
contributions, permissions (lead / partner / bureau / leader), scoping, errors zh/en, events."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.core.factories import HandlerFactory, LeaderFactory, department
from tests.helpers import has_cjk
from tests.reforms.factories import MilestoneFactory, TaskFactory
from yingshang.reforms import selectors, services
from yingshang.reforms.models import ProgressReport, ReportStatus, TaskEvent, TaskState

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def task(mianyang):
    return TaskFactory()


@pytest.fixture
def lead(task):
    return HandlerFactory(department=department("510700", "market"))


@pytest.fixture
def bureau(staff):
    return staff["jianduyuan"]


def report(task, user, percent, **kw):
    kw.setdefault("text", "按计划推进")
    kw.setdefault("at", AT)
    return services.submit_report(task, user=user, percent=percent, **kw)


# ------------------------------------------------------------------------------- programmes


def test_create_programme_validates_every_field(mianyang, bureau):
    city = department("510700", "market").division
    with pytest.raises(ValidationError) as exc:
        services.create_programme(
            user=bureau, title="  ", issue_date=None, division=city, lag_margin=120
        )
    assert set(exc.value.message_dict) == {"title", "issue_date", "lag_margin"}
    assert exc.value.message_dict["lag_margin"] == ["滞后容差应在0到100之间。"]
    p = services.create_programme(
        user=bureau, title=" 方案 ", issue_date=datetime.date(2026, 2, 1), division=city
    )
    assert p.title == "方案" and p.year == 2026 and p.reporting_cycle == "monthly"


def test_only_the_bureau_creates_programmes(mianyang, lead):
    city = lead.division
    with pytest.raises(PermissionDenied):
        services.create_programme(
            user=lead, title="x", issue_date=datetime.date(2026, 1, 1), division=city
        )
    with pytest.raises(PermissionDenied):
        services.create_programme(
            user=LeaderFactory(), title="x", issue_date=datetime.date(2026, 1, 1), division=city
        )


def test_programme_errors_in_english(mianyang, bureau):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.create_programme(
                user=bureau,
                title="",
                issue_date=datetime.date(2026, 1, 1),
                division=bureau.division,
            )
    assert not has_cjk(exc.value.message_dict["title"][0])


# ------------------------------------------------------------------------------- milestones


def test_add_milestone_validates(task, bureau):
    with pytest.raises(ValidationError) as exc:
        services.add_milestone(
            task, user=bureau, title=" ", due_date=datetime.date(2025, 1, 1), weight=0
        )
    assert set(exc.value.message_dict) == {"title", "due_date", "weight"}
    assert exc.value.message_dict["due_date"] == ["节点日期早于方案印发日期。"]
    m = services.add_milestone(
        task, user=bureau, title=" 系统上线 ", due_date=datetime.date(2026, 6, 30), weight=2
    )
    assert m.title == "系统上线" and task.milestones.count() == 1


def test_only_the_bureau_adds_milestones(task, lead):
    with pytest.raises(PermissionDenied):
        services.add_milestone(task, user=lead, title="x", due_date=datetime.date(2026, 6, 30))
    assert not task.milestones.exists()


def test_milestone_percents_drive_the_task_progress(task, lead):
    a = MilestoneFactory(task=task, weight=1)
    b = MilestoneFactory(task=task, weight=3)
    r = report(task, lead, None, milestone_percents={str(a.pk): "100", b.pk: 20})
    assert r.percent == Decimal("40.00")  # (100×1 + 20×3) / 4
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.reached_on == AT.date() and b.reached_on is None and b.percent == 20
    task.refresh_from_db()
    assert task.progress == Decimal("40.00")


def test_a_milestone_of_another_task_is_refused(task, lead):
    other = MilestoneFactory()
    with pytest.raises(ValidationError) as exc:
        report(task, lead, None, milestone_percents={other.pk: 50})
    assert exc.value.message_dict["milestones"] == [f"节点 {other.pk} 不属于该任务。"]
    assert not ProgressReport.objects.exists()


# ---------------------------------------------------------------------------------- reports


@pytest.mark.parametrize("bad", ["abc", "-1", "100.5", "NaN", None])
def test_percent_must_be_between_0_and_100(task, lead, bad):
    with pytest.raises(ValidationError) as exc:
        report(task, lead, bad)
    assert list(exc.value.message_dict) == ["percent"]
    assert not ProgressReport.objects.exists()
    task.refresh_from_db()
    assert task.progress == 0


def test_report_needs_text_and_records_period_and_event(task, lead):
    with pytest.raises(ValidationError) as exc:
        report(task, lead, 10, text="  ")
    assert exc.value.message_dict == {"text": ["请填写进展情况。"]}
    r = report(task, lead, "12.346")
    assert r.percent == Decimal("12.35") and r.period == "2026-03"
    assert r.department == lead.department and r.author == lead
    assert TaskEvent.objects.filter(task=task, note__contains="12.35").exists()


def test_lowering_progress_needs_a_reason(task, lead):
    report(task, lead, 60)
    with pytest.raises(ValidationError) as exc:
        report(task, lead, 40)
    assert "decrease_reason" in exc.value.message_dict
    assert "60" in exc.value.message_dict["decrease_reason"][0]
    r = report(task, lead, 40, decrease_reason="部分系统需返工")
    assert r.decrease_reason == "部分系统需返工"


def test_partners_and_strangers_cannot_report(task, lead):
    partner = HandlerFactory(department=department("510700", "tax"))
    task.partner_units.add(partner.department)
    for user in (
        partner,
        HandlerFactory(department=department("510781", "market")),
        LeaderFactory(),
    ):
        with pytest.raises(PermissionDenied):
            report(task, user, 10)
    # …but a partner contributes its part, and a stranger cannot.
    c = services.add_contribution(task, user=partner, text=" 已完成税务部分 ", at=AT)
    assert c.text == "已完成税务部分" and c.department == partner.department
    with pytest.raises(ValidationError) as exc:
        services.add_contribution(task, user=partner, text=" ")
    assert exc.value.message_dict == {"text": ["请填写分工进展。"]}
    with pytest.raises(PermissionDenied):
        services.add_contribution(
            task, user=HandlerFactory(department=department("510700", "police")), text="x"
        )


def test_review_rules(task, lead, bureau):
    r = report(task, lead, 30)
    with pytest.raises(PermissionDenied):
        services.review_report(r, user=lead, accept=True)
    with pytest.raises(ValidationError) as exc:
        services.review_report(r, user=bureau, accept=False, note=" ")
    assert exc.value.message_dict == {"review_note": ["退回须说明原因。"]}
    services.review_report(r, user=bureau, accept=True, note="同意", at=AT)
    r.refresh_from_db()
    assert r.status == ReportStatus.ACCEPTED and r.reviewed_by == bureau
    with pytest.raises(ValidationError) as exc:
        services.review_report(r, user=bureau, accept=True)
    assert exc.value.message_dict == {"status": ["该报告已审核，不能重复审核。"]}


def test_returning_a_report_restores_the_previous_progress(task, lead, bureau):
    report(task, lead, 30)
    second = report(task, lead, 70, at=AT + datetime.timedelta(days=1))
    task.refresh_from_db()
    assert task.progress == 70
    services.review_report(second, user=bureau, accept=False, note="佐证不足")
    task.refresh_from_db()
    second.refresh_from_db()
    assert task.progress == 30 and second.status == ReportStatus.RETURNED
    assert second.review_note == "佐证不足"


def test_accepting_a_full_report_closes_the_task_and_stops_reports(task, lead, bureau):
    r = report(task, lead, 100)
    services.review_report(r, user=bureau, accept=True, at=AT)
    task.refresh_from_db()
    assert task.is_closed and task.completed_on == AT.date()
    assert task.state == TaskState.COMPLETED
    with pytest.raises(ValidationError) as exc:
        report(task, lead, 100)
    assert exc.value.message_dict == {"task": ["任务已销号，不能再报送进度。"]}
    with pytest.raises(ValidationError):
        services.add_contribution(task, user=lead, text="x")


def test_a_late_completion_is_completed_late(mianyang, lead, bureau):
    task = TaskFactory(deadline=datetime.date(2026, 2, 28))
    r = report(task, lead, 100)
    services.review_report(r, user=bureau, accept=True, at=AT)
    task.refresh_from_db()
    assert task.state == TaskState.COMPLETED_LATE


# ---------------------------------------------------------------------------- reads and API


def test_tasks_are_scoped_to_lead_and_partner_units(mianyang, staff):
    mine = TaskFactory(content="市场监管任务")
    TaskFactory(content="公安任务", leads=[department("510700", "police")])
    joined = TaskFactory(content="协办任务", leads=[department("510700", "police")])
    joined.partner_units.add(department("510700", "market"))
    handler = staff["chengban"]  # city market bureau
    assert set(selectors.tasks_for(handler)) == {mine, joined}
    assert selectors.tasks_for(staff["jianduyuan"]).count() == 3
    assert list(selectors.tasks_for(staff["jianduyuan"], q="协办")) == [joined]


def test_api_report_validation_and_scope(task, lead, client):
    client.force_login(lead)
    r = client.post(
        "/api/reforms/reports/",
        {"task": task.pk, "percent": "abc", "text": "x"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert r.status_code == 400 and "percent" in r.json()
    assert not has_cjk(r.json()["percent"][0])
    r = client.post(
        "/api/reforms/reports/",
        {"task": task.pk, "percent": "30", "text": "已完成"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["percent"] in ("30.00", 30.0, "30")
    other = TaskFactory(leads=[department("510781", "market")])
    r = client.post(
        "/api/reforms/reports/",
        {"task": other.pk, "percent": "30", "text": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert client.get(f"/api/reforms/tasks/{other.pk}/").status_code == 404
    assert client.get(f"/staff/reforms/tasks/{other.pk}/").status_code == 404


def test_api_review_by_the_bureau_only(task, lead, bureau, client):
    r = report(task, lead, 40)
    client.force_login(lead)
    assert (
        client.post(
            f"/api/reforms/reports/{r.pk}/review/",
            {"accept": True},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(bureau)
    resp = client.post(
        f"/api/reforms/reports/{r.pk}/review/",
        {"accept": False, "note": ""},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "review_note" in resp.json()
    resp = client.post(
        f"/api/reforms/reports/{r.pk}/review/",
        {"accept": True, "note": "同意"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
