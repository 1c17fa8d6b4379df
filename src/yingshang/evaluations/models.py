"""好差评 (government-service evaluation, 国办发〔2019〕51号) and rectification (差评整改).

Target-agnostic: an Evaluation rates any *subject* (a case, an appeal …) through a generic
relation plus the subject's department and division, denormalised for scoping and statistics.
A subject model implements ``evaluation_subject_info()`` — see docs/evaluations.md.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.platform.events import EventLog
from yingshang.platform.scoping import ScopedQuerySet


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class EvalChannel(models.TextChoices):
    ONLINE = "online", _("线上（一事一评）")
    OFFLINE = "offline", _("线下（一次一评）")


DIMENSIONS = {
    EvalChannel.ONLINE: [
        ("overall", _("整体满意度")),
        ("efficiency", _("办事效率")),
        ("guide_accuracy", _("办事指南精确度")),
        ("convenience", _("办事便捷度")),
        ("usability", _("平台操作性")),
    ],
    EvalChannel.OFFLINE: [
        ("overall", _("整体满意度")),
        ("efficiency", _("服务效率")),
        ("service_level", _("服务水平")),
        ("attitude", _("服务态度")),
    ],
}


class Evaluation(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    subject = GenericForeignKey("content_type", "object_id")
    subject_label = models.CharField(_("评价对象"), max_length=200)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("被评价部门"), on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "core.Division", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("评价渠道"), max_length=10, choices=EvalChannel.choices)
    level = models.PositiveSmallIntegerField(_("总体评价"), choices=Level.choices)
    dimensions = models.JSONField(_("分项评价"), default=dict)
    comment = models.TextField(_("评价意见"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
    )
    evaluator_name = models.CharField(_("评价人"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("评价时间"), db_index=True)
    voided = models.BooleanField(_("申诉成立已剔除"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "department"
    audited = True

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at", "-id"]
        constraints = [
            # 一次一评 / 一事一评: one rating per subject and channel.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "channel"], name="evaluation_once_per_channel"
            ),
        ]
        indexes = [models.Index(fields=["department", "created_at"])]

    def __str__(self):
        return f"{self.subject_label} · {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RectStatus(models.TextChoices):
    VERIFYING = "verifying", _("待核实")
    CONTESTED = "contested", _("申诉中")
    RECTIFYING = "rectifying", _("整改中")
    CALLBACK = "callback", _("待回访")
    AWAITING_VERDICT = "awaiting_verdict", _("待评价人确认")
    CLOSED = "closed", _("整改完成")
    VOIDED = "voided", _("申诉成立")


# The allowed changes are the table in ``machines.py`` (RectificationMachine).


class Rectification(models.Model):
    """差评整改: verification → rectification (limit) → callback → the evaluator's verdict;
    or the department contests (申诉) and the bureau decides."""

    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.CASCADE, related_name="rectification"
    )
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey("core.Division", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=20, choices=RectStatus.choices, default=RectStatus.VERIFYING
    )
    opened_at = models.DateTimeField(_("启动时间"))
    due_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    verification_note = models.TextField(_("核实情况"), blank=True)
    contest_reason = models.TextField(_("申诉理由"), blank=True)
    decision_note = models.TextField(_("申诉裁定"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    reported_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    verdict_satisfied = models.BooleanField(_("评价人认可整改"), null=True, blank=True)
    verdict_note = models.TextField(_("评价人意见"), blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    rounds = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "department"
    audited = True

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["-opened_at", "-id"]

    def __str__(self):
        return f"{self.evaluation} · {self.get_status_display()}"


class RectificationEvent(EventLog):
    """One step of a rectification. Append-only (platform ``EventLog``)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )

    class Meta:
        verbose_name = _("差评整改记录")
        verbose_name_plural = _("差评整改记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rectification_id} {self.action}"
