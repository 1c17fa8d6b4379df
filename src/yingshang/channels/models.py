"""WeChat official account (服务号): its configuration, followers, the shared access token, the
replay-protection nonces, per-openid rate buckets, refusal counters and push results."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeChatAccount(models.Model):
    """The account's configuration, editable in the admin. A blank field falls back to the
    environment variable of the same meaning (WECHAT_APP_ID, …); secrets are write-only."""

    app_id = models.CharField(_("AppID"), max_length=64, blank=True)
    app_secret = models.CharField(_("AppSecret"), max_length=128, blank=True)
    token = models.CharField(_("Token（令牌）"), max_length=64, blank=True)
    encoding_aes_key = models.CharField(
        _("EncodingAESKey（消息加解密密钥）"), max_length=43, blank=True
    )
    original_id = models.CharField(
        _("原始ID"),
        max_length=64,
        blank=True,
        help_text=_("gh_ 开头；填写后明文模式下发给其他公众号的消息将被拒绝。"),
    )
    api_base = models.CharField(
        _("接口地址"),
        max_length=200,
        blank=True,
        help_text=_("留空使用环境变量 WECHAT_API_BASE 或 https://api.weixin.qq.com。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    personal_fields = ("app_secret", "token", "encoding_aes_key")

    class Meta:
        verbose_name = _("公众号配置")
        verbose_name_plural = _("公众号配置")

    def __str__(self):
        return self.app_id or str(_("公众号配置"))


class PushKind(models.TextChoices):
    SUBSCRIBE = "subscribe", _("订阅通知（bizsend）")
    TEMPLATE = "template", _("模板消息")


class TemplateMapping(models.Model):
    """Which template carries notifications of one category (事件类型). Category blank = the
    default for every category without its own row. ``fields`` maps a template keyword to a
    notification attribute: {"thing1": "title", "thing2": "body", "time3": "created_at"}."""

    category = models.CharField(_("消息类别"), max_length=40, blank=True)
    kind = models.CharField(_("消息类型"), max_length=10, choices=PushKind.choices)
    template_id = models.CharField(_("模板ID"), max_length=128)
    fields = models.JSONField(_("字段映射"), default=dict, blank=True)
    page = models.CharField(_("跳转页面"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("推送模板")
        verbose_name_plural = _("推送模板")
        ordering = ["category", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["category", "kind"], name="wechat_template_per_kind")
        ]

    def __str__(self):
        return f"{self.category or '*'} → {self.get_kind_display()} {self.template_id}"


class Follower(models.Model):
    """One openid that followed the account (or authorised a page through OAuth). ``user`` is
    the portal account it is bound to (channels/binding.py: OAuth + a one-time code to the
    account's phone); pushes go only to subscribed, bound followers."""

    openid = models.CharField(_("OpenID"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("绑定用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_followers",
    )
    subscribed = models.BooleanField(_("关注中"), default=True)
    subscribed_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("取消关注时间"), null=True, blank=True)
    scene = models.CharField(_("关注场景"), max_length=64, blank=True)
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    # 开放平台 UnionID: the same WeChat user across the city's official accounts and mini
    # programs bound to one open-platform account; only known through snsapi_userinfo
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True, db_index=True)
    # set when the person unbinds: such an openid is bound again only with a code, never
    # silently through its UnionID
    unbound_at = models.DateTimeField(_("解除绑定时间"), null=True, blank=True)

    personal_fields = ("openid", "unionid")
    audited = True  # a binding is personal data: binding and unbinding are in the audit log

    class Meta:
        verbose_name = _("关注用户")
        verbose_name_plural = _("关注用户")
        ordering = ["-subscribed_at", "-id"]

    def __str__(self):
        from yingshang.notifications.public import mask_openid

        return mask_openid(self.openid)


class AccessToken(models.Model):
    """The access_token shared by every worker: one row per AppID, refreshed under a row lock."""

    app_id = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=600, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refreshes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("接口凭证")
        verbose_name_plural = _("接口凭证")

    def __str__(self):
        return self.app_id


class SeenNonce(models.Model):
    """Nonces of accepted callbacks within the replay window (pruned periodically)."""

    nonce = models.CharField(max_length=64, unique=True)
    timestamp = models.BigIntegerField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.nonce


class RateBucket(models.Model):
    """Commands per openid per minute (the rate limit, shared by every server process)."""

    openid = models.CharField(max_length=64)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["openid", "minute"], name="wechat_rate_bucket")
        ]

    def __str__(self):
        return f"{self.minute}: {self.count}"


class RefusalReason(models.TextChoices):
    SIGNATURE = "signature", _("签名错误或缺失")
    STALE = "stale", _("时间戳过期")
    REPLAY = "replay", _("重复的随机数（重放）")
    MALFORMED = "malformed", _("XML 格式错误")
    DANGEROUS = "dangerous", _("XML 含 DTD/实体（疑似攻击）")
    OVERSIZE = "oversize", _("消息体过大")
    APPID = "appid", _("发给其他公众号的消息")
    DECRYPT = "decrypt", _("无法解密")
    RATE = "rate", _("超过频率限制")
    OAUTH = "oauth", _("网页授权无效（伪造或过期的 state、无效的 code）")
    CODE = "code", _("绑定验证码错误、过期或次数过多")
    UNBOUND = "unbound", _("未绑定（或未知）的用户查询“我的办件”")


class RefusalCount(models.Model):
    """How many callbacks were refused, per reason and day (read by supervisors in the admin;
    nothing else of a refused request is stored)."""

    reason = models.CharField(_("原因"), max_length=12, choices=RefusalReason.choices)
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("次数"), default=0)
    last_at = models.DateTimeField(_("最近一次"), null=True)

    class Meta:
        verbose_name = _("拒绝统计")
        verbose_name_plural = _("拒绝统计")
        ordering = ["-day", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["reason", "day"], name="wechat_refusal_per_day")
        ]

    def __str__(self):
        return f"{self.day} {self.get_reason_display()}: {self.count}"


class PushResult(models.Model):
    """What the WeChat API answered to one push attempt of a notification delivery."""

    delivery = models.ForeignKey(
        "notifications.Delivery",
        verbose_name=_("消息投递"),
        on_delete=models.CASCADE,
        related_name="wechat_results",
    )
    kind = models.CharField(_("消息类型"), max_length=10, choices=PushKind.choices)
    errcode = models.IntegerField(_("错误码"), null=True)
    errmsg = models.CharField(_("错误信息"), max_length=300, blank=True)
    msgid = models.CharField(_("消息ID"), max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    # WeChat's asynchronous delivery report (subscribe_msg_sent_event): "success",
    # "failed:user block" or "failed:system failed", with its ErrorCode.
    report = models.CharField(_("送达报告"), max_length=40, blank=True)
    report_errcode = models.IntegerField(_("送达错误码"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信推送结果")
        verbose_name_plural = _("微信推送结果")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.delivery_id} {self.kind} errcode={self.errcode}"


class MenuKind(models.TextChoices):
    CLICK = "click", _("点击（回复消息）")
    VIEW = "view", _("打开网页")


class MenuItem(models.Model):
    """One button of the account's custom menu (自定义菜单): at most 3 top-level buttons, each
    either an action itself or a group of at most 5 sub-buttons. Limits are WeChat's
    (menu/create): a top-level name of at most 16 bytes (4 Chinese characters), a sub-button name
    of at most 60 bytes, a key of at most 128 bytes, a URL of at most 1024 bytes."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级菜单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(
        _("类型"),
        max_length=10,
        choices=MenuKind.choices,
        blank=True,
        help_text=_("有子菜单的一级菜单留空。"),
    )
    key = models.CharField(
        _("事件键值"),
        max_length=128,
        blank=True,
        help_text=_("点击类：SEARCH、MY_CASES、APPEAL、HELP 之一。"),
    )
    url = models.CharField(
        _("网址"),
        max_length=1024,
        blank=True,
        help_text=_("打开网页类：站内地址（以 / 开头）或 https 地址。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("公众号菜单")
        verbose_name_plural = _("公众号菜单")
        ordering = ["parent_id", "position", "id"]

    def __str__(self):
        if self.parent_id:
            try:
                return f"{self.parent.name} › {self.name}"
            except MenuItem.DoesNotExist:  # being deleted with its parent
                pass
        return self.name


class MenuPublication(models.Model):
    """A publication of the menu through menu/create: what was sent, by whom, WeChat's answer."""

    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    payload = models.JSONField(_("菜单内容"))
    errcode = models.IntegerField(_("返回码"), default=0)
    errmsg = models.CharField(_("返回信息"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("菜单发布记录")
        verbose_name_plural = _("菜单发布记录")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return f"{self.published_at:%Y-%m-%d %H:%M} ({self.errcode})"


class StaffWeCom(models.Model):
    """A staff member's 企业微信 (WeCom) account: their member userid in the city's corp, so
    reminders, overdue warnings and escalations reach them in WeCom. Kept by administrators
    (usually synchronised from the corp's directory); removing the row stops the messages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        on_delete=models.CASCADE,
        related_name="wecom",
    )
    userid = models.CharField(
        _("企业微信账号"),
        max_length=64,
        unique=True,
        help_text=_("企业微信通讯录中的成员 UserID。"),
    )
    active = models.BooleanField(_("接收消息"), default=True)
    created_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)

    audited = True
    personal_fields = ("userid",)

    class Meta:
        verbose_name = _("企业微信绑定")
        verbose_name_plural = _("企业微信绑定")

    def __str__(self):
        return str(self.user)
