"""The export-job (导出任务) transition table on the platform kit (platform/export_jobs.py);
docs/state-machines.md is generated from it. Every step but 删除 is taken by the system (the
worker, the expiry sweep); the owner may delete a finished export early."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .export_policy import policy
from .models import ExportJob, ExportJobEvent
from .models import ExportStatus as S
from .transitions import Edge, Machine, Notice, register


def _started(ctx):
    ctx.obj.started_at = ctx.now
    ctx.obj.rows_done = 0
    ctx.obj.rows_total = ctx.data.get("rows_total")


def _expiry(ctx):
    from .export_jobs import keep_days

    ctx.obj.finished_at = ctx.now
    ctx.obj.expires_at = ctx.now + datetime.timedelta(days=keep_days())


def _finished(ctx):
    _expiry(ctx)
    ctx.obj.file = ctx.data["file"]
    ctx.obj.size = ctx.data["size"]
    ctx.obj.rows_done = ctx.obj.rows_total = ctx.data["rows"]
    ctx.event_data.update(rows=ctx.data["rows"], size=ctx.data["size"])


def _failed(ctx):
    _expiry(ctx)
    ctx.obj.error = (ctx.note or "")[:500]
    if ctx.data.get("error_type"):
        ctx.event_data["error_type"] = ctx.data["error_type"]


def _file_gone(ctx):
    """The row forgets its file; the file itself is removed after the commit."""
    ctx.event_data["file"] = ctx.obj.file.name or ""
    ctx.obj.file = ""


def _delete_file(ctx):
    from .export_jobs import delete_file

    delete_file(ctx.event_data.get("file", ""))


def _done_notice(ctx):
    from django.urls import NoReverseMatch, reverse

    from .export_jobs import kind_label

    job = ctx.obj
    try:
        link = reverse("core:exports") + f"#export-{job.pk}"
    except NoReverseMatch:  # pragma: no cover - the pages are not installed
        link = ""
    return [
        Notice(
            job.user,
            _("导出已完成"),
            _("“%(k)s”导出已完成，共 %(n)d 行，请在 %(d)s 前下载。")
            % {
                "k": kind_label(job.kind),
                "n": job.rows_done,
                "d": timezone.localtime(job.expires_at).strftime("%Y-%m-%d")
                if job.expires_at
                else "",
            },
            link=link,
            category="export",
            dedup_key=f"export:{job.pk}:done",
        )
    ]


@register
class ExportJobMachine(Machine):
    name = "exports"
    title = gettext_lazy("导出任务")
    model, states, field = ExportJob, S, "status"
    event_model, event_fk = ExportJobEvent, "job"
    policy = policy
    category = "export"
    edges = [
        Edge("start", {S.QUEUED}, S.RUNNING, gettext_lazy("开始导出"), "run", effects=_started),
        Edge("finish", {S.RUNNING}, S.DONE, gettext_lazy("导出完成"), "run",
             effects=_finished, notify=_done_notice),
        Edge("fail", {S.QUEUED, S.RUNNING}, S.FAILED, gettext_lazy("导出失败"), "run",
             effects=_failed),
        Edge("expire", {S.DONE, S.FAILED}, S.EXPIRED, gettext_lazy("过期清除"), "run",
             effects=_file_gone, on_commit=_delete_file),
        Edge("discard", {S.DONE, S.FAILED}, S.EXPIRED, gettext_lazy("删除"), "own",
             effects=_file_gone, on_commit=_delete_file),
    ]  # fmt: skip

    def lock(self, obj, ctx):
        """The owner acts only on their own jobs: anyone else finds none (404)."""
        from django.http import Http404

        qs = ExportJob.objects.select_for_update()
        if ctx.actor is not None:
            qs = qs.filter(user_id=ctx.actor.pk)
        try:
            return qs.get(pk=obj.pk)
        except ExportJob.DoesNotExist as exc:
            raise Http404 from exc


MACHINE = ExportJobMachine
__all__ = ["MACHINE", "ExportJobMachine"]
