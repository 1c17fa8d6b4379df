"""Notification centre: in-app notifications, their deliveries through other channels (e-mail
now; SMS and WeChat later), and the scheduler's ledger of periodic job runs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own in-app notifications (everyone — staff and portal users — sees only
        their own; there is no division scope here)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, in_app=True)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """消息: one message to one user. ``in_app`` is false when the caller asked for other
    channels only; the row then just anchors the deliveries."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    category = models.CharField(_("类别"), max_length=40, blank=True, db_index=True)
    in_app = models.BooleanField(_("站内显示"), default=True)
    # Structured facts of the message (a case's number and status…) for channels that send
    # templates with variables instead of free text (SMS); never personal data.
    data = models.JSONField(_("结构化内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # One message per event per person: the sender names the event (e.g. a case's number and
    # new status); a second notify() with the same key for the same person is a no-op.
    dedup_key = models.CharField(_("去重键"), max_length=200, blank=True, default="")
    # The person chose the daily digest: the other channels wait for the digest job.
    digest_pending = models.BooleanField(_("待汇总发送"), default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(digest_pending=True),
                name="notif_digest_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="notif_one_per_event",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败（将重试）")
    DEAD = "dead", _("放弃（需人工处理）")


class Delivery(models.Model):
    """One attempt-tracked sending of a notification through one channel to one address."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("消息"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=20, db_index=True)
    address = models.CharField(_("地址"), max_length=254)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_ref = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    personal_fields = ("address",)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        from .senders import mask_address

        return f"{self.channel} → {mask_address(self.channel, self.address)}"


class SmsMode(models.TextChoices):
    FALLBACK = "fallback", _("微信收不到时发短信（推荐）")
    ALWAYS = "always", _("总是同时发短信")
    NEVER = "never", _("不接收短信")


class ChannelPreference(models.Model):
    """How one person wants to be reached beyond the inbox (which always gets every message):
    e-mail on or off, and SMS as WeChat's fallback, always, or never. No row = the defaults
    (e-mail on; SMS as the fallback, or as ``SMS_ONLY_AS_FALLBACK`` says)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="channel_preference",
    )
    email = models.BooleanField(_("接收电子邮件"), default=True)
    wechat = models.BooleanField(_("接收微信消息"), default=True)
    sms = models.CharField(
        _("短信"), max_length=10, choices=SmsMode.choices, default=SmsMode.FALLBACK
    )
    digest = models.BooleanField(
        _("每日汇总"),
        default=False,
        help_text=_("开启后，电子邮件、微信和短信每天汇总发送一次；站内消息照常即时显示。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    audited = True

    class Meta:
        verbose_name = _("消息接收设置")
        verbose_name_plural = _("消息接收设置")

    def __str__(self):
        return str(self.user)
