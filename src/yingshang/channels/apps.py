from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "yingshang.channels"
    label = "channels"
    verbose_name = _("微信公众号")

    def ready(self):
        from . import sender, wecom  # noqa: F401 - register the "wechat" and "wecom" senders
