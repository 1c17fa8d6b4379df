"""Service catalog (政务服务事项): items with their versioned terms, materials, and "one thing"
bundles (一件事一次办).

Terms that a case depends on (limits, kind, visits, materials) live on ``ServiceItemVersion``;
a case points at the version it was accepted under, so changing an item never alters the limits
of cases already accepted. Codes follow GB/T 39554.1-2020: 基本编码 and 实施编码 (basic code +
12-digit area code + the implementing body's USCC + suffixes).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.platform.scoping import ScopedQuerySet


class Category(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    PAYMENT = "payment", _("行政给付")
    ADJUDICATION = "adjudication", _("行政裁决")
    REWARD = "reward", _("行政奖励")
    FILING = "filing", _("行政备案")
    OTHER_ADMIN = "other_admin", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class Theme(models.TextChoices):
    PERSON = "person", _("个人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("个人和法人")


class ItemKind(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    COMMITTED = "committed", _("承诺件")


class OnlineDepth(models.IntegerChoices):
    """网上办理深度."""

    OFFLINE = 0, _("仅线下办理")
    CONSULT = 1, _("网上咨询")
    SUBMIT = 2, _("网上收件")
    PRECHECK = 3, _("网上预审")
    ACCEPT = 4, _("网上受理")
    FULL = 5, _("全程网办")


class ScopeOfService(models.TextChoices):
    """通办范围."""

    LOCAL = "local", _("属地办理")
    CITY = "city", _("全市通办")
    PROVINCE = "province", _("全省通办")
    NATIONAL = "national", _("跨省通办")


class ServiceItem(models.Model):
    """政务服务事项 as implemented by one department in one division (实施清单)."""

    basic_code = models.CharField(_("基本编码"), max_length=40, db_index=True)
    implementation_code = models.CharField(_("实施编码"), max_length=80, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    category = models.CharField(_("事项类型"), max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("实施部门"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    division = models.ForeignKey(
        "core.Division",
        verbose_name=_("实施区划"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    theme = models.CharField(
        _("服务对象"), max_length=12, choices=Theme.choices, default=Theme.BOTH
    )
    life_events = models.CharField(
        _("主题分类"), max_length=200, blank=True, help_text=_("以顿号分隔，如：开办企业、投资建设")
    )
    is_active = models.BooleanField(_("在用"), default=True)
    # two-step decision (审核 by the handler, 审批 by the department head) — docs/cases.md
    requires_head_approval = models.BooleanField(
        _("需部门负责人审批"),
        default=False,
        help_text=_("勾选后，承办人审核后须报部门负责人审批才能办结。"),
    )
    current_version = models.ForeignKey(
        "ServiceItemVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    scope_department_field = "department"
    audited = True

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["implementation_code"]
        # 事项目录维护员: creates, changes, imports and deactivates items of their scope
        permissions = [("maintain_catalog", _("维护事项目录"))]
        indexes = [
            # The portal's and the API's filters: active items by division / department / theme.
            models.Index(fields=["is_active", "division"], name="item_active_division"),
            models.Index(fields=["is_active", "department"], name="item_active_department"),
            models.Index(fields=["is_active", "theme"], name="item_active_theme"),
            models.Index(fields=["category"], name="item_category"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if (
            self.department_id
            and self.division_id
            and self.department.division_id != self.division_id
        ):
            raise ValidationError({"department": _("实施部门不属于实施区划。")})


class ServiceItemVersion(models.Model):
    """The terms of an item from ``valid_from`` on. Never edited once a case uses it."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="versions", verbose_name=_("事项")
    )
    version = models.PositiveIntegerField(_("版本号"))
    valid_from = models.DateTimeField(_("生效时间"))
    kind = models.CharField(_("办件类型"), max_length=10, choices=ItemKind.choices)
    legal_limit_days = models.PositiveIntegerField(_("法定办结时限（工作日）"))
    committed_limit_days = models.PositiveIntegerField(_("承诺办结时限（工作日）"))
    visits_required = models.PositiveSmallIntegerField(_("到办事现场次数"), default=0)
    online_depth = models.PositiveSmallIntegerField(
        _("网上办理深度"), choices=OnlineDepth.choices, default=OnlineDepth.FULL
    )
    service_scope = models.CharField(
        _("通办范围"), max_length=10, choices=ScopeOfService.choices, default=ScopeOfService.CITY
    )
    in_hall = models.BooleanField(_("进驻政务服务大厅"), default=True)
    fee_text = models.CharField(_("收费标准"), max_length=200, blank=True, default="不收费")
    fee_amount = models.DecimalField(
        _("收费金额（元）"), max_digits=12, decimal_places=2, default=0
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    guide = models.TextField(_("办事指南"), blank=True)
    result_licence_type = models.ForeignKey(
        "registry.LicenceType",
        verbose_name=_("办理结果（电子证照）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    audited = True

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="item_version_unique"),
            models.CheckConstraint(
                condition=models.Q(committed_limit_days__lte=models.F("legal_limit_days")),
                name="committed_within_legal",
            ),
        ]

    def __str__(self):
        return f"{self.item.name} v{self.version}"

    def save(self, *args, **kwargs):
        # A version is immutable once written: cases point at it, so its terms never change.
        # Changes are published as a new version (catalog.services.publish_new_version).
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise PermissionError("a service item version is immutable; publish a new version")
        super().save(*args, **kwargs)

    @property
    def compression_rate(self) -> float | None:
        """承诺时限压缩率 = 1 − committed/legal."""
        if not self.legal_limit_days:
            return None
        return 1 - self.committed_limit_days / self.legal_limit_days

    def clean(self):
        errors = {}
        if (
            self.committed_limit_days is not None
            and self.legal_limit_days is not None
            and (self.committed_limit_days > self.legal_limit_days)
        ):
            errors["committed_limit_days"] = _("承诺办结时限不能超过法定办结时限。")
        if self.kind == ItemKind.IMMEDIATE and self.committed_limit_days not in (0, None):
            errors["committed_limit_days"] = _("即办件的承诺办结时限应为0（当场办结）。")
        if errors:
            raise ValidationError(errors)


class Material(models.Model):
    """申请材料 of an item version."""

    class Requirement(models.TextChoices):
        REQUIRED = "required", _("必要")
        CONDITIONAL = "conditional", _("容缺/情形性")

    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        BOTH = "both", _("原件和复印件")
        ELECTRONIC = "electronic", _("电子材料")

    version = models.ForeignKey(
        ServiceItemVersion,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("事项版本"),
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    requirement = models.CharField(
        _("必要性"), max_length=12, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.CharField(_("适用情形"), max_length=200, blank=True)
    form = models.CharField(
        _("材料形式"), max_length=12, choices=Form.choices, default=Form.ELECTRONIC
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    licence_type = models.ForeignKey(
        "registry.LicenceType",
        verbose_name=_("可用电子证照/共享数据替代"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audited = True

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "order"]

    def __str__(self):
        return self.name


class Bundle(models.Model):
    """一件事一次办: items applied for once, handled in parallel as sub-cases."""

    key = models.SlugField(_("标识"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    theme = models.CharField(
        _("服务对象"), max_length=12, choices=Theme.choices, default=Theme.ENTERPRISE
    )
    division = models.ForeignKey(
        "core.Division", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="bundles"
    )
    items = models.ManyToManyField(
        ServiceItem, through="BundleItem", related_name="bundles", verbose_name=_("包含事项")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    audited = True

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="bundle_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    audited = True

    class Meta:
        ordering = ["bundle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="bundle_item_unique")
        ]

    def __str__(self):
        return f"{self.bundle_id}:{self.item_id}"


class BundleOutput(models.Model):
    """A result of one of a bundle's items (its e-licence type) that other items of the same
    bundle list as a material: an output of the bundle, never asked of the applicant (企业开办:
    营业执照 and 公章刻制备案证明 are produced by its own sub-cases). ``founds_holder``: the
    result is the founding document of a holder that does not exist yet (营业执照 of a new
    company), so the application names the new company instead of an existing USCC."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="outputs")
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("产生结果的事项"), on_delete=models.PROTECT, related_name="+"
    )
    licence_type = models.ForeignKey(
        "registry.LicenceType",
        verbose_name=_("办理结果（电子证照）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    founds_holder = models.BooleanField(_("设立新主体"), default=False)
    audited = True

    class Meta:
        verbose_name = _("一件事办理结果")
        verbose_name_plural = _("一件事办理结果")
        ordering = ["bundle", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "licence_type"], name="bundle_output_unique")
        ]

    def __str__(self):
        return f"{self.bundle_id}:{self.licence_type_id}"


class TermKind(models.TextChoices):
    SYNONYM = "synonym", _("同义词")
    COLLOQUIAL = "colloquial", _("俗称")


class ItemTerm(models.Model):
    """A word people use for an item (营业执照 → 企业设立登记, 开小卖部 → 个体工商户设立登记),
    maintained by the catalogue team; the search matches it like the item's name. ``source``
    says where the wording was heard (12345 hotline, hall enquiry, a published page)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="terms", verbose_name=_("事项")
    )
    term = models.CharField(_("词语"), max_length=50)
    kind = models.CharField(
        _("类型"), max_length=12, choices=TermKind.choices, default=TermKind.SYNONYM
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    audited = True

    class Meta:
        verbose_name = _("检索词")
        verbose_name_plural = _("检索词")
        ordering = ["item", "kind", "term"]
        constraints = [
            models.UniqueConstraint(fields=["item", "term"], name="item_term_unique"),
        ]

    def __str__(self):
        return self.term

    def clean(self):
        self.term = " ".join((self.term or "").split())
        if not self.term:
            raise ValidationError({"term": _("词语不能为空。")})


class SearchToken(models.Model):
    """The search index: one row per (item, token, field), rebuilt from the item, its current
    version, materials, department and terms whenever one of them changes
    (``catalog.search.index_item``; ``yingshang catalog_search rebuild`` rebuilds all)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    field = models.CharField(max_length=12)
    weight = models.FloatField()

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")
        constraints = [
            models.UniqueConstraint(fields=["item", "token", "field"], name="search_token_unique"),
        ]
        indexes = [models.Index(fields=["token"], name="search_token_token")]

    def __str__(self):
        return f"{self.item_id}:{self.token}"


class ZeroResultQuery(models.Model):
    """A portal search that found nothing: what people look for and the catalogue lacks."""

    query = models.CharField(_("检索词"), max_length=100, unique=True)
    count = models.PositiveIntegerField(_("次数"), default=0)
    first_seen = models.DateTimeField(_("首次出现"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近出现"))

    class Meta:
        verbose_name = _("无结果检索")
        verbose_name_plural = _("无结果检索")
        ordering = ["-count", "-last_seen"]

    def __str__(self):
        return self.query
