"""Input of the reform-supervision pages. The forms parse and check what was typed; ``services``
(the only writer) keeps checking the invariants and whatever it refuses goes back onto the form
(``platform.forms.add_service_errors``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm, MultipleFileField

from .models import Cycle, TaskState

DATE_MESSAGE = _("日期格式应为 YYYY-MM-DD。")
PERCENT_MESSAGE = _("进度必须是0到100之间的数字。")


class ProgrammeForm(forms.Form):
    title = forms.CharField(max_length=300, error_messages={"required": _("方案名称不能为空。")})
    doc_number = forms.CharField(required=False, max_length=100)
    issue_date = forms.DateField(
        error_messages={
            "required": _("请填写印发日期。"),
            "invalid": _("印发日期格式应为 YYYY-MM-DD。"),
        }
    )
    reporting_cycle = forms.ChoiceField(choices=Cycle.choices, required=False)
    lag_margin = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("滞后容差应在0到100之间。"),
            "min_value": _("滞后容差应在0到100之间。"),
            "max_value": _("滞后容差应在0到100之间。"),
        },
    )

    def clean_reporting_cycle(self):
        return self.cleaned_data["reporting_cycle"] or Cycle.MONTHLY

    def clean_lag_margin(self):
        value = self.cleaned_data["lag_margin"]
        return 15 if value is None else value


class TaskFilterForm(FilterForm):
    leader = forms.CharField(label=_("牵头领导"), required=False, max_length=100)
    unit = forms.IntegerField(label=_("单位"), required=False, min_value=1)
    measure = forms.IntegerField(label=_("政策措施"), required=False, min_value=1)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", "—"), *TaskState.choices]
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    format = forms.ChoiceField(
        label=_("格式"),
        required=False,
        choices=[("", "HTML"), ("xlsx", "Excel"), ("pdf", "PDF")],
    )

    def task_filters(self) -> dict:
        """The keyword filters of ``selectors.tasks_for`` (no page, no format)."""
        f = self.filters
        f.pop("format")
        for key in ("leader", "state", "q"):
            f[key] = f[key] or ""
        return f


class BookFilterForm(FilterForm):
    department = forms.IntegerField(label=_("部门"), required=False, min_value=1)
    format = forms.ChoiceField(
        label=_("格式"),
        required=False,
        choices=[("", "HTML"), ("xlsx", "Excel"), ("pdf", "PDF")],
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": _("请选择要导入的文件。")})


class ImportConfirmForm(forms.Form):
    """Confirming a preview: the stored upload's token and the units the user matched
    (``unit:<name>`` → department id)."""

    token = forms.CharField(max_length=64)

    def confirmed_units(self) -> dict[str, int]:
        return {
            key[5:]: int(value)
            for key, value in self.data.items()
            if key.startswith("unit:") and str(value).isdigit()
        }


class ReportForm(forms.Form):
    percent = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": PERCENT_MESSAGE,
            "min_value": PERCENT_MESSAGE,
            "max_value": PERCENT_MESSAGE,
        },
    )
    text = forms.CharField(max_length=10000, error_messages={"required": _("请填写进展情况。")})
    decrease_reason = forms.CharField(required=False, max_length=2000)
    files = MultipleFileField()

    def milestone_percents(self) -> dict | None:
        """``milestone:<id>`` → percent as typed (the service checks them per milestone)."""
        found = {
            key[10:]: value
            for key, value in self.data.items()
            if key.startswith("milestone:") and str(value).strip()
        }
        return found or None

    def clean(self):
        data = super().clean()
        for key in self.milestone_percents() or {}:
            if not key.isdigit():
                raise forms.ValidationError(_("节点 %(id)s 不属于该任务。") % {"id": key})
        return data


class ContributionForm(forms.Form):
    text = forms.CharField(max_length=10000, error_messages={"required": _("请填写进展情况。")})
    files = MultipleFileField()


class ReviewForm(forms.Form):
    report = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=2000)


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": _("请填写节点名称。")})
    due_date = forms.DateField(error_messages={"required": DATE_MESSAGE, "invalid": DATE_MESSAGE})
    weight = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        error_messages={"invalid": _("权重必须大于0。"), "min_value": _("权重必须大于0。")},
    )

    def clean_weight(self):
        value = self.cleaned_data["weight"]
        return 1 if value is None else value


TASK_ACTION_FORMS = {
    "report": ReportForm,
    "contribution": ContributionForm,
    "accept": ReviewForm,
    "return": ReviewForm,
    "remind": NoteForm,
    "milestone": MilestoneForm,
}


class PublicationForm(forms.Form):
    """The publication switch (政务公开): the action and the confirmation step."""

    action = forms.ChoiceField(
        choices=[("publish", _("公开")), ("unpublish", _("取消公开"))],
        error_messages={"required": _("请确认要执行的公开操作。")},
    )
    confirm = forms.BooleanField(error_messages={"required": _("请确认要执行的公开操作。")})
    note = forms.CharField(required=False, max_length=200)
