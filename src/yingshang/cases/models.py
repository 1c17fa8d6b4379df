"""Cases (办件): applications for a service item, their append-only event log, on-site visits
(跑动次数) and materials.

A case points at the ``ServiceItemVersion`` it was accepted under: its limits never change when
the item is edited later. Every status change goes through ``workflow.transition`` (one place
that locks the row, validates against the ``TRANSITIONS`` table, appends a ``CaseEvent`` and
schedules notifications on commit). A "one thing" bundle application is a parent case whose
sub-cases (``parent``) are handled in parallel by their departments; the parent's status and due
date are derived from them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.platform.events import EventLog
from yingshang.platform.scoping import AppendOnlyQuerySet, ScopedQuerySet
from yingshang.platform.uploads import upload_storage


class Channel(models.TextChoices):
    ONLINE = "online", _("网上办理")
    WINDOW = "window", _("综合窗口")
    API = "api", _("系统接口")
    WECHAT = "wechat", _("微信公众号")


OFFLINE_CHANNELS = {Channel.WINDOW}


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已申报")
    PRECHECKING = "prechecking", _("预审中")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    SUPPLEMENT = "supplement_requested", _("待补正")
    IN_PROCESS = "in_process", _("办理中")
    PENDING_APPROVAL = "pending_approval", _("待审批")
    SUSPENDED = "suspended", _("挂起")
    COMPLETED = "completed", _("已办结")
    DELIVERED = "delivered", _("已送达")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.PRECHECKING,
    Status.ACCEPTED,
    Status.SUPPLEMENT,
    Status.IN_PROCESS,
    Status.PENDING_APPROVAL,
    Status.SUSPENDED,
)
OPEN_STATUS_VALUES = [str(s.value) for s in OPEN_STATUSES]
FINISHED_STATUSES = (Status.COMPLETED, Status.DELIVERED, Status.REJECTED, Status.WITHDRAWN)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("准予")
    DENIED = "denied", _("不予")


class Step(models.TextChoices):
    """Internal steps of 办理."""

    REVIEW = "review", _("审查")
    DECISION = "decision", _("决定")


class SlaState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    WARNING = "warning", _("预警")
    OVERDUE = "overdue", _("超期")
    PAUSED = "paused", _("暂停计时")
    NOT_STARTED = "not_started", _("未开始计时")


class SuspendReason(models.TextChoices):
    HEARING = "hearing", _("听证")
    EXPERT = "expert", _("专家评审")
    NOTICE = "notice", _("公告")
    INSPECTION = "inspection", _("现场勘验")


class ApplicantKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("法人")
    PERSON = "person", _("自然人")


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Department roles see their department's cases; other staff see the cases handled by
        a department of their subtree *or* applied for in it (a county window sees what it took
        in for a city department). Written as id subqueries (no joins) so that large queues
        and searches stay on the case table's indexes."""
        from yingshang.core.policies import is_staff
        from yingshang.platform.scoping import scope_filter

        from .policies import policy

        q = scope_filter(self.model, user)
        if q is None:
            return self
        if not (is_staff(user) and user.division_id):
            return self.filter(q)
        return policy.filter(self, user, "read")

    def top_level(self):
        """Cases the applicant sees: single cases and bundle parents (no sub-cases)."""
        return self.filter(parent__isnull=True)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """办件."""

    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index below
    )
    version = models.ForeignKey(
        "catalog.ServiceItemVersion",
        verbose_name=_("事项版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # versions are immutable and never deleted
    )
    bundle = models.ForeignKey(
        "catalog.Bundle",
        verbose_name=_("一件事"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主办件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    title = models.CharField(_("办件名称"), max_length=200)
    applicant_kind = models.CharField(_("申请人类型"), max_length=10, choices=ApplicantKind.choices)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("申请企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_name = models.CharField(_("申请人名称"), max_length=200)
    applicant_code = models.CharField(_("证件号码"), max_length=18)
    applicant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("门户账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,  # covered by a composite index below
    )
    division = models.ForeignKey(
        "core.Division",
        verbose_name=_("申办区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("办理部门"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # covered by a composite index below
    )
    intake_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("收件窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices)
    step = models.CharField(_("办理环节"), max_length=10, choices=Step.choices, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=10, choices=Outcome.choices, blank=True)
    # 审核 (the handler) proposes the outcome; 审批 (the department head) decides on it
    proposed_outcome = models.CharField(
        _("审核意见结果"),
        max_length=10,
        choices=Outcome.choices,
        blank=True,
        default="",
        db_default="",
    )
    reason = models.TextField(_("理由"), blank=True)
    resume_status = models.CharField(max_length=24, blank=True, editable=False)
    missing_materials = models.JSONField(_("待补正材料"), default=list, blank=True)
    suspend_reason = models.CharField(
        _("挂起事由"), max_length=12, choices=SuspendReason.choices, blank=True
    )
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)

    submitted_at = models.DateTimeField(_("申报时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # SLA clock (see sla.py). ``due_at``/``warn_at`` move later when a pause ends.
    limit_days = models.PositiveIntegerField(_("承诺时限（工作日）"), default=0)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    due_provisional = models.BooleanField(_("到期日暂定"), default=False)
    paused_since = models.DateTimeField(_("暂停计时起"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("暂停工作日数"), default=0)
    final_sla_state = models.CharField(
        _("办结时效"), max_length=12, choices=SlaState.choices, blank=True
    )
    working_days_used = models.IntegerField(_("实际用时（工作日）"), null=True, blank=True)
    days_saved = models.IntegerField(_("提前办结（工作日）"), null=True, blank=True)

    visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    visits_required = models.PositiveSmallIntegerField(_("承诺到现场次数"), default=0)
    multiple_trips = models.BooleanField(_("来回跑"), default=False)
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    # The seed of the 查询码 (platform/lookup_codes.py): the code is derived from it with the
    # server's key and never stored. "" on rows from before codes existed and on the demo's
    # volume rows: no code opens those (their owner logged in, and staff, still see them).
    lookup_seed = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )

    objects = CaseQuerySet.as_manager()
    scope_division_field = "department__division"
    scope_department_field = "department"
    audited = True
    personal_fields = ("applicant_code", "applicant_phone")
    audit_exclude = ("lookup_seed",)

    @property
    def lookup_code(self) -> str:
        """The 查询码 (``XXXXX-XXXXX``), derived; "" when the case has none."""
        from yingshang.platform import lookup_codes

        return lookup_codes.display(lookup_codes.code_for("case", self.number, self.lookup_seed))

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # Department queue: open cases of a department ordered by due date.
            models.Index(fields=["department", "status", "due_at"], name="case_queue"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            # open-case queues read in their order (due, then submitted, then id — the cases
            # not yet accepted have no due date and are ordered by submission) without a
            # sort: a page of 50 reads 50 index entries however long the queue (partial: open
            # cases only)
            models.Index(
                fields=["department", "due_at", "submitted_at", "id"],
                name="case_open_dept_queue",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(
                fields=["due_at", "submitted_at", "id"],
                name="case_open_queue",
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
            ),
            models.Index(fields=["submitted_at"], name="case_submitted"),
            # monitoring reads completed and due cases by day (the daily incremental run)
            models.Index(fields=["completed_at"], name="case_completed"),
            models.Index(fields=["due_at"], name="case_due"),
            models.Index(fields=["item", "submitted_at"], name="case_item_submitted"),
            models.Index(fields=["applicant_code"], name="case_applicant_code"),
            models.Index(fields=["user", "submitted_at"], name="case_user"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_bundle_parent(self) -> bool:
        return self.bundle_id is not None and self.parent_id is None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def sla_state(self) -> str:
        from .sla import state_of

        return state_of(self)

    @property
    def masked_applicant_code(self) -> str:
        from yingshang.platform.masking import mask_id_number

        if self.applicant_kind == ApplicantKind.ENTERPRISE:
            return self.applicant_code
        return mask_id_number(self.applicant_code)

    def evaluation_subject_info(self) -> dict:
        """The protocol the evaluations app rates subjects through (一事一评 / 一次一评)."""
        return {
            "finished": self.status in (Status.COMPLETED, Status.DELIVERED, Status.REJECTED),
            "applicant_user_id": self.user_id,
            "department": self.department,
            "division": self.division,
            "channel": "offline" if self.channel in OFFLINE_CHANNELS else "online",
            "label": f"{self.number} {self.title}",
        }


class CaseEvent(EventLog):
    """One transition of a case: the log monitoring and process analysis read. Append-only
    (platform ``EventLog``). The columns keep their first names (``from_status``, ``to_status``,
    ``role``) because the bulk paths (``rows.py``, the volume loader's COPY) write them by name."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # covered by caseevent_case_at
    from_state = models.CharField(_("原状态"), max_length=24, blank=True, db_column="from_status")
    to_state = models.CharField(_("新状态"), max_length=24, db_column="to_status")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True, db_column="role")

    objects = AppendOnlyQuerySet.as_manager()
    scope_division_field = "case__department__division"
    scope_department_field = "case__department"

    class Meta:
        verbose_name = _("办件流转记录")
        verbose_name_plural = _("办件流转记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at"),
            # the only status read through an index is 补正 (monitoring, process analysis)
            models.Index(
                fields=["at"],
                name="caseevent_supplement_at",
                condition=models.Q(to_state="supplement_requested"),
            ),
            # 补正 answers by day and channel (monitoring: share answered from the phone)
            models.Index(
                fields=["at"],
                name="caseevent_resubmit_at",
                condition=models.Q(action="resubmit"),
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"


class VisitKind(models.TextChoices):
    SUBMISSION = "submission", _("窗口递交材料")
    SUPPLEMENT = "supplement", _("补正材料")
    ORIGINAL_CHECK = "original_check", _("原件核验")
    PICKUP = "pickup", _("领取结果")


class CaseVisit(models.Model):
    """一次到现场: an on-site visit the applicant had to make for a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visit_log")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事由"), max_length=20, choices=VisitKind.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("到现场记录")
        verbose_name_plural = _("到现场记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d}"


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("上传")
    ELICENCE = "elicence", _("电子证照免提交")
    PAPER = "paper", _("窗口纸质收取")


class CaseMaterial(models.Model):
    """申请材料 as received: an upload (stored under MEDIA_ROOT with a random name, served only
    through a permission-checked view) or an e-licence taken from the registry (免提交)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        "catalog.Material",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("材料名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=10, choices=MaterialSource.choices)
    licence = models.ForeignKey(
        "registry.ELicence",
        verbose_name=_("电子证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # the upload service's name of the file (empty for e-licences and paper)
    stored_name = models.FileField(
        max_length=200, blank=True, editable=False, storage=upload_storage, upload_to="cases/"
    )
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    round = models.PositiveSmallIntegerField(_("补正轮次"), default=0)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["case", "round", "id"]

    def __str__(self):
        return self.name


class CaseNumberCounter(models.Model):
    """Sequence of case numbers per (division code, day): one upsert per number, so several app
    servers never collide and never wait on a global lock."""

    prefix = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix"], name="case_counter_prefix")]

    def __str__(self):
        return f"{self.prefix}:{self.last}"


class DemoBatch(models.Model):
    """Marker of a generated volume-demo batch (idempotency of ``yingshang demo --cases``)."""

    key = models.CharField(max_length=100, unique=True)
    cases = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key


from .draft_models import ApplicationDraft, DraftAttachment, DraftStatus  # noqa: E402, F401
