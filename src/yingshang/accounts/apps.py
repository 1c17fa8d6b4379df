from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yingshang.accounts"
    label = "accounts"
    verbose_name = _("申请人账号")
