from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yingshang.notifications.public import mask_openid

from . import menu
from .models import (
    Follower,
    MenuItem,
    MenuPublication,
    PushResult,
    RefusalCount,
    StaffWeCom,
    TemplateMapping,
    WeChatAccount,
)

SECRET_FIELDS = ("app_secret", "token", "encoding_aes_key")


class WeChatAccountForm(forms.ModelForm):
    """Secrets are write-only: the form never shows them; a blank field keeps the stored value."""

    class Meta:
        model = WeChatAccount
        fields = [
            "app_id",
            "app_secret",
            "token",
            "encoding_aes_key",
            "original_id",
            "api_base",
            "enabled",
        ]
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].required = False
            self.fields[name].help_text = (
                _("已设置（不显示）；留空保持不变。")
                if stored
                else _("未设置；留空则使用环境变量。")
            )

    def clean(self):
        data = super().clean()
        for name in SECRET_FIELDS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        key = data.get("encoding_aes_key") or ""
        if key and len(key) != 43:
            self.add_error("encoding_aes_key", _("EncodingAESKey 必须是 43 个字符。"))
        return data


@admin.register(WeChatAccount)
class WeChatAccountAdmin(admin.ModelAdmin):
    form = WeChatAccountForm
    list_display = ["app_id", "original_id", "enabled", "updated_at"]

    def has_add_permission(self, request):
        return not WeChatAccount.objects.exists()


@admin.register(TemplateMapping)
class TemplateMappingAdmin(admin.ModelAdmin):
    list_display = ["category", "kind", "template_id", "page"]
    list_filter = ["kind"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    list_display = [
        "masked_openid",
        "user",
        "subscribed",
        "subscribed_at",
        "unsubscribed_at",
        "scene",
    ]
    list_filter = ["subscribed"]
    fields = ["masked_openid", "user", "subscribed", "subscribed_at", "unsubscribed_at", "scene"]
    readonly_fields = fields

    @admin.display(description=_("OpenID"))
    def masked_openid(self, obj):
        return mask_openid(obj.openid)


@admin.register(RefusalCount)
class RefusalCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "reason", "count", "last_at"]
    list_filter = ["reason", "day"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PushResult)
class PushResultAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "kind", "errcode", "errmsg", "msgid", "at"]
    list_filter = ["kind", "errcode"]
    list_select_related = ["delivery"]


class MenuChildInline(admin.TabularInline):
    model = MenuItem
    fk_name = "parent"
    extra = 0
    fields = ["position", "name", "kind", "key", "url", "active"]


@admin.register(MenuItem)
class MenuItemAdmin(admin.ModelAdmin):
    """The account menu: edit, check against WeChat's limits, publish (menu/create)."""

    list_display = ["__str__", "position", "kind", "key", "url", "active"]
    list_filter = ["active", "kind"]
    fields = ["parent", "position", "name", "kind", "key", "url", "active"]
    inlines = [MenuChildInline]
    actions = ["publish_menu"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    @admin.action(description=_("发布菜单到公众号（全部启用的菜单）"))
    def publish_menu(self, request, queryset):
        try:
            publication = menu.publish(actor=request.user)
        except menu.MenuError as exc:
            for where, message in exc.errors.items():
                self.message_user(request, f"{where}: {message}", messages.ERROR)
            return
        self.message_user(
            request,
            _("菜单已发布（%(n)d 个一级菜单）。") % {"n": len(publication.payload["button"])},
            messages.SUCCESS,
        )


@admin.register(MenuPublication)
class MenuPublicationAdmin(admin.ModelAdmin):
    list_display = ["published_at", "published_by", "errcode", "errmsg"]
    readonly_fields = ["published_at", "published_by", "payload", "errcode", "errmsg"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StaffWeCom)
class StaffWeComAdmin(admin.ModelAdmin):
    list_display = ["user", "masked_userid", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["user__username", "user__full_name"]
    autocomplete_fields = ["user"]

    @admin.display(description=_("企业微信账号"))
    def masked_userid(self, obj):
        return mask_openid(obj.userid)
