"""Applicant accounts (申请人账号): the portal side of ``core.User`` (an account without a
role), its verified phone, its real-name identity from an OpenID Connect provider, the
one-time codes sent by SMS and the authorisation records of enterprise agents.

A staff member is a ``core.User`` with a role and has no ``Account``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.platform.events import EventLog
from yingshang.platform.masking import mask_phone


class AccountKind(models.TextChoices):
    PERSON = "person", _("个人")
    ENTERPRISE = "enterprise", _("企业")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DELETED = "deleted", _("已注销")


class Account(models.Model):
    """One applicant account. ``phone`` is the verified mainland mobile (unique among accounts;
    emptied, i.e. NULL, when the account is deleted)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="account",
    )
    kind = models.CharField(_("账号类型"), max_length=10, choices=AccountKind.choices)
    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    phone_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    realname_issuer = models.CharField(_("实名认证来源"), max_length=200, blank=True)
    realname_subject = models.CharField(_("实名认证标识"), max_length=200, blank=True)
    real_name = models.CharField(_("实名认证姓名"), max_length=50, blank=True)
    realname_verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    audited = True
    personal_fields = ("phone", "real_name")

    class Meta:
        verbose_name = _("申请人账号")
        verbose_name_plural = _("申请人账号")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["realname_issuer", "realname_subject"],
                condition=~models.Q(realname_subject=""),
                name="account_unique_realname_subject",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone or "")

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    RESET = "reset", _("重置密码")
    WECHAT_BIND = "bind", _("绑定微信")


class OneTimeCode(models.Model):
    """A six-digit code sent to a phone. Only its HMAC (keyed by SECRET_KEY, the phone, the
    purpose and a per-code nonce) is stored; never the code."""

    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    purpose = models.CharField(_("用途"), max_length=10, choices=CodePurpose.choices)
    nonce = models.CharField(max_length=32)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("有效期至"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    personal_fields = ("phone",)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "purpose", "created_at"])]

    def __str__(self):
        return f"{mask_phone(self.phone)} {self.purpose}"


class AgentRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal", _("法定代表人")
    AGENT = "agent", _("授权经办人")


class EnterpriseAuthorisation(models.Model):
    """What an enterprise account declared when it asked to act for an enterprise: as its legal
    representative, or as an agent authorised by it (授权委托: who authorised, until when, for
    what). It grants nothing by itself: the registry's representation request it made stays
    pending until verified (code to the enterprise's registered phone, staff approval or the
    legal representative's real name) — see docs/registry.md."""

    account = models.ForeignKey(
        Account, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="authorisations"
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    role = models.CharField(_("身份"), max_length=10, choices=AgentRole.choices)
    authorised_by = models.CharField(_("授权人（法定代表人）"), max_length=50, blank=True)
    valid_until = models.DateField(_("授权有效期至"), null=True, blank=True)
    scope = models.CharField(_("授权范围"), max_length=200, blank=True)
    representation_id = models.PositiveBigIntegerField(_("经办人申请编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    audited = True

    class Meta:
        verbose_name = _("企业授权记录")
        verbose_name_plural = _("企业授权记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.uscc} · {self.get_role_display()}"


class AccountEvent(EventLog):
    """One step of an account's life (closed on request …). Append-only (platform ``EventLog``)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("申请人账号记录")
        verbose_name_plural = _("申请人账号记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.account_id} {self.action}"
