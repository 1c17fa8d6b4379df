from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformsConfig(AppConfig):
    name = "yingshang.reforms"
    label = "reforms"
    verbose_name = _("督查督办")
