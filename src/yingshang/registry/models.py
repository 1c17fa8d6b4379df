"""Shared data (共享数据): enterprises, persons and e-licences (电子证照) reused across applications.

The registry is the city's unified database of the seed ("构建全市统一的数据库"): an application
that needs a document already held here as an e-licence takes it from the registry instead of
an upload (免提交).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

from yingshang.platform.events import EventLog
from yingshang.platform.masking import mask_id_number, mask_phone
from yingshang.platform.scoping import ScopedQuerySet
from yingshang.platform.uploads import upload_storage


def validate_uscc(value: str):
    if not uscc.is_valid(value or ""):
        raise ValidationError(_("统一社会信用代码“%(v)s”无效。"), params={"v": value}, code="uscc")


def is_valid_ric(value: str) -> bool:
    """A 居民身份证号码 (GB 11643): ``stdnum.cn.ric.is_valid``, answering False instead of raising
    KeyError for an area code missing from stdnum's table (e.g. 510799).

    stdnum also wants the area code to exist in the year of birth; but the code is the county
    where the household was registered when the number was *assigned* (first card at 16, or a
    move before 1999), often years after birth: a Mianyang person born in 1985 may well hold a
    涪城区 number (510703, since 1992). Such a number is valid when its county existed in or
    after the year of birth."""
    try:
        number = ric.compact(value or "")
        if ric.is_valid(number):
            return True
        if len(number) != 18 or not number[:-1].isdigit():
            return False
        if number[-1] != ric.calc_check_digit(number):
            return False
        born = ric.get_birth_date(number).year
        return any(_county_exists_since(c, born) for c in _counties(number[:6]))
    except (KeyError, ValueError):
        return False


def _counties(area: str) -> list[str]:
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(area) for k, v in props.items()}
    return info["county"].split(",") if info.get("county") else []


def _county_exists_since(county: str, year: int) -> bool:
    """``[1992-]涪城区`` → whether the county still existed in or after ``year``."""
    if not county.startswith("["):
        return True
    end = county[1:].split("]", 1)[0].split("-")[1]
    return not end or int(end) >= year


def validate_ric(value: str):
    if not is_valid_ric(value):
        raise ValidationError(_("居民身份证号码无效。"), code="ric")


class Enterprise(models.Model):
    """市场主体 identified by its 统一社会信用代码 (USCC, GB 32100-2015)."""

    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("名称"), max_length=200)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    division = models.ForeignKey(
        "core.Division",
        verbose_name=_("登记区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    audited = True
    personal_fields = ("phone",)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        # 登记主体维护员: edits registry master data (enterprises, persons, licences)
        permissions = [("maintain_registry", _("维护登记主体数据（企业、自然人、证照）"))]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Person(models.Model):
    """自然人 identified by 居民身份证号码 (GB 11643). Always shown masked."""

    id_number = models.CharField(
        _("居民身份证号码"), max_length=18, unique=True, validators=[validate_ric]
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    division = models.ForeignKey(
        "core.Division",
        verbose_name=_("户籍/居住区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.OneToOneField(
        "core.User",
        verbose_name=_("门户账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "division"
    audited = True
    personal_fields = ("id_number", "phone")

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")

    def __str__(self):
        return f"{self.name}({self.masked_id})"

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class LicenceType(models.Model):
    """证照类型, e.g. 营业执照, 食品经营许可证, 公章备案证明."""

    code = models.CharField(_("证照类型代码"), max_length=40, unique=True)
    name = models.CharField(_("证照名称"), max_length=100)
    holder_kind = models.CharField(
        _("持证主体"),
        max_length=10,
        choices=[("enterprise", _("法人")), ("person", _("自然人")), ("any", _("不限"))],
        default="any",
    )
    audited = True

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ELicence(models.Model):
    """电子证照 held by an enterprise or a person; issued by a department, usually as the result
    of a case (``source_case_number``)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已注销")
        EXPIRED = "expired", _("已过期")

    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licences"
    )
    number = models.CharField(_("证照编号"), max_length=64)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("持证企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="licences",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("持证人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="licences",
    )
    issuer = models.ForeignKey(
        "core.Department", verbose_name=_("发证部门"), on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.VALID
    )
    source_case_number = models.CharField(_("来源办件编号"), max_length=40, blank=True)
    data = models.JSONField(_("证照数据"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "issuer__division"
    scope_department_field = "issuer"
    audited = True

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "number"], name="elicence_unique_no"),
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False) | models.Q(person__isnull=False),
                name="elicence_has_holder",
            ),
        ]

    def __str__(self):
        return f"{self.licence_type.name} {self.number}"

    @property
    def holder(self):
        return self.enterprise or self.person


class RepresentationStatus(models.TextChoices):
    PENDING = "pending", _("待核验")
    VERIFIED = "verified", _("已核验")
    REJECTED = "rejected", _("已驳回")
    REVOKED = "revoked", _("已撤销")


class VerificationMethod(models.TextChoices):
    SMS = "sms", _("企业登记电话验证码")
    STAFF = "staff", _("工作人员审核")
    REALNAME = "realname", _("法定代表人实名核验")


class Representation(models.Model):
    """A portal account's claim to act for an enterprise (企业经办人). It counts only once
    ``verified``: until then the account sees nothing of the enterprise (its cases, e-licences,
    phone). The life cycle is ``registry.machines.RepresentationMachine``; every step is a
    ``RepresentationEvent``. The one-time code is stored hashed, never in clear."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="representations",
    )
    user = models.ForeignKey(
        "core.User",
        verbose_name=_("门户账号"),
        on_delete=models.CASCADE,
        related_name="representations",
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RepresentationStatus.choices,
        default=RepresentationStatus.PENDING,
        db_index=True,
    )
    method = models.CharField(
        _("核验方式"), max_length=10, choices=VerificationMethod.choices, blank=True
    )
    code_hash = models.CharField(_("验证码摘要"), max_length=200, blank=True)
    code_sent_at = models.DateTimeField(_("验证码发送时间"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("验证码有效期至"), null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(_("验证码已尝试次数"), default=0)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("核验/驳回时间"), null=True, blank=True)
    # 授权委托书 of an authorised agent (accounts' enterprise registration), through the upload
    # service (platform/uploads.py AUTHORISATION_LETTER); served only to the approvers in scope
    letter = models.FileField(
        _("授权委托书"),
        max_length=200,
        blank=True,
        editable=False,
        storage=upload_storage,
        upload_to="registry/letters/",
    )
    letter_name = models.CharField(_("授权委托书文件名"), max_length=200, blank=True)
    letter_type = models.CharField(_("授权委托书文件类型"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_division_field = "enterprise__division"
    audited = True
    audit_exclude = ("code_hash",)

    class Meta:
        verbose_name = _("企业经办人")
        verbose_name_plural = _("企业经办人")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"], name="representation_unique_pair"
            )
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.user}"


class RepresentationEvent(EventLog):
    """One step of a representation (requested, code sent, verified, rejected, revoked …).
    Append-only (platform ``EventLog``)."""

    representation = models.ForeignKey(
        Representation, on_delete=models.CASCADE, related_name="events"
    )

    class Meta:
        verbose_name = _("企业经办人核验记录")
        verbose_name_plural = _("企业经办人核验记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.representation_id} {self.action}"
