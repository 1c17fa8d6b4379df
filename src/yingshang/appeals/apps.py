from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "yingshang.appeals"
    label = "appeals"
    verbose_name = _("企业诉求")

    def warm_up(self):
        """Load jieba's dictionary (wsgi.py calls this in the server before it forks its
        workers): otherwise every worker loads it at its first appeal, seconds on a busy
        machine (the load benchmark's profile)."""
        from .text import tokenize

        tokenize("营商环境")
