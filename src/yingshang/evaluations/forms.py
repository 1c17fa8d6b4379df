"""Input of the 好差评 pages (also used by the apps whose subjects are rated, through
``evaluations.public``)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm

from .models import DIMENSIONS, Level, RectStatus

LEVEL_MESSAGE = _("评价等级必须是非常满意、满意、基本满意、不满意或非常不满意之一。")


def _level_field(**kwargs):
    return forms.TypedChoiceField(
        choices=Level.choices,
        coerce=int,
        error_messages={"required": LEVEL_MESSAGE, "invalid_choice": LEVEL_MESSAGE},
        **kwargs,
    )


class RatingForm(forms.Form):
    """One rating: the overall level, the channel's optional dimensions (``dim_<key>``) and a
    comment."""

    level = _level_field()
    comment = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, channel="online", **kwargs):
        super().__init__(*args, **kwargs)
        self.dimension_keys = [k for k, _l in DIMENSIONS[channel] if k != "overall"]
        for key, label in DIMENSIONS[channel]:
            if key != "overall":
                self.fields[f"dim_{key}"] = _level_field(
                    label=label, required=False, empty_value=""
                )

    def dimensions(self) -> dict:
        return {k: self.cleaned_data.get(f"dim_{k}", "") for k in self.dimension_keys}


class NextForm(forms.Form):
    """Where a rating form posted from another page (the case page, tracking) goes back to."""

    next = forms.CharField(required=False, max_length=500)

    def safe_url(self, request) -> str:
        from django.utils.http import url_has_allowed_host_and_scheme

        url = self.cleaned_data.get("next", "") if self.is_valid() else ""
        ok = url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return url if ok else ""


class StepForm(forms.Form):
    action = forms.CharField(max_length=20, error_messages={"required": _("请选择操作。")})
    note = forms.CharField(required=False, max_length=2000)


class VerdictForm(forms.Form):
    satisfied = forms.ChoiceField(
        choices=[("yes", _("满意")), ("no", _("不满意"))],
        required=False,
    )
    note = forms.CharField(required=False, max_length=2000)

    def action(self) -> str:
        return "accept" if self.cleaned_data.get("satisfied") == "yes" else "reject"


class StatsFilterForm(FilterForm):
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("年度必须是四位数字。")},
    )

    month = forms.RegexField(
        label=_("月份"),
        required=False,
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("月份格式应为 YYYY-MM。")},
    )

    def year_or_now(self) -> int:
        return self.value("year", timezone.localdate().year)

    def chosen_month(self, latest: str | None, months_of_year) -> str:
        """The month to show: the one asked for; else the latest month with data of the year
        asked for; else the latest month with data at all; else this month."""
        month = self.value("month", "")
        if month:
            return month
        year = self.value("year")
        if year:
            in_year = sorted(m for m in months_of_year(year))
            return in_year[-1] if in_year else f"{year}-12"
        return latest or timezone.localdate().strftime("%Y-%m")


class EvaluationFilterForm(FilterForm):
    level = forms.TypedChoiceField(
        label=_("评价等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *Level.choices],
    )


class RectificationFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", "—"), ("open", _("未完成")), *RectStatus.choices],
    )
