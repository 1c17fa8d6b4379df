"""Input of the monitoring pages: the dashboard's period and member, the benchmark period, the
supervision and report month, the process-analysis dates. A bad value gives a field message and
the default is used — never a 500."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm

from .labels import PERIOD_KINDS
from .periods import KINDS, Period

DATE_MESSAGE = _("日期格式应为 YYYY-MM-DD。")
MONTH_MESSAGE = _("月份格式应为 YYYY-MM。")


class PeriodField(forms.CharField):
    """A period label of the form's ``kind`` (2026-10, 2026-Q4, 2026-W42, 2026, an ISO date);
    cleans to the label text, the form turns it into a ``Period``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)


class DashboardForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("周期"), required=False, choices=[("", "—"), *[(k, PERIOD_KINDS[k]) for k in KINDS]]
    )
    period = PeriodField(label=_("期间"))
    division = forms.IntegerField(label=_("行政区划"), required=False, min_value=1)
    indicator = forms.CharField(label=_("指标"), required=False, max_length=80)

    def clean(self):
        data = super().clean()
        text = data.get("period")
        if text:
            try:
                Period.parse(data.get("kind") or "month", text)
            except ValueError:
                self.add_error("period", _("期间“%(v)s”无效。") % {"v": text})
        return data

    def chosen_period(self) -> Period:
        """The period asked for, or the latest one with values."""
        from .dashboard import parse_period

        return parse_period(self.value("kind"), self.value("period"))


class BenchmarkForm(FilterForm):
    period = forms.CharField(label=_("期间"), required=False, max_length=20)


class MonthForm(FilterForm):
    month = forms.CharField(
        label=_("月份"), required=False, max_length=7, error_messages={"invalid": MONTH_MESSAGE}
    )

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            return Period.parse("month", text)
        except ValueError:
            raise forms.ValidationError(MONTH_MESSAGE) from None

    def chosen_month(self) -> Period:
        return self.value("month") or Period.of("month", timezone.localdate())


class ReportMonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-\d{2}$",
        error_messages={"required": MONTH_MESSAGE, "invalid": MONTH_MESSAGE},
    )

    def clean_month(self):
        try:
            return Period.parse("month", self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(MONTH_MESSAGE) from None


class DateRangeForm(FilterForm):
    date_from = forms.DateField(
        label=_("从"), required=False, error_messages={"invalid": DATE_MESSAGE}
    )
    date_to = forms.DateField(
        label=_("到"), required=False, error_messages={"invalid": DATE_MESSAGE}
    )

    def __init__(self, data=None, *args, **kwargs):
        # the page's parameters are ``from`` and ``to`` (``from`` is a keyword in Python)
        data = data or {}
        mapped = {"date_from": data.get("from", ""), "date_to": data.get("to", "")}
        super().__init__(mapped, *args, **kwargs)

    def bounds(self, days: int = 30) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        return (
            self.value("date_from", today - datetime.timedelta(days=days)),
            self.value("date_to", today),
        )


BENCHMARK_FILE_MAX = 1024 * 1024  # a benchmark CSV is a few kilobytes


class BenchmarkUploadForm(forms.Form):
    """导入对标数据: the CSV the command ``monitoring load-benchmarks`` reads, with its period."""

    file = forms.FileField(label=_("对标数据文件（CSV, UTF-8）"))
    period = forms.RegexField(
        label=_("期间（年份）"),
        regex=r"^(19|20)\d{2}$",
        error_messages={"invalid": _("期间为四位年份，例如 2020。")},
    )
    source = forms.CharField(label=_("来源"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > BENCHMARK_FILE_MAX:
            raise forms.ValidationError(_("文件不能超过 1 MB。"))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("文件不是 UTF-8 编码的 CSV。")) from None
