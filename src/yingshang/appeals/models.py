"""Enterprise appeals (企业诉求直通车), Q&A sessions (政企面对面) and their commitments.

Every state change goes through ``services``; the allowed changes are the tables in
``machines.py`` (platform state-machine kit), and every step appends an ``AppealEvent`` /
``CommitmentEvent`` (append-only, platform ``EventLog``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.core.policies import BUREAU_FUNCTION, in_bureau_department, is_staff
from yingshang.platform.events import EventLog
from yingshang.platform.masking import mask_id_number, mask_phone
from yingshang.platform.scoping import AppendOnlyQuerySet, ScopedQuerySet, division_lookup
from yingshang.platform.uploads import upload_storage

SERVICE_OFFICE_KEY = BUREAU_FUNCTION  # 市政务服务监督管理局 (企业服务科)


class AppealType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    SUGGEST = "suggest", _("建议")
    POLICY = "policy", _("政策兑现")


class Topic(models.TextChoices):
    STARTUP = "startup", _("开办企业")
    POWER = "power", _("用电")
    UTILITIES = "utilities", _("用水用气")
    LAND = "land", _("用地")
    FINANCING = "financing", _("融资")
    APPROVAL = "approval", _("审批")
    ENFORCEMENT = "enforcement", _("执法")
    TAX = "tax", _("税费")
    TALENT = "talent", _("人才与用工")
    POLICY = "policy", _("惠企政策")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    PORTAL = "portal", _("网上门户")
    API = "api", _("接口")
    HOTLINE = "hotline", _("12345热线")
    VISIT = "visit", _("来访")
    QA_SESSION = "qa_session", _("政企面对面")


class AppellantKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PERSON = "person", _("个人")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待签收")
    SIGNED = "signed", _("已签收")
    DISPATCHED = "dispatched", _("办理中")
    REPLIED = "replied", _("已答复")
    ESCALATED = "escalated", _("市领导督办")
    CLOSED = "closed", _("已办结")


# The allowed status changes are the table in ``machines.py`` (AppealMachine).
OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]

ACTION_LABELS = {
    "submit": _("提交"),
    "sign": _("签收"),
    "dispatch": _("交办"),
    "redispatch": _("改派"),
    "reply": _("答复"),
    "extend": _("延期"),
    "extend_request": _("申请延期"),
    "extend_refused": _("延期不予批准"),
    "escalate": _("升级督办"),
    "confirm": _("确认已解决"),
    "reopen": _("重新办理"),
    "repeat": _("疑似重复"),
    "instruct": _("领导批示"),
}


class AppealQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Division subtree for staff; department-bound roles only see appeals dispatched to their
        department (lead or co-handler) — except the service office, which sees its subtree."""
        from .policies import policy

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not is_staff(user) or not user.division_id:
            return self.none()
        qs = self.filter(**{division_lookup("division"): user.division.path})
        return policy.filter(qs, user, "read")


def is_service_office(user) -> bool:
    """企业服务科: staff of a 政务服务监督管理局 (function_key gov_service), or an administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or in_bureau_department(user))


# Input limits (docs/appeals.md "Limits"): the service refuses longer text before any other
# work (tokenising, the repeat search), the form and the API say so per field and the OpenAPI
# schema carries them as maxLength.
TEXT_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = 100


class Appeal(models.Model):
    """诉求: raised once by an enterprise or a person, signed for by the service office,
    dispatched to a lead department (+ co-handlers), replied, confirmed and rated."""

    number = models.CharField(_("诉求编号"), max_length=20, unique=True)
    appellant_kind = models.CharField(_("诉求人类型"), max_length=12, choices=AppellantKind.choices)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    enterprise_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    person_name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("居民身份证号码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("门户账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    appeal_type = models.CharField(_("诉求类型"), max_length=12, choices=AppealType.choices)
    topic = models.CharField(_("诉求领域"), max_length=12, choices=Topic.choices)
    title = models.CharField(_("标题"), max_length=120)
    text = models.TextField(_("诉求内容"))
    tokens = models.TextField(editable=False, blank=True)  # jieba tokens, for repeat detection
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    # Scoping: the city until dispatch, then the lead department's division.
    division = models.ForeignKey(
        "core.Division", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    lead_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("主办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_appeals",
    )
    co_departments = models.ManyToManyField(
        "core.Department", verbose_name=_("协办部门"), blank=True, related_name="co_appeals"
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    sign_due = models.DateTimeField(_("签收时限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply_text = models.TextField(_("答复内容"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved = models.BooleanField(_("企业确认已解决"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级督办时间"), null=True, blank=True)
    escalation_reason = models.CharField(_("升级原因"), max_length=200, blank=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复诉求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    repeat_score = models.FloatField(_("相似度"), null=True, blank=True)
    suggestions = models.JSONField(_("分办建议"), default=list, blank=True)
    qa_session = models.ForeignKey(
        "QASession",
        verbose_name=_("政企面对面场次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )

    # The seed of the 查询码 (platform/lookup_codes.py); the code itself is never stored.
    lookup_seed = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )

    objects = AppealQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "lead_department"
    audited = True
    personal_fields = ("contact_phone", "id_number")
    audit_exclude = ("lookup_seed",)

    @property
    def lookup_code(self) -> str:
        """The 查询码 (``XXXXX-XXXXX``), derived; "" when the appeal has none."""
        from yingshang.platform import lookup_codes

        return lookup_codes.display(lookup_codes.code_for("appeal", self.number, self.lookup_seed))

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def appellant_label(self) -> str:
        if self.appellant_kind == AppellantKind.ENTERPRISE:
            return self.enterprise_name
        if not self.id_number:
            return self.person_name
        return f"{self.person_name}({mask_id_number(self.id_number)})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def allowed_actions(self) -> set[str]:
        from .machines import AppealMachine

        return set(AppealMachine.allowed(self))

    # --- 好差评 subject protocol (see docs/evaluations.md) ---
    def evaluation_subject_info(self) -> dict:
        return {
            "finished": self.status == Status.CLOSED,
            "applicant_user_id": self.applicant_user_id,
            "department": self.lead_department,
            "division": self.lead_department.division if self.lead_department_id else self.division,
            "channel": "offline" if self.channel in {Channel.HOTLINE, Channel.VISIT} else "online",
            "label": str(self),
        }


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="appeals/%Y/%m/", storage=upload_storage)
    original_name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("格式"), max_length=8)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(auto_now_add=True)
    audited = True

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")

    def __str__(self):
        return self.original_name


class AppealEvent(EventLog):
    """One step of an appeal: who (actor, role), when, what, note. Append-only (platform
    ``EventLog``); ``actor_role`` holds the role's name as shown (in the default language)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求流转记录")
        verbose_name_plural = _("诉求流转记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.appeal_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def to_status_label(self):
        return Status(self.to_state).label if self.to_state in Status.values else self.to_state


class Extension(models.Model):
    """延期申请: requested by the lead department, approved or refused by the service office."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    audited = True

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at"]

    def __str__(self):
        return f"{self.appeal_id} +{self.days}"


class DispatchModel(models.Model):
    """A trained dispatch classifier, serialised (numpy .npz) in the database so that every app
    server uses the same model. The newest row is the active one."""

    created_at = models.DateTimeField(auto_now_add=True)
    n_train = models.PositiveIntegerField(default=0)
    n_test = models.PositiveIntegerField(default=0)
    top1 = models.FloatField(null=True, blank=True)
    top3 = models.FloatField(null=True, blank=True)
    blob = models.BinaryField()

    class Meta:
        verbose_name = _("分办模型")
        verbose_name_plural = _("分办模型")
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.pk} top-1 {self.top1} top-3 {self.top3}"


# --- Q&A sessions (政企面对面) ---


class QASession(models.Model):
    title = models.CharField(_("场次名称"), max_length=120)
    date = models.DateField(_("日期"))
    theme = models.CharField(_("主题"), max_length=200)
    venue = models.CharField(_("地点"), max_length=120, blank=True)
    leaders = models.TextField(_("出席领导"), blank=True)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    departments = models.ManyToManyField(
        "core.Department", verbose_name=_("出席部门"), blank=True, related_name="qa_sessions"
    )
    enterprises = models.ManyToManyField(
        "registry.Enterprise", verbose_name=_("受邀企业"), blank=True, related_name="qa_sessions"
    )
    published = models.BooleanField(_("公开"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    audited = True

    class Meta:
        verbose_name = _("政企面对面")
        verbose_name_plural = _("政企面对面")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.date} {self.title}"


class QAQuestion(models.Model):
    session = models.ForeignKey(QASession, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("提问企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asker = models.CharField(_("提问人"), max_length=50, blank=True)
    question = models.TextField(_("问题"))
    answering_department = models.ForeignKey(
        "core.Department", verbose_name=_("答复部门"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("答复"), blank=True)
    audited = True

    class Meta:
        verbose_name = _("现场提问")
        verbose_name_plural = _("现场提问")
        ordering = ["session", "order", "id"]

    def __str__(self):
        return self.question[:40]


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", _("待落实")
    IN_PROGRESS = "in_progress", _("推进中")
    OVERDUE = "overdue", _("已逾期")
    COMPLETED = "completed", _("已完成待核验")
    VERIFIED = "verified", _("已销号")


# The allowed changes are the table in ``machines.py`` (CommitmentMachine).


class Commitment(models.Model):
    """承诺事项: an answer that promises action, tracked to the end like an appeal."""

    session = models.ForeignKey(QASession, on_delete=models.CASCADE, related_name="commitments")
    question = models.ForeignKey(
        QAQuestion, on_delete=models.CASCADE, related_name="commitments", null=True, blank=True
    )
    content = models.TextField(_("承诺内容"))
    owner_department = models.ForeignKey(
        "core.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PENDING,
        db_index=True,
    )
    progress_note = models.TextField(_("最新进展"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    division = models.ForeignKey("core.Division", on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "owner_department"
    audited = True

    class Meta:
        verbose_name = _("承诺事项")
        verbose_name_plural = _("承诺事项")
        ordering = ["deadline", "id"]

    def __str__(self):
        return self.content[:40]


class CommitmentEvent(EventLog):
    """One step of a commitment. Append-only (platform ``EventLog``)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("承诺事项记录")
        verbose_name_plural = _("承诺事项记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.commitment_id} {self.action}"
