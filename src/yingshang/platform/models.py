"""Platform models: the audit trail, the scheduler's ledger and the background export jobs. The
first two keep the table names they had in core and notifications (core_auditentry,
notifications_scheduledrun): the models moved here without moving their rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import EventLog
from .scoping import AppendOnlyModel, AppendOnlyQuerySet
from .uploads import upload_storage


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    EXPORT = "export", _("导出")


class AuditEntry(AppendOnlyModel):
    """审计日志: append-only. Who, when, from where, what changed (before/after)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    # The division path of the actor, so that a supervisor sees the entries of their subtree.
    division_path = models.CharField(max_length=255, blank=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()
    scope_division_field = "division_path"

    class Meta:
        db_table = "core_auditentry"
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audite_object__83eb8a_idx")
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class ScheduledRun(models.Model):
    """Ledger of periodic job slots (platform/jobs.py): the unique constraint makes every
    (job, slot) enqueue exactly once, whatever the number of worker processes."""

    job = models.CharField(_("任务"), max_length=100)
    slot = models.DateTimeField(_("计划时间"))
    task_id = models.CharField(_("任务结果编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("入队时间"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "notifications_scheduledrun"
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_once_per_slot")
        ]

    def __str__(self):
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- background exports


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


class ExportJob(models.Model):
    """导出任务: one export a staff member asked for (platform/export_jobs.py). The content is
    computed in the background with the owner's scope at run time; the file lives on the upload
    storage (``MEDIA_ROOT/exports/…``, outside the web root) until ``expires_at``. Status changes
    only through the ``exports`` machine (platform/machines.py); ``rows_done``/``rows_total``
    are progress counters written by the running job."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("导出类型"), max_length=50)
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    language = models.CharField(_("语言"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("已导出行数"), default=0)
    file = models.FileField(_("文件"), storage=upload_storage, max_length=200, blank=True)
    filename = models.CharField(_("文件名"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    error = models.CharField(_("错误信息"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="platform_export_user_idx")]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)


class ExportJobEvent(EventLog):
    """One step of an export job (queued, started, done, failed, expired). Append-only."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("导出任务记录")
        verbose_name_plural = _("导出任务记录")
        ordering = ["at", "id"]
