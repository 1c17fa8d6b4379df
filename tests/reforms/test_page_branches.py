"""The reforms pages off the main path: the task-book index and its redirects, an import whose
preview expired or whose confirmation fails, oversize and missing uploads, unknown or malformed
task actions, milestone percents typed on the report form, the programme form's field errors in
Chinese and English — each answering with a message and writing nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.core.factories import HandlerFactory, SupervisorFactory, department
from tests.reforms.factories import MilestoneFactory, ProgrammeFactory, TaskFactory
from yingshang.platform import uploads
from yingshang.platform.models import AuditAction, AuditEntry
from yingshang.reforms.models import Programme, ProgressReport, Task

DOC = "一、措施\n1.甲任务,2019年底前完成。(市公安局牵头)\n2.乙任务,年内完成。(市税务局牵头)\n"


@pytest.fixture
def bureau(mianyang):
    return SupervisorFactory()


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --------------------------------------------------------------------------- task book


def test_book_index_redirects_a_department_member_to_its_own_book(mianyang, client):
    task = TaskFactory()
    client.force_login(HandlerFactory())
    r = client.get(reverse("reforms:book-index", args=[task.programme_id]))
    market = department("510700", "market")
    assert r.status_code == 302
    assert r["Location"] == reverse("reforms:book", args=[task.programme_id, market.pk])


def test_book_index_lists_the_lead_units_for_someone_without_a_department(mianyang, client):
    task = TaskFactory()
    TaskFactory(programme=task.programme, leads=[department("510700", "tax")])
    admin = SupervisorFactory(department=None)
    client.force_login(admin)
    r = client.get(reverse("reforms:book-index", args=[task.programme_id]))
    assert r.status_code == 200
    assert [u.name for u in r.context["units"]] == sorted(["市市场监督管理局", "市税务局"])
    # ?department= picks one of them
    tax = department("510700", "tax")
    r = client.get(reverse("reforms:book-index", args=[task.programme_id]), {"department": tax.pk})
    assert r["Location"] == reverse("reforms:book", args=[task.programme_id, tax.pk])


def test_book_of_a_department_out_of_scope_is_404(mianyang, client):
    task = TaskFactory()
    county = department("510781", "market")
    client.force_login(HandlerFactory())
    assert (
        client.get(reverse("reforms:book", args=[task.programme_id, county.pk])).status_code == 404
    )


def test_book_exports_are_audited(mianyang, client):
    task = TaskFactory()
    client.force_login(SupervisorFactory())
    market = department("510700", "market")
    url = reverse("reforms:book", args=[task.programme_id, market.pk])
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    assert client.get(url, {"format": "xlsx"}).status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-pk").first()
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == before + 1
    assert entry.object_repr == "任务书导出"


def test_schedule_export_is_audited_with_its_filters(mianyang, client):
    task = TaskFactory()
    client.force_login(SupervisorFactory())
    r = client.get(
        reverse("reforms:schedule", args=[task.programme_id]),
        {"format": "xlsx", "state": "overdue"},
    )
    assert r.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-pk").first()
    assert entry.object_repr == "进度表导出"
    assert entry.changes == {"filters": {"format": "xlsx", "state": "overdue"}}


# ------------------------------------------------------------------------------ import


@pytest.fixture
def programme(city):
    return Programme.objects.create(
        title="绵阳市优化营商环境方案",
        issue_date=datetime.date(2019, 1, 20),
        year=2019,
        division=city,
    )


def _preview(client, programme, text=DOC):
    url = reverse("reforms:import", args=[programme.pk])
    r = client.post(url, {"file": SimpleUploadedFile("fangan.txt", text.encode())})
    assert r.status_code == 200
    return url, r.context["token"]


def test_confirming_an_unknown_token_sends_back_to_the_upload(programme, bureau, client):
    client.force_login(bureau)
    url = reverse("reforms:import", args=[programme.pk])
    r = client.post(url, {"step": "confirm", "token": "0" * 32}, follow=True)
    assert r.redirect_chain == [(url, 302)]
    assert _messages(r) == ["导入预览已过期，请重新上传文件。"]
    assert programme.tasks.count() == 0


def test_confirming_after_the_scratch_file_was_swept_is_expired(programme, bureau, client):
    client.force_login(bureau)
    url, token = _preview(client, programme)
    _name, scratch = client.session["reforms_import"][token]
    uploads.scratch_delete(scratch)
    r = client.post(url, {"step": "confirm", "token": token}, follow=True)
    assert _messages(r) == ["导入预览已过期，请重新上传文件。"]
    assert token not in client.session["reforms_import"]  # forgotten, not retried forever
    assert programme.tasks.count() == 0


def test_a_confirmed_import_forgets_its_token_and_cannot_be_replayed(programme, bureau, client):
    client.force_login(bureau)
    url, token = _preview(client, programme)
    _name, scratch = client.session["reforms_import"][token]
    r = client.post(url, {"step": "confirm", "token": token}, follow=True)
    assert _messages(r) == ["已导入 2 项任务。"]
    assert programme.tasks.count() == 2
    assert uploads.scratch_read(scratch) is None
    r = client.post(url, {"step": "confirm", "token": token}, follow=True)
    assert _messages(r) == ["导入预览已过期，请重新上传文件。"]
    assert programme.tasks.count() == 2


def test_a_confirmation_that_fails_shows_the_preview_again(programme, bureau, client):
    """A task number imported meanwhile (another tab) makes the confirmation fail: the page
    shows the errors with the same token and imports nothing."""
    client.force_login(bureau)
    url, token = _preview(client, programme)
    TaskFactory(programme=programme, number="1", measure__programme=programme)
    r = client.post(url, {"step": "confirm", "token": token})
    assert r.status_code == 400
    assert r.context["token"] == token
    assert any("任务编号“1”在方案中已存在" in e for e in r.context["errors"])
    assert programme.tasks.count() == 1


def test_a_confirmed_unit_must_be_a_department_of_the_programme(programme, bureau, client):
    client.force_login(bureau)
    text = "一、措施\n1.甲任务,2019年底前完成。(市市场监管局牵头)\n"
    url, token = _preview(client, programme, text)
    county = department("510781", "market")
    r = client.post(url, {"step": "confirm", "token": token, "unit:市市场监管局": county.pk})
    assert r.status_code == 400
    assert "单位“市市场监管局”选择的部门无效。" in r.context["errors"]
    assert programme.tasks.count() == 0


def test_upload_without_a_file_or_over_the_limit_is_refused(programme, bureau, client, settings):
    client.force_login(bureau)
    url = reverse("reforms:import", args=[programme.pk])
    r = client.post(url, {})
    assert r.status_code == 400 and r.context["errors"] == ["请选择要导入的文件。"]
    settings.UPLOAD_MAX_BYTES = 10
    r = client.post(url, {"file": SimpleUploadedFile("a.txt", DOC.encode())})
    assert r.status_code == 400 and r.context["errors"] == ["文件超过大小上限。"]
    assert "reforms_import" not in client.session
    r = client.post(
        url,
        {"file": SimpleUploadedFile("a.txt", DOC.encode())},
        headers={"accept-language": "en"},
    )
    assert r.context["errors"] == ["The file exceeds the size limit."]


# ------------------------------------------------------------------------- task actions


def test_an_unknown_task_action_is_400_and_changes_nothing(mianyang, client):
    task = TaskFactory()
    client.force_login(SupervisorFactory())
    r = client.post(reverse("reforms:task", args=[task.pk]), {"action": "delete"})
    assert r.status_code == 400
    assert _messages(r) == ["未知操作。"]
    assert Task.objects.filter(pk=task.pk).exists()


def test_milestone_percents_typed_on_the_report_form(mianyang, client):
    task = TaskFactory()
    a = MilestoneFactory(task=task, weight=1)
    b = MilestoneFactory(task=task, weight=3)
    client.force_login(HandlerFactory())
    url = reverse("reforms:task", args=[task.pk])
    r = client.post(
        url,
        {
            "action": "report",
            "text": "节点推进",
            f"milestone:{a.pk}": "100",
            f"milestone:{b.pk}": "20",
        },
    )
    assert r.status_code == 302
    task.refresh_from_db()
    # weighted by the milestones: (100·1 + 20·3) / 4 = 40
    assert task.progress == Decimal("40.00")
    a.refresh_from_db()
    assert a.reached_on is not None


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("milestone:abc", "50", "节点 abc 不属于该任务。"),
        ("milestone:999999", "50", "节点 999999 不属于该任务。"),
        ("milestone:{own}", "150", "进度必须在0到100之间（收到 150）。"),
        ("milestone:{own}", "abc", "进度必须是0到100之间的数字。"),
    ],
)
def test_bad_milestone_percents_are_refused_beside_the_field(
    mianyang, client, field, value, message
):
    task = TaskFactory()
    own = MilestoneFactory(task=task)
    client.force_login(HandlerFactory())
    r = client.post(
        reverse("reforms:task", args=[task.pk]),
        {"action": "report", "text": "节点推进", field.format(own=own.pk): value},
    )
    assert r.status_code == 400
    assert message in [m for msgs in r.context["errors"].values() for m in msgs]
    assert not ProgressReport.objects.filter(task=task).exists()
    own.refresh_from_db()
    assert own.percent == 0


def test_a_milestone_of_another_task_is_refused_on_the_page(mianyang, client):
    task, other = TaskFactory(), TaskFactory()
    foreign = MilestoneFactory(task=other)
    MilestoneFactory(task=task)
    client.force_login(HandlerFactory())
    r = client.post(
        reverse("reforms:task", args=[task.pk]),
        {"action": "report", "text": "x", f"milestone:{foreign.pk}": "80"},
    )
    assert r.status_code == 400
    foreign.refresh_from_db()
    assert foreign.percent == 0


@pytest.mark.parametrize(
    "data,field,zh,en",
    [
        (
            {"title": "", "due_date": "2026-06-30"},
            "title",
            "请填写节点名称。",
            "Please name the milestone.",
        ),
        (
            {"title": "上线", "due_date": "30/06/2026"},
            "due_date",
            "日期格式应为 YYYY-MM-DD。",
            None,
        ),
        (
            {"title": "上线", "due_date": "2025-06-30"},
            "due_date",
            "节点日期早于方案印发日期。",
            None,
        ),
        (
            {"title": "上线", "due_date": "2026-06-30", "weight": "-1"},
            "weight",
            "权重必须大于0。",
            None,
        ),
        (
            {"title": "上线", "due_date": "2026-06-30", "weight": "0"},
            "weight",
            "权重必须大于0。",
            None,
        ),
    ],
)
def test_milestone_form_errors_are_field_level(mianyang, client, data, field, zh, en):
    task = TaskFactory()
    client.force_login(SupervisorFactory())
    url = reverse("reforms:task", args=[task.pk])
    r = client.post(url, {"action": "milestone", **data})
    assert r.status_code == 400 and r.context["errors"][field] == [zh]
    assert not task.milestones.exists()
    if en:
        r = client.post(url, {"action": "milestone", **data}, headers={"accept-language": "en"})
        assert r.context["errors"][field] == [en]


def test_a_contribution_on_a_closed_task_is_refused(mianyang, client):
    from django.utils import timezone

    task = TaskFactory()
    task.partner_units.set([department("510700", "tax")])
    Task.objects.filter(pk=task.pk).update(closed_at=timezone.now())
    client.force_login(HandlerFactory(department=department("510700", "tax")))
    r = client.post(
        reverse("reforms:task", args=[task.pk]), {"action": "contribution", "text": "x"}
    )
    assert r.status_code == 400
    assert r.context["errors"]["non_field"] == ["任务已销号，不能再报送进度。"]
    assert not task.contributions.exists()
    assert r.context["can_contribute"] is False


# ---------------------------------------------------------------------------- programmes


@pytest.mark.parametrize(
    "data,field,zh,en",
    [
        (
            {"title": "", "issue_date": "2026-01-20"},
            "title",
            "方案名称不能为空。",
            "The programme title is required.",
        ),
        (
            {"title": "方案", "issue_date": ""},
            "issue_date",
            "请填写印发日期。",
            "Please give the issue date.",
        ),
        (
            {"title": "方案", "issue_date": "2026-13-45"},
            "issue_date",
            "印发日期格式应为 YYYY-MM-DD。",
            None,
        ),
        (
            {"title": "方案", "issue_date": "2026-01-20", "lag_margin": "101"},
            "lag_margin",
            "滞后容差应在0到100之间。",
            None,
        ),
        (
            {"title": "方案", "issue_date": "2026-01-20", "lag_margin": "-1"},
            "lag_margin",
            "滞后容差应在0到100之间。",
            None,
        ),
        (
            {"title": "方案", "issue_date": "2026-01-20", "reporting_cycle": "daily"},
            "reporting_cycle",
            None,
            None,
        ),
    ],
)
def test_programme_form_errors_are_field_level(bureau, client, data, field, zh, en):
    client.force_login(bureau)
    before = Programme.objects.count()
    r = client.post(reverse("reforms:programme-list"), data)
    assert r.status_code == 400 and field in r.context["errors"]
    if zh:
        assert r.context["errors"][field] == [zh]
    if en:
        r = client.post(reverse("reforms:programme-list"), data, headers={"accept-language": "en"})
        assert r.context["errors"][field] == [en]
    assert Programme.objects.count() == before


def test_programme_form_defaults_the_cycle_and_margin(bureau, client):
    client.force_login(bureau)
    r = client.post(
        reverse("reforms:programme-list"), {"title": "新方案", "issue_date": "2026-02-01"}
    )
    p = Programme.objects.get(title="新方案")
    assert r["Location"] == reverse("reforms:import", args=[p.pk])
    assert (p.reporting_cycle, p.lag_margin, p.year, p.division) == (
        "monthly",
        15,
        2026,
        bureau.division,
    )


def test_a_county_bureau_creates_programmes_of_its_county(mianyang, client):
    county = SupervisorFactory(department=department("510781", "gov_service"))
    client.force_login(county)
    client.post(
        reverse("reforms:programme-list"), {"title": "江油方案", "issue_date": "2026-02-01"}
    )
    p = Programme.objects.get(title="江油方案")
    assert p.division.code == "510781"
    # …which the city's bureau sees, and another county's does not
    client.force_login(SupervisorFactory())
    assert client.get(reverse("reforms:schedule", args=[p.pk])).status_code == 200
    client.force_login(SupervisorFactory(department=department("510703", "gov_service")))
    assert client.get(reverse("reforms:schedule", args=[p.pk])).status_code == 404
    assert ProgrammeFactory().pk not in [
        x["id"] for x in client.get("/api/reforms/programmes/").json()["results"]
    ]
