from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm


class CalendarForm(FilterForm):
    year = forms.IntegerField(
        label=_("年份"),
        required=False,
        min_value=1900,
        max_value=9999,  # the page itself says which years the calendar does not cover
        error_messages={"invalid": _("年份必须是四位数字。")},
    )

    def year_or_now(self) -> int:
        return self.value("year", timezone.localdate().year)
