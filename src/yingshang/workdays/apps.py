from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar (工作日历): holiday arrangements and the working-day maths."""

    name = "yingshang.workdays"
    label = "workdays"
    verbose_name = _("工作日历")
