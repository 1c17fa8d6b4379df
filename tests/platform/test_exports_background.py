"""Background exports (platform/export_jobs.py, docs/exports.md): the job runs on the task
framework (the immediate backend here, after the commit), its progress reaches the total, the
file is a real workbook holding exactly the owner's scoped rows, a job is its owner's alone
(404 to anyone else), failures end ``failed`` with a message, expired files are swept, hostile
text is neutralised, and the ``exports`` machine is walked edge by edge."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.cases.factories import CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import AdminFactory, ClerkFactory, HandlerFactory, department
from tests.kit_walk import walk
from yingshang.platform import export_jobs
from yingshang.platform.machines import MACHINE
from yingshang.platform.models import AuditEntry, ExportJob, ExportJobEvent, ExportStatus

pytestmark = pytest.mark.django_db

FUCHENG, JIANGYOU = "510703", "510781"
S = ExportStatus


def _case(division_code, number, **kw):
    item = ItemWithVersionFactory(department=department(division_code, "market"))
    return CaseFactory(number=number, item=item, **kw)


@pytest.fixture
def county_cases(mianyang):
    return {
        "jiangyou": [_case(JIANGYOU, f"JY-{i}") for i in range(3)],
        "fucheng": [_case(FUCHENG, f"FC-{i}") for i in range(2)],
    }


@pytest.fixture
def clerk(mianyang):
    """A 江油 window clerk: sees the cases of 江油's subtree, none of 涪城."""
    return ClerkFactory(department=department(JIANGYOU, "hall"))


def rows_of(job):
    with job.file.storage.open(job.file.name, "rb") as fh:
        wb = openpyxl.load_workbook(io.BytesIO(fh.read()), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


def background(user, kind="cases.queue", params=None, *, capture):
    """Start an export in the background; the task runs when the transaction commits."""
    with capture(execute=True):
        job = export_jobs.start(user=user, kind=kind, params=params or {}, sync=False)
    job.refresh_from_db()
    return job


# --------------------------------------------------------------------------- running


def test_the_job_runs_in_the_background_with_the_owners_scope(
    county_cases, clerk, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(export_jobs, "PROGRESS_SECONDS", 0)
    seen = []
    real_tick = export_jobs._Progress.tick

    def tick(self):  # the progress the page would poll, row by row
        real_tick(self)
        seen.append(ExportJob.objects.get(pk=self.job_id).rows_done)

    monkeypatch.setattr(export_jobs._Progress, "tick", tick)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = export_jobs.start(user=clerk, kind="cases.queue", params={}, sync=False)
    assert job.status == S.QUEUED and job.rows_done == 0 and not job.file
    assert len(queued) == 1  # the task is enqueued after the commit, not before
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    job.refresh_from_db()
    assert job.status == S.DONE, job.error
    assert job.rows_total == job.rows_done == 3 and job.percent == 100
    assert seen == [1, 2, 3]  # progress rose to the total
    rows = rows_of(job)
    assert rows[0][:4] == ("办件编号", "事项", "申请人", "证件号码")
    assert sorted(r[0] for r in rows[1:]) == ["JY-0", "JY-1", "JY-2"]  # no 涪城 case
    assert job.file.name.startswith("exports/") and job.file.name.endswith(".xlsx")
    assert job.filename.startswith("cases-") and job.filename.endswith(".xlsx")
    assert job.expires_at - job.finished_at == datetime.timedelta(days=7)
    actions = list(job.events.values_list("action", "from_state", "to_state"))
    assert actions == [
        ("queue", "", "queued"),
        ("start", "queued", "running"),
        ("finish", "running", "done"),
    ]
    entry = AuditEntry.objects.get(action="export", object_type="cases.Case")
    assert entry.actor == clerk and entry.changes["export_job"] == job.pk


def test_the_rows_are_computed_with_the_scope_at_run_time(
    county_cases, clerk, django_capture_on_commit_callbacks
):
    """The job reads when it runs: a case added after the button was pressed is in it."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = export_jobs.start(user=clerk, kind="cases.queue", params={}, sync=False)
    _case(JIANGYOU, "JY-LATE")
    _case(FUCHENG, "FC-LATE")
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    job.refresh_from_db()
    numbers = sorted(r[0] for r in rows_of(job)[1:])
    assert numbers == ["JY-0", "JY-1", "JY-2", "JY-LATE"]


def test_the_filters_of_the_list_are_kept(county_cases, staff, django_capture_on_commit_callbacks):
    code = county_cases["fucheng"][0].item.implementation_code
    job = background(
        staff["jianduyuan"],
        params={"item": code, "page": "3"},
        capture=django_capture_on_commit_callbacks,
    )
    assert job.params == {"item": code}  # the page number is not a filter
    assert [r[0] for r in rows_of(job)[1:]] == ["FC-0"]


def test_the_owner_is_notified_once_and_sees_a_workbench_card(
    county_cases, clerk, django_capture_on_commit_callbacks, login
):
    from yingshang.notifications.models import Notification

    job = background(clerk, capture=django_capture_on_commit_callbacks)
    note = Notification.objects.get(recipient=clerk)
    assert note.title == "导出已完成" and note.dedup_key == f"export:{job.pk}:done"
    assert note.link == f"/staff/exports/#export-{job.pk}"
    assert "3 行" in note.body
    page = login(clerk).get("/staff/").content.decode()
    assert 'id="card-core-exports"' in page


# --------------------------------------------------------------------------- pages


def test_the_button_of_a_big_export_goes_to_my_exports(
    county_cases, clerk, login, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_ROWS = 2  # three rows: "big"
    client = login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/staff/exports/new/cases.queue/?status=")
    job = ExportJob.objects.get(user=clerk)
    assert r.status_code == 302 and r["Location"] == f"/staff/exports/#export-{job.pk}"
    page = client.get("/staff/exports/").content.decode()
    assert f'id="export-{job.pk}"' in page and "已完成" in page
    assert f"/staff/exports/{job.pk}/download/" in page
    status = client.get(f"/staff/exports/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["status_label"] == "已完成"
    assert status["rows_done"] == status["rows_total"] == 3 and status["percent"] == 100
    assert status["download_url"] == f"/staff/exports/{job.pk}/download/"
    download = client.get(status["download_url"])
    assert download["Content-Disposition"].startswith("attachment")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.active.max_row == 4


def test_a_small_export_answers_with_the_file(county_cases, clerk, login):
    client = login(clerk)
    r = client.post("/staff/exports/new/cases.queue/?status=")
    job = ExportJob.objects.get(user=clerk)
    assert r.status_code == 302 and r["Location"] == f"/staff/exports/{job.pk}/download/"
    assert job.status == S.DONE


def test_english_owner_gets_english_headers_and_status(
    county_cases, clerk, login, django_capture_on_commit_callbacks
):
    client = login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/staff/exports/new/cases.queue/", headers={"accept-language": "en"})
    job = ExportJob.objects.get(user=clerk)
    assert job.language == "en"
    assert rows_of(job)[0][0] == "Case number"
    status = client.get(
        f"/staff/exports/{job.pk}/status.json", headers={"accept-language": "en"}
    ).json()
    assert status["status_label"] == "Completed"


@pytest.mark.parametrize("who", ["other_clerk", "superuser"])
def test_another_users_job_is_404(
    county_cases, clerk, login, who, django_capture_on_commit_callbacks
):
    job = background(clerk, capture=django_capture_on_commit_callbacks)
    other = (
        ClerkFactory(department=department(JIANGYOU, "hall"))
        if who == "other_clerk"
        else AdminFactory(is_superuser=True)
    )
    client = login(other)
    for url in (
        f"/staff/exports/{job.pk}/status.json",
        f"/staff/exports/{job.pk}/download/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/exports/{job.pk}/discard/").status_code == 404
    assert f"export-{job.pk}" not in client.get("/staff/exports/").content.decode()
    job.refresh_from_db()
    assert job.status == S.DONE and job.file


def test_portal_users_and_unknown_kinds_are_refused(county_cases, clerk, login):
    from tests.core.factories import UserFactory

    assert login(clerk).post("/staff/exports/new/nope.nothing/").status_code == 404
    assert login(UserFactory()).post("/staff/exports/new/cases.queue/").status_code == 403
    with pytest.raises(ValidationError):
        export_jobs.start(user=clerk, kind="nope.nothing")
    assert not ExportJob.objects.exists()


def test_the_audit_export_checks_its_own_policy(mianyang, staff, login):
    r = login(staff["chengban"]).post("/staff/exports/new/core.audit/")
    assert r.status_code == 403 and not ExportJob.objects.exists()


def test_the_owner_deletes_an_export(
    county_cases, clerk, login, django_capture_on_commit_callbacks
):
    job = background(clerk, capture=django_capture_on_commit_callbacks)
    name = job.file.name
    assert name in export_jobs.files_on_disk()
    with django_capture_on_commit_callbacks(execute=True):
        r = login(clerk).post(f"/staff/exports/{job.pk}/discard/")
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == S.EXPIRED and not job.file
    assert name not in export_jobs.files_on_disk()
    assert login(clerk).get(f"/staff/exports/{job.pk}/download/").status_code == 404


# --------------------------------------------------------------------------- failures


@pytest.fixture
def broken_kind():
    def row(obj, now):
        raise RuntimeError("disk on fire")

    kind = export_jobs.register(
        export_jobs.ExportKind(
            key="tests.broken",
            label="坏的导出",
            filename="broken",
            headers=lambda: ["编号"],
            query=lambda user, params: ["a", "b"],
            row=row,
        )
    )
    yield kind
    export_jobs._kinds.pop("tests.broken", None)


def test_a_failing_export_ends_failed_with_a_message(
    mianyang, clerk, broken_kind, login, django_capture_on_commit_callbacks
):
    job = background(clerk, kind="tests.broken", capture=django_capture_on_commit_callbacks)
    assert job.status == S.FAILED and not job.file
    assert "导出失败" in job.error and "RuntimeError" in job.error
    assert "disk on fire" not in job.error  # no internals for the owner
    event = job.events.order_by("-id").first()
    assert event.action == "fail" and event.data["error_type"] == "builtins.RuntimeError"
    status = login(clerk).get(f"/staff/exports/{job.pk}/status.json").json()
    assert status["status_label"] == "失败" and status["error"] == job.error
    assert status["download_url"] == ""
    assert export_jobs.files_on_disk() == []


def test_an_owner_who_lost_the_right_gets_a_failed_job(
    mianyang, staff, django_capture_on_commit_callbacks
):
    supervisor = staff["jianduyuan"]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = export_jobs.start(user=supervisor, kind="core.audit", sync=False)
    supervisor.role = "handler"  # moved to another post before the worker ran
    supervisor.save()
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    job.refresh_from_db()
    assert job.status == S.FAILED and job.error == "您已无权导出这些数据。"


def test_a_job_is_run_once(county_cases, clerk, django_capture_on_commit_callbacks):
    job = background(clerk, capture=django_capture_on_commit_callbacks)
    events = job.events.count()
    assert export_jobs.run_job(job.pk) == S.DONE  # a second delivery of the task: nothing
    assert job.events.count() == events


# --------------------------------------------------------------------------- expiry


def test_expired_files_are_swept(county_cases, clerk, login, django_capture_on_commit_callbacks):
    job = background(clerk, capture=django_capture_on_commit_callbacks)
    name = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.sweep(now=job.expires_at - datetime.timedelta(minutes=1)) == {
            "expired": 0,
            "failed": 0,
        }
    assert name in export_jobs.files_on_disk()
    with django_capture_on_commit_callbacks(execute=True):
        result = export_jobs.sweep(now=job.expires_at + datetime.timedelta(minutes=1))
    assert result == {"expired": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == S.EXPIRED and not job.file
    assert export_jobs.files_on_disk() == []
    last = job.events.order_by("-id").first()
    assert (last.action, last.actor_role, last.data["file"]) == ("expire", "system", name)
    assert login(clerk).get(f"/staff/exports/{job.pk}/download/").status_code == 404
    assert "已过期" in login(clerk).get("/staff/exports/").content.decode()


def test_the_sweep_is_a_periodic_job():
    from yingshang.platform import jobs

    jobs.autodiscover()
    assert jobs.registry.get("platform.exports_sweep").schedule.every == datetime.timedelta(hours=1)


def test_a_job_left_running_by_a_dead_worker_fails(county_cases, clerk):
    job = ExportJob.objects.create(user=clerk, kind="cases.queue", language="zh-hans")
    MACHINE.transition(job, "start", rows_total=3)
    ExportJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=3)
    )
    assert export_jobs.sweep() == {"expired": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == S.FAILED and "导出中断" in job.error


# --------------------------------------------------------------------------- hostile content


def test_hostile_text_is_neutralised(mianyang, staff, django_capture_on_commit_callbacks):
    _case(
        FUCHENG,
        "FC-HOSTILE",
        applicant_name="=cmd|' /C calc'!A0",
        title="危险\x01事项\x1b[31m",
    )
    job = background(staff["jianduyuan"], capture=django_capture_on_commit_callbacks)
    row = next(r for r in rows_of(job) if r[0] == "FC-HOSTILE")
    assert row[2] == "'=cmd|' /C calc'!A0"
    assert row[1] == "危险\ufffd事项\ufffd[31m"


def test_a_csv_kind_is_written_as_safe_csv(mianyang, clerk, django_capture_on_commit_callbacks):
    export_jobs.register(
        export_jobs.ExportKind(
            key="tests.csv",
            label="CSV",
            filename="plain",
            format="csv",
            headers=lambda: ["值"],
            query=lambda user, params: ["=1+1", "普通", "@SUM(A1)"],
            row=lambda value, now: (value,),
        )
    )
    try:
        job = background(clerk, kind="tests.csv", capture=django_capture_on_commit_callbacks)
    finally:
        export_jobs._kinds.pop("tests.csv", None)
    assert job.status == S.DONE and job.filename.endswith(".csv")
    with job.file.storage.open(job.file.name, "rb") as fh:
        text = fh.read().decode("utf-8")
    assert text.splitlines() == ["\ufeff值", "'=1+1", "普通", "'@SUM(A1)"]


# --------------------------------------------------------------------------- the machine


def test_the_machine_walked_edge_by_edge(mianyang, clerk):
    def make(state):
        return ExportJob.objects.create(user=clerk, kind="cases.queue", status=state)

    def call(edge, job):
        actor = clerk if edge.permission == "own" else None
        data = {}
        if edge.action == "finish":
            data = {"file": "exports/00/x.xlsx", "size": 10, "rows": 1}
        if edge.action == "start":
            data = {"rows_total": 1}
        return MACHINE.transition(job, edge.action, actor=actor, **data)

    allowed, refused = walk(MACHINE, make, call, events=lambda job: job.events)
    assert allowed == 8 and refused == 5 * 5 - 8


def test_only_the_owner_takes_the_owners_edge(mianyang, clerk):
    from django.http import Http404

    job = ExportJob.objects.create(user=clerk, kind="cases.queue", status=S.DONE)
    with pytest.raises(Http404):
        MACHINE.transition(job, "discard", actor=HandlerFactory())
    assert ExportJob.objects.get(pk=job.pk).status == S.DONE
    assert not ExportJobEvent.objects.filter(job=job).exists()


def test_the_queue_button_exports_what_the_page_shows(county_cases, clerk, login):
    """The queue shows open cases by default: its button carries that status; the audit page's
    button carries its filters."""
    page = login(clerk).get("/staff/cases/").content.decode()
    assert 'action="/staff/exports/new/cases.queue/?status=open"' in page
    page = login(clerk).get("/staff/cases/?q=JY&page=2").content.decode()
    assert 'action="/staff/exports/new/cases.queue/?q=JY&amp;status=open"' in page
