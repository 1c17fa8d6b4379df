"""Background exports that cannot run (platform/export_jobs.run_job) end ``failed`` with a message
in the owner's language and no file: the export kind is gone, the owner's account was
deactivated, the rows exceed the kind's limit; a job that waited a day in the queue is failed by
the sweep; a finished job whose file has vanished downloads as 404, not a server error."""

import dataclasses
import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from tests.cases.factories import CaseFactory
from tests.core.factories import ClerkFactory, department
from yingshang.platform import export_jobs
from yingshang.platform.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db
S = ExportStatus


@pytest.fixture
def clerk(mianyang):
    return ClerkFactory(department=department("510700", "hall"))


@pytest.fixture
def queued(clerk):
    """A queue export of three city cases, waiting for the worker."""
    for n in range(3):
        CaseFactory(number=f"EXP-{n}")

    def make(language="zh-hans", kind="cases.queue"):
        return ExportJob.objects.create(user=clerk, kind=kind, language=language)

    return make


def _failed(job_id):
    assert export_jobs.run_job(job_id) == S.FAILED
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == S.FAILED and not job.file
    assert export_jobs.files_on_disk() == []
    return job


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "导出类型“cases.gone”已不存在。"),
        ("en", "The export type “cases.gone” no longer exists."),
    ],
)
def test_a_kind_that_no_longer_exists(queued, language, message):
    job = _failed(queued(language, kind="cases.gone").pk)
    assert job.error == message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "导出人的账号已停用。"),
        ("en", "The account of the person who asked for the export is deactivated."),
    ],
)
def test_an_owner_deactivated_before_the_worker_ran(queued, clerk, language, message):
    job = queued(language)
    clerk.is_active = False
    clerk.save()
    assert _failed(job.pk).error == message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "共 3 行，超过单次导出上限 2 行，请缩小筛选范围。"),
        ("en", "3 rows, more than the limit of 2 rows per export: narrow the filters."),
    ],
)
def test_more_rows_than_the_kind_allows(queued, monkeypatch, language, message):
    kind = export_jobs.get_kind("cases.queue")
    monkeypatch.setitem(export_jobs._kinds, kind.key, dataclasses.replace(kind, max_rows=2))
    job = _failed(queued(language).pk)
    assert job.error == message


def test_exactly_the_limit_is_exported(queued, monkeypatch):
    kind = export_jobs.get_kind("cases.queue")
    monkeypatch.setitem(export_jobs._kinds, kind.key, dataclasses.replace(kind, max_rows=3))
    job = queued()
    assert export_jobs.run_job(job.pk) == S.DONE
    job.refresh_from_db()
    assert job.rows_total == 3 and job.file


def test_a_job_waiting_a_day_in_the_queue_is_failed_by_the_sweep(queued):
    fresh, old = queued("en"), queued("en")
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    assert export_jobs.sweep() == {"expired": 0, "failed": 1}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == S.FAILED and old.error.startswith("The export was interrupted")
    assert fresh.status == S.QUEUED
    # the worker that picks the failed job up later does nothing
    assert export_jobs.run_job(old.pk) == S.FAILED


def test_a_vanished_file_is_404(queued, clerk, client):
    job = queued()
    export_jobs.run_job(job.pk)
    job.refresh_from_db()
    job.file.storage.delete(job.file.name)
    with pytest.raises(Http404):
        export_jobs.open_file(job)
    client.force_login(clerk)
    assert client.get(f"/staff/exports/{job.pk}/download/").status_code == 404


def test_an_unfinished_job_has_no_file(queued):
    with pytest.raises(Http404):
        export_jobs.open_file(queued())


def test_anonymous_users_have_no_jobs(queued):
    from django.contrib.auth.models import AnonymousUser

    queued()
    assert not export_jobs.jobs_for(AnonymousUser()).exists()
    assert not export_jobs.jobs_for(None).exists()


def test_an_unknown_kind_is_named_by_its_key():
    assert export_jobs.kind_label("cases.gone") == "cases.gone"
    assert export_jobs.kind_label("cases.queue") == str(export_jobs.get_kind("cases.queue").label)
