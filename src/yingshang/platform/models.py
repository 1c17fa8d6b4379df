"""Platform models: the audit trail and the scheduler's ledger. Both tables keep the names they
had in core and notifications (core_auditentry, notifications_scheduledrun): the models moved
here without moving their rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import AppendOnlyModel, AppendOnlyQuerySet


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
