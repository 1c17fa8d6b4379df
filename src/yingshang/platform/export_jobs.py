"""Background exports (导出任务): one mechanism for every staff list that can be downloaded.

An app registers an export *kind* in its ``exports.py`` (discovered like ``jobs.py``)::

    from yingshang.platform.export_jobs import ExportKind, register

    register(ExportKind(
        key="cases.queue",                 # stable: stored in the job row
        label=gettext_lazy("办件"),         # what the owner reads in 我的导出
        filename="cases",                  # cases-20261206-2130.xlsx
        headers=lambda: [_("办件编号"), …],  # called in the owner's language
        query=lambda user, params: selectors.cases_for(user, **filters(params)),
        row=lambda case, now: (case.number, …),
        allowed=lambda user: …,            # the app's policy check (on top of "staff")
        denied=gettext_lazy("…"),          # the message when ``allowed`` says no
        object_type="cases.Case", audit_repr=gettext_lazy("办件导出"),
    ))

``start(user=, kind=, params=)`` checks the policy, writes the job (status 排队中) and an audit
entry, and enqueues ``run_export`` on the task framework (``django.tasks``: django-tasks-db in
production, run by ``yingshang worker``; the immediate backend in tests). The task computes the
rows with the OWNER's scope at run time (``query(owner, params)``, the list page's own
selectors), streams them through the safe export helpers (platform/exports.py: formula
neutralisation, XML-illegal characters) into an openpyxl write-only workbook (or CSV), counting
``rows_done`` (at most once a second), and stores the file on the upload storage
(``MEDIA_ROOT/exports/…``, outside the web root; served only by the owner's download view).
Small exports (at most ``EXPORT_SYNC_ROWS`` rows, default 2000) run in the request instead, so
the button still answers with the file at once.

Status changes go through the ``exports`` machine (platform/machines.py) with its append-only
event log: 排队中 → 导出中 → 已完成 / 失败 → 已过期. A finished export notifies its owner
(导出已完成, notification centre, ``dedup_key``). The periodic job ``platform.exports_sweep``
expires jobs older than ``EXPORT_KEEP_DAYS`` (default 7) and deletes their files, and fails
jobs a dead worker left running. See docs/exports.md.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.tasks import task
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from . import audit
from .export_policy import policy
from .exports import XLSX_CONTENT_TYPE, write_csv, write_xlsx
from .models import AuditAction, ExportJob, ExportStatus

logger = logging.getLogger("yingshang.exports")

PROGRESS_EVERY = 500  # rows between two looks at the clock
PROGRESS_SECONDS = 1.0  # at most one progress write a second (each is a commit)
MAX_PARAMS = 30  # filter parameters kept per job
MAX_PARAM_LENGTH = 200
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DIRECTORY = "exports"


def keep_days() -> int:
    return int(getattr(settings, "EXPORT_KEEP_DAYS", 7))


def sync_rows() -> int:
    return int(getattr(settings, "EXPORT_SYNC_ROWS", 2000))


def stale_after() -> datetime.timedelta:
    """A job running longer than this was left by a dead worker."""
    return datetime.timedelta(hours=float(getattr(settings, "EXPORT_STALE_HOURS", 2)))


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: Any  # lazy zh
    filename: str
    headers: Callable[[], list]
    query: Callable[[Any, dict], Any]  # (owner, params) -> a scoped queryset (or a list)
    row: Callable[[Any, datetime.datetime], Iterable]
    allowed: Callable[[Any], bool] = lambda user: True
    denied: Any = ""
    format: str = "xlsx"  # "xlsx" | "csv"
    sheet: Any = None  # the sheet title (default: the label)
    object_type: str = ""
    audit_repr: Any = ""
    max_rows: int = 1_000_000

    def check(self, user) -> None:
        policy.check(user, "export")
        if not self.allowed(user):
            raise PermissionDenied(self.denied or _("您无权导出这些数据。"))


_kinds: dict[str, ExportKind] = {}
_discovered = False


def register(kind: ExportKind) -> ExportKind:
    """Add (or replace, on a module reload) the export kind ``kind.key``."""
    _kinds[kind.key] = kind
    return kind


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("exports")
        _discovered = True


def kinds() -> dict[str, ExportKind]:
    discover()
    return dict(_kinds)


def get_kind(key: str) -> ExportKind | None:
    discover()
    return _kinds.get(key)


def kind_label(key: str) -> str:
    kind = get_kind(key)
    return str(kind.label) if kind else key


# --------------------------------------------------------------------------- reads


def jobs_for(user):
    """The user's own jobs, newest first (nobody sees another person's jobs)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return policy.filter(ExportJob.objects.all(), user, "own").filter(user_id=user.pk)


def job_for_owner(user, pk) -> ExportJob:
    """The user's job ``pk``; 404 for a job of anyone else (a superuser too) or none."""
    try:
        return jobs_for(user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def status_of(job: ExportJob, download_url: str = "") -> dict:
    """What the 我的导出 page polls (JSON)."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": job.finished,
        "error": job.error,
        "download_url": download_url if job.status == ExportStatus.DONE else "",
        "filename": job.filename,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
    }


def open_file(job: ExportJob):
    """(file object, content type) of a finished job's file; 404 when it is gone."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = get_kind(job.kind)
    fmt = kind.format if kind else "xlsx"
    return handle, CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE


# --------------------------------------------------------------------------- writes


def clean_params(params) -> dict:
    """The list's filters as a small JSON object: single values, the page left out, bounded."""
    items = params.items() if hasattr(params, "items") else []
    out = {}
    for key, value in items:
        key = str(key)[:50]
        if key in ("page", "csrfmiddlewaretoken") or len(out) >= MAX_PARAMS:
            continue
        out[key] = str(value)[:MAX_PARAM_LENGTH]
    return out


def _filename(kind: ExportKind, now) -> str:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return f"{kind.filename}-{stamp}.{kind.format}"


def start(*, user, kind: str, params=None, sync: bool | None = None) -> ExportJob:
    """Start an export of ``kind`` for ``user`` with the list's filters ``params``: checked,
    audited, then run in the background — or at once when it is small (``sync=None``: at most
    ``EXPORT_SYNC_ROWS`` rows; ``sync=True``/``False`` forces it)."""
    found = get_kind(kind)
    if found is None:
        raise ValidationError({"kind": _("未知的导出类型“%(k)s”。") % {"k": str(kind)[:50]}})
    found.check(user)
    params = clean_params(params or {})
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            kind=found.key,
            params=params,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            filename=_filename(found, now),
        )
        from .machines import MACHINE

        MACHINE.record(job, "queue", "", ExportStatus.QUEUED, actor=user, data={"params": params})
        audit.record(
            AuditAction.EXPORT,
            user=user,
            object_type=found.object_type or "platform.ExportJob",
            object_id=str(job.pk),
            object_repr=str(found.audit_repr or found.label),
            changes={"filters": params, "export_job": job.pk},
        )
    if sync is None:
        try:
            sync = _count(found.query(user, params)) <= sync_rows()
        except Exception:  # noqa: BLE001 - the job itself reports what is wrong
            sync = False
    if sync:
        run_job(job.pk)
    else:
        _enqueue(job.pk)
    job.refresh_from_db()
    return job


def _enqueue(job_id: int) -> None:
    """With the database queue the task row is written at once (in the caller's transaction,
    if any: both or neither); a backend that runs tasks where they are enqueued (the immediate
    backend of tests and development) runs it after the commit, when the job row is there."""
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(run_export.get_backend(), DatabaseBackend):
        run_export.enqueue(job_id)
    else:
        transaction.on_commit(lambda: run_export.enqueue(job_id))


def discard(*, user, pk) -> ExportJob:
    """The owner deletes a finished export (its file goes at once)."""
    from .machines import MACHINE

    job = job_for_owner(user, pk)
    return MACHINE.transition(job, "discard", actor=user)


def delete_file(name: str) -> None:
    if not name:
        return
    from .uploads import storage

    try:
        storage.delete(name)
    except OSError:  # the uploads sweep removes an unreferenced file later
        logger.exception("could not delete export file %s", name)


# --------------------------------------------------------------------------- running


def _count(rows) -> int:
    if hasattr(rows, "count") and not isinstance(rows, list | tuple):
        return rows.count()
    return len(rows)


def _iterate(rows):
    if hasattr(rows, "iterator"):
        return rows.iterator(chunk_size=2000)
    return iter(rows)


class _Progress:
    def __init__(self, job_id: int):
        self.job_id, self.done, self.written = job_id, 0, time.monotonic()

    def tick(self):
        self.done += 1
        if self.done % PROGRESS_EVERY == 0 and time.monotonic() - self.written >= PROGRESS_SECONDS:
            ExportJob.objects.filter(pk=self.job_id).update(rows_done=self.done)
            self.written = time.monotonic()


def _write_csv(fh, headers, rows) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    write_csv(text, headers, rows)
    text.flush()
    text.detach()


def _chunks(fh, size=1 << 20):
    fh.seek(0)
    while chunk := fh.read(size):
        yield chunk


class ExportFailed(Exception):
    """A failure whose message is meant for the owner."""


def run_job(job_id: int) -> str:
    """Run one queued job to its end (done or failed). Safe to call twice: a job that is no
    longer queued (another worker took it) is left alone. Returns the final status."""
    from .machines import MACHINE

    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != ExportStatus.QUEUED:
        return job.status if job else ""
    kind = get_kind(job.kind)
    language = job.language or settings.LANGUAGE_CODE
    with translation.override(language), audit.audit_context(user=None, channel="worker"):
        try:
            if kind is None:
                raise ExportFailed(_("导出类型“%(k)s”已不存在。") % {"k": job.kind})
            owner = job.user
            if not getattr(owner, "is_active", False):
                raise ExportFailed(_("导出人的账号已停用。"))
            try:
                kind.check(owner)  # the owner's rights at run time, not at request time
            except (PermissionDenied, ValidationError) as exc:
                raise ExportFailed(_("您已无权导出这些数据。")) from exc
            rows = kind.query(owner, job.params)
            total = _count(rows)
            if total > kind.max_rows:
                raise ExportFailed(
                    _("共 %(n)d 行，超过单次导出上限 %(m)d 行，请缩小筛选范围。")
                    % {"n": total, "m": kind.max_rows}
                )
            try:
                job = MACHINE.transition(job, "start", rows_total=total)
            except ValidationError:
                return ExportJob.objects.get(pk=job_id).status  # taken by another worker
            progress = _Progress(job.pk)
            now = timezone.now()

            def lines():
                for obj in _iterate(rows):
                    progress.tick()
                    yield kind.row(obj, now)

            with tempfile.TemporaryFile() as fh:
                if kind.format == "csv":
                    _write_csv(fh, kind.headers(), lines())
                else:
                    write_xlsx(fh, kind.sheet or kind.label, kind.headers(), lines())
                token = secrets.token_hex(16)
                name = f"{DIRECTORY}/{token[:2]}/{token}.{kind.format}"
                from .uploads import storage

                with transaction.atomic():
                    size = storage.write_staged(name, _chunks(fh))
                    MACHINE.transition(job, "finish", file=name, size=size, rows=progress.done)
            return ExportStatus.DONE
        except ExportFailed as exc:
            return _fail(job_id, str(exc), type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - recorded on the job, logged with its trace
            logger.exception("export job %s (%s) failed", job_id, job.kind)
            return _fail(
                job_id,
                _("导出失败（%(e)s），请稍后重试；仍失败请联系系统管理员。")
                % {"e": type(exc).__name__},
                f"{type(exc).__module__}.{type(exc).__qualname__}",
            )


def _fail(job_id: int, message: str, error_type: str) -> str:
    from .machines import MACHINE

    job = ExportJob.objects.get(pk=job_id)
    if job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return job.status
    MACHINE.transition(job, "fail", note=message, error_type=error_type)
    return ExportStatus.FAILED


@task
def run_export(job_id: int) -> str:
    """The background task: run one export job."""
    return run_job(job_id)


def sweep(now=None) -> dict:
    """Expire finished jobs past ``expires_at`` (their files are deleted) and fail jobs that a
    dead worker left running (or that waited in the queue far too long)."""
    from .machines import MACHINE

    now = now or timezone.now()
    expired = failed = 0
    due = ExportJob.objects.filter(
        status__in=[ExportStatus.DONE, ExportStatus.FAILED], expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        try:
            MACHINE.transition(ExportJob(pk=pk), "expire", now=now)
            expired += 1
        except ValidationError:  # changed meanwhile
            continue
    stale = ExportJob.objects.filter(
        status=ExportStatus.RUNNING, started_at__lt=now - stale_after()
    ) | ExportJob.objects.filter(
        status=ExportStatus.QUEUED, created_at__lt=now - datetime.timedelta(days=1)
    )
    for job in stale.select_related("user"):
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _("导出中断（后台任务未完成），请重新导出。")
        try:
            MACHINE.transition(job, "fail", note=message, now=now, error_type="stale")
            failed += 1
        except ValidationError:
            continue
    return {"expired": expired, "failed": failed}


def files_on_disk() -> list[str]:
    """The export files under the storage (for tests and the docs' checks)."""
    from .uploads import storage

    root = os.path.join(storage.location, DIRECTORY)
    found = []
    for base, _dirs, files in os.walk(root):
        found += [os.path.relpath(os.path.join(base, f), storage.location) for f in files]
    return sorted(found)


__all__ = [
    "ExportKind",
    "discard",
    "get_kind",
    "job_for_owner",
    "jobs_for",
    "kinds",
    "register",
    "run_export",
    "run_job",
    "start",
    "status_of",
    "sweep",
]
