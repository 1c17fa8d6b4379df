"""The reforms API beyond the happy path — its filters, reports with evidence files sent as
multipart, every refusal field-level in Chinese and English and writing nothing — the command
line's refusals, and a reminder whose notification fails."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.core.factories import HandlerFactory, SupervisorFactory, department
from tests.reforms.factories import ProgrammeFactory, ProgressReportFactory, TaskFactory
from yingshang.reforms import services
from yingshang.reforms.models import EvidenceFile, Programme, ProgressReport, Reminder, Task

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORTS = "/api/reforms/reports/"


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def tasks(mianyang):
    p = ProgrammeFactory()
    return {
        "dated": TaskFactory(programme=p, leader_name="王某某", state="lagging"),
        "standing": TaskFactory(
            programme=p, deadline_kind="long_term", deadline=None, leader_name="李某某"
        ),
        "hidden": TaskFactory(programme=p, is_public=False, state="overdue"),
        "other": TaskFactory(),
    }


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"state": "lagging"}, ["dated"]),
        ({"state": "overdue"}, ["hidden"]),
        ({"leader_name": "李某某"}, ["standing"]),
        ({"deadline_kind": "long_term"}, ["standing"]),
        ({"is_public": "false"}, ["hidden"]),
    ],
)
def test_task_filters(tasks, client, query, expected):
    client.force_login(SupervisorFactory())
    query = {**query, "programme": tasks["dated"].programme_id}
    assert _ids(client.get("/api/reforms/tasks/", query)) == sorted(tasks[k].pk for k in expected)


def test_task_filter_of_a_bad_state_is_a_field_error(tasks, client):
    client.force_login(SupervisorFactory())
    r = client.get("/api/reforms/tasks/", {"state": "finished"})
    assert r.status_code == 400 and "state" in r.json()["errors"]
    r = client.get("/api/reforms/tasks/", {"state": "finished"}, headers={"accept-language": "en"})
    assert "not one of the available choices" in r.json()["errors"]["state"][0]


def test_report_list_is_scoped_and_filtered(tasks, client):
    mine = ProgressReportFactory(task=tasks["dated"])
    ProgressReportFactory(task=TaskFactory(leads=[department("510700", "tax")]))
    returned = ProgressReportFactory(task=tasks["dated"], status="returned")
    client.force_login(HandlerFactory())  # the market bureau
    assert _ids(client.get(REPORTS)) == sorted([mine.pk, returned.pk])
    assert _ids(client.get(REPORTS, {"status": "returned"})) == [returned.pk]
    client.force_login(HandlerFactory(department=department("510700", "tax")))
    assert mine.pk not in _ids(client.get(REPORTS))
    assert client.get(f"{REPORTS}{mine.pk}/").status_code == 404
    r = client.post(
        f"{REPORTS}{mine.pk}/review/", {"accept": True}, content_type="application/json"
    )
    assert r.status_code == 404


def test_a_report_with_evidence_as_multipart(tasks, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(HandlerFactory())
    task = tasks["dated"]
    r = client.post(
        REPORTS,
        {
            "task": task.pk,
            "percent": "35",
            "text": "已完成系统上线",
            "files": [SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")],
        },
    )
    assert r.status_code == 201, r.content
    (f,) = r.json()["files"]
    assert (f["name"], f["kind"], f["size"]) == ("现场照片.png", "png", len(PNG))
    ev = EvidenceFile.objects.get(pk=f["id"])
    assert ev.task == task and ev.report_id == r.json()["id"]


def test_evidence_that_is_not_what_it_claims_is_refused_and_nothing_written(tasks, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(HandlerFactory())
    r = client.post(
        REPORTS,
        {
            "task": tasks["dated"].pk,
            "percent": "35",
            "text": "x",
            "files": [
                SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
            ],
        },
    )
    assert r.status_code == 400 and "files" in r.json()["errors"]
    assert not ProgressReport.objects.filter(task=tasks["dated"]).exists()
    assert not EvidenceFile.objects.exists()
    tasks["dated"].refresh_from_db()
    assert tasks["dated"].progress == 0


@pytest.mark.parametrize(
    "body,field,zh,en",
    [
        (
            {"percent": "120", "text": "x"},
            "percent",
            "进度必须在0到100之间（收到 120.00）。",
            "between 0 and 100",
        ),
        ({"percent": "30", "text": ""}, "text", None, "may not be blank"),
        (
            {"percent": "10", "text": "x", "lower": True},
            "decrease_reason",
            "下调进度须说明原因",
            "reason",
        ),
    ],
)
def test_api_report_errors_are_field_level_in_both_languages(tasks, client, body, field, zh, en):
    task = tasks["dated"]
    client.force_login(HandlerFactory())
    if body.pop("lower", False):
        Task.objects.filter(pk=task.pk).update(progress=50)
    before = ProgressReport.objects.count()
    payload = {"task": task.pk, **body}
    r = client.post(REPORTS, payload, content_type="application/json")
    assert r.status_code == 400 and field in r.json()["errors"]
    if zh:
        assert zh in r.json()["errors"][field][0]
    r = client.post(
        REPORTS, payload, content_type="application/json", headers={"accept-language": "en"}
    )
    message = r.json()["errors"][field][0]
    assert en in message and not any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert ProgressReport.objects.count() == before


def test_a_report_on_a_closed_task_and_a_second_review_are_refused(tasks, client):
    task = tasks["dated"]
    report = ProgressReportFactory(task=task)
    client.force_login(SupervisorFactory())
    url = f"{REPORTS}{report.pk}/review/"
    assert client.post(url, {"accept": True}, content_type="application/json").status_code == 200
    r = client.post(url, {"accept": False, "note": "再看"}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"]["status"] == ["该报告已审核，不能重复审核。"]
    Task.objects.filter(pk=task.pk).update(closed_at=timezone.now())
    client.force_login(HandlerFactory())
    r = client.post(
        REPORTS, {"task": task.pk, "percent": "90", "text": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["errors"]["task"] == ["任务已销号，不能再报送进度。"]


def test_publication_needs_an_explicit_choice(tasks, client):
    """A form post without ``published`` would read as false (withdraw): it is refused with
    its own message; JSON without it is the usual required-field error."""
    client.force_login(SupervisorFactory())
    url = f"/api/reforms/programmes/{tasks['dated'].programme_id}/publication/"
    r = client.post(url, {"note": "x"})
    assert r.status_code == 400
    assert r.json()["errors"]["published"] == ["请指明公开（true）或取消公开（false）。"]
    r = client.post(url, {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"]["published"] == ["该字段是必填项。"]
    assert Programme.objects.get(pk=tasks["dated"].programme_id).published_at is None


# --------------------------------------------------------------------------- the command


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("reforms", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "args,message",
    [
        (["parse", "/nonexistent/fangan.txt"], "No such file"),
        (
            ["import", "/nonexistent/fangan.txt", "--programme", "999999"],
            "programme 999999 does not exist",
        ),
        (
            [
                "create-programme",
                "--title",
                "方案",
                "--issue-date",
                "2026-02-01",
                "--division",
                "999999",
            ],
            "division 999999 does not exist",
        ),
        (
            ["create-programme", "--title", "方案", "--issue-date", "01/02/2026"],
            "Invalid isoformat",
        ),
        (["create-programme", "--title", " ", "--issue-date", "2026-02-01"], "方案名称不能为空"),
    ],
)
def test_command_refusals(mianyang, args, message):
    before = Programme.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Programme.objects.count() == before


def test_create_programme_prints_the_new_id(mianyang):
    out, _ = run(
        "create-programme",
        "--title",
        "江油方案",
        "--issue-date",
        "2026-02-01",
        "--division",
        "510781",
    )
    p = Programme.objects.get(pk=int(out.strip()))
    assert (p.title, p.division.code, p.year, p.reporting_cycle) == (
        "江油方案",
        "510781",
        2026,
        "monthly",
    )


def test_import_of_a_missing_file_into_an_existing_programme(mianyang):
    p = ProgrammeFactory()
    with pytest.raises(CommandError, match="No such file"):
        run("import", "/nonexistent/fangan.txt", "--programme", str(p.pk))


# ------------------------------------------------------------------------- notifications


def test_a_failing_notification_keeps_the_reminder(
    mianyang, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    import yingshang.notifications.public as public

    def broken(*args, **kwargs):
        raise RuntimeError("channel down")

    monkeypatch.setattr(public, "notify", broken)
    task = TaskFactory()
    with django_capture_on_commit_callbacks(execute=True):
        (reminder,) = services.send_reminder(
            task,
            user=SupervisorFactory(),
            at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10)),
        )
    reminder.refresh_from_db()
    assert Reminder.objects.filter(pk=reminder.pk).exists() and not reminder.notified
    assert "reminder notification failed" in caplog.text
