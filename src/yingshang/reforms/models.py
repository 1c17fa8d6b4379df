"""Reform-task supervision (督查督办): programme → measures → tasks → milestones, progress
reports with evidence, reviews, reminders and an append-only event log per task."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Department, Division
from yingshang.platform.events import EventLog
from yingshang.platform.scoping import (
    AppendOnlyQuerySet,
    ScopedQuerySet,
    scope_filter,
)
from yingshang.platform.uploads import upload_storage


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")


CYCLE_MONTHS = {
    Cycle.MONTHLY: 1,
    Cycle.QUARTERLY: 3,
    Cycle.HALF_YEARLY: 6,
    Cycle.YEARLY: 12,
}


class Programme(models.Model):
    """工作方案: a reform programme issued as a numbered document (绵府办发〔2019〕1号)."""

    title = models.CharField(_("方案名称"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    issue_date = models.DateField(_("印发日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    reporting_cycle = models.CharField(
        _("报送周期"), max_length=20, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    lag_margin = models.PositiveSmallIntegerField(
        _("滞后容差（百分点）"),
        default=15,
        help_text=_("进度低于按期直线进度超过该百分点即为滞后。"),
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    slug = models.SlugField(
        _("公开代码"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("公开页面与开放数据的固定网址代码，首次公开时生成，此后不变。"),
    )
    published_at = models.DateTimeField(
        _("公开时间"),
        null=True,
        blank=True,
        help_text=_("为空表示未公开；公开后任何人无需登录即可查看方案进展。"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    audited = True

    class Meta:
        verbose_name = _("工作方案")
        verbose_name_plural = _("工作方案")
        ordering = ["-issue_date", "-id"]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Measure(models.Model):
    """政策措施: a numbered measure of a programme."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("工作方案"), on_delete=models.CASCADE, related_name="measures"
    )
    number = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("政策措施"), max_length=500)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=1)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "programme__division"
    audited = True

    class Meta:
        verbose_name = _("政策措施")
        verbose_name_plural = _("政策措施")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="measure_unique_number")
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class DeadlineKind(models.TextChoices):
    DATE = "date", _("限时完成")
    LONG_TERM = "long_term", _("长期坚持")
    ONGOING = "ongoing", _("持续推进")


class TaskState(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    ON_TRACK = "on_track", _("正常推进")
    LAGGING = "lagging", _("进度滞后")
    OVERDUE = "overdue", _("逾期未完成")
    COMPLETED = "completed", _("按期完成")
    COMPLETED_LATE = "completed_late", _("超期完成")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


STATE_LIGHT = {
    TaskState.NOT_STARTED: Light.GREEN,
    TaskState.ON_TRACK: Light.GREEN,
    TaskState.COMPLETED: Light.GREEN,
    TaskState.LAGGING: Light.YELLOW,
    TaskState.COMPLETED_LATE: Light.YELLOW,
    TaskState.OVERDUE: Light.RED,
}


class TaskQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Division staff see the tasks of programmes in their subtree; department-bound roles
        (承办人, 部门负责人) only the tasks their department leads or joins."""
        from .policies import policy

        q = scope_filter(self.model, user)
        if q is None:
            return self
        return policy.filter(self.filter(q), user, "read")


class Task(models.Model):
    """任务: one numbered task with its lead leader, lead and participating units."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("工作方案"), on_delete=models.CASCADE, related_name="tasks"
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("政策措施"), on_delete=models.CASCADE, related_name="tasks"
    )
    number = models.CharField(_("任务编号"), max_length=20)
    seq = models.PositiveIntegerField(_("排序"), default=0)
    content = models.TextField(_("任务内容"))
    leader_name = models.CharField(_("牵头领导"), max_length=50, blank=True)
    leader_title = models.CharField(_("领导职务"), max_length=50, blank=True)
    lead_units = models.ManyToManyField(
        Department, verbose_name=_("牵头单位"), related_name="reform_tasks_led"
    )
    partner_units = models.ManyToManyField(
        Department, verbose_name=_("参与单位"), related_name="reform_tasks_joined", blank=True
    )
    collective_units = models.JSONField(
        _("其他责任主体"),
        default=list,
        blank=True,
        help_text=_("“各县（市、区）人民政府”等不对应单一部门的责任主体，原文保留。"),
    )
    deadline_kind = models.CharField(
        _("时限类型"), max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.DATE
    )
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    deadline_text = models.CharField(_("时限原文"), max_length=100, blank=True)
    reporting_cycle = models.CharField(
        _("报送周期"),
        max_length=20,
        choices=Cycle.choices,
        blank=True,
        help_text=_("为空时按方案的报送周期。"),
    )
    start_date = models.DateField(_("开始日期"))
    expected_outputs = models.TextField(_("预期成果"), blank=True)
    indicator_keys = models.JSONField(_("关联指标"), default=list, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=1)
    progress = models.DecimalField(_("进度（%）"), max_digits=5, decimal_places=2, default=0)
    state = models.CharField(
        _("状态"), max_length=20, choices=TaskState.choices, default=TaskState.NOT_STARTED
    )
    last_report_on = models.DateField(_("最近报送日期"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    source_line = models.PositiveIntegerField(_("来源行号"), null=True, blank=True)
    is_public = models.BooleanField(
        _("公开"),
        default=True,
        help_text=_("方案公开后，本任务是否在公开页面和开放数据中显示。"),
    )

    objects = TaskQuerySet.as_manager()
    scope_division_field = "programme__division"
    audited = True

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["programme", "seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="task_unique_number")
        ]

    def __str__(self):
        return f"{self.number} {self.content[:40]}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def light(self) -> str:
        return STATE_LIGHT[self.state]

    @property
    def effective_cycle(self) -> str:
        return self.reporting_cycle or self.programme.reporting_cycle

    @property
    def leader(self) -> str:
        return " ".join(p for p in (self.leader_title, self.leader_name) if p)


class Milestone(models.Model):
    """节点: a dated, weighted step of a task."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点"), max_length=200)
    due_date = models.DateField(_("计划完成日期"))
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=1)
    percent = models.DecimalField(_("完成度（%）"), max_digits=5, decimal_places=2, default=0)
    reached_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "task__programme__division"
    audited = True

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["task", "due_date", "id"]

    def __str__(self):
        return self.title


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


class ProgressReport(models.Model):
    """进度报告: submitted by a lead unit, reviewed by the bureau."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reports"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    period = models.CharField(_("报送期次"), max_length=10, help_text=_("如 2019-03"))
    percent = models.DecimalField(_("进度（%）"), max_digits=5, decimal_places=2)
    text = models.TextField(_("进展情况"))
    decrease_reason = models.TextField(_("进度下调原因"), blank=True)
    status = models.CharField(
        _("审核状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    closes_task = models.BooleanField(_("申请销号"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "task__programme__division"
    audited = True

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.task.number} {self.period} {self.percent}%"


class Contribution(models.Model):
    """参与单位报送的分工进展."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="contributions"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("参与单位"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    text = models.TextField(_("分工进展"))

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "task__programme__division"
    audited = True

    class Meta:
        verbose_name = _("参与单位进展")
        verbose_name_plural = _("参与单位进展")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.department} {self.submitted_at:%Y-%m-%d}"


class EvidenceFile(models.Model):
    """佐证材料: stored under MEDIA_ROOT, served only through a permission-checked view."""

    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="reforms/evidence/%Y/%m/", storage=upload_storage)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "task__programme__division"
    audited = True

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self):
        return self.original_name


class ReminderReason(models.TextChoices):
    MISSING_REPORT = "missing_report", _("本期未报送进度")
    LAGGING = "lagging", _("进度滞后")
    OVERDUE = "overdue", _("逾期未完成")
    MANUAL = "manual", _("人工催办")


class Reminder(models.Model):
    """催办: recorded whether or not a notification channel delivered it."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reminders"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("被催办单位"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("催办时间"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=20, choices=ReminderReason.choices)
    period = models.CharField(_("期次"), max_length=10, blank=True)
    note = models.TextField(_("说明"), blank=True)
    notified = models.BooleanField(_("已发送通知"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "task__programme__division"
    audited = True

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.task.number} {self.department} {self.get_reason_display()}"


class EventKind(models.TextChoices):
    CREATED = "created", _("任务创建")
    STATE = "state", _("状态变化")
    REPORT = "report", _("报送进度")
    CONTRIBUTION = "contribution", _("参与单位报送")
    ACCEPTED = "accepted", _("审核采纳")
    RETURNED = "returned", _("审核退回")
    CLOSED = "closed", _("销号")
    REMINDER = "reminder", _("催办")
    PUBLISHED = "published", _("公开")
    WITHHELD = "withheld", _("取消公开")


class TaskEvent(EventLog):
    """任务日志: append-only (platform ``EventLog``); every state change and every action on a
    task adds a row. ``action`` is one of ``EventKind``."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True, choices=TaskState.choices)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True, choices=TaskState.choices)

    objects = AppendOnlyQuerySet.as_manager()
    scope_division_field = "task__programme__division"

    class Meta:
        verbose_name = _("任务日志")
        verbose_name_plural = _("任务日志")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.get_action_display()}"
