"""Input of the cases pages (portal application and tracking, window intake, the workbench's
actions and filters). The forms parse and check what was typed; ``services`` / ``workflow``
keep checking the invariants and whatever they refuse goes back onto the form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.core.models import Division, DivisionLevel
from yingshang.platform.forms import FilterForm

from .models import ApplicantKind, SlaState, Status, VisitKind


class ApplicantForm(forms.Form):
    applicant_kind = forms.ChoiceField(
        label=gettext_lazy("申请人类型"), choices=ApplicantKind.choices
    )
    applicant_code = forms.CharField(label=gettext_lazy("统一社会信用代码/身份证号"), max_length=18)
    applicant_name = forms.CharField(label=gettext_lazy("名称/姓名"), max_length=200)
    applicant_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    division = forms.ModelChoiceField(
        label=gettext_lazy("申办区划"),
        queryset=Division.objects.filter(level__lte=DivisionLevel.COUNTY),
        required=False,
    )


class IntakeChoiceForm(forms.Form):
    """Which item or bundle the window is taking in (from the query string or the posted form)."""

    item = forms.CharField(label=gettext_lazy("事项实施编码"), max_length=80, required=False)
    bundle = forms.CharField(label=gettext_lazy("一件事标识"), max_length=50, required=False)

    def choice(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["item"], self.cleaned_data["bundle"]


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("查找事项"), max_length=100, required=False)


class ApplicantLookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("统一社会信用代码/身份证号"), min_length=15, max_length=18
    )


class IntakeForm(ApplicantForm):
    # chosen by the search above the form: carried, never typed (internal codes stay hidden)
    item = forms.CharField(max_length=80, required=False, widget=forms.HiddenInput)
    bundle = forms.CharField(max_length=50, required=False, widget=forms.HiddenInput)
    accept_now = forms.BooleanField(label=gettext_lazy("当场受理"), required=False)

    def clean(self):
        d = super().clean()
        if bool(d.get("item")) == bool(d.get("bundle")):
            raise ValidationError(_("请选择一个事项或一件事。"))
        return d


class PaperForm(forms.Form):
    """The material slots the window took on paper (the checkboxes beside the uploads)."""

    paper = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].choices = [(s.key, s.name) for s in slots]

    def keys(self) -> set[str]:
        return set(self.cleaned_data["paper"]) if self.is_valid() else set()


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("办件编号"), max_length=32)
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=16,
        help_text=gettext_lazy("10 位，印在受理回执和告知书上，如 ABCDE-12345"),
    )


class QueueFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", "—"), ("open", gettext_lazy("办理中")), *Status.choices],
    )
    sla_state = forms.ChoiceField(
        label=gettext_lazy("时效"), required=False, choices=[("", "—"), *SlaState.choices]
    )
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
    item = forms.CharField(label=gettext_lazy("事项"), required=False, max_length=80)
    # the workbench's to-do figures link here (cases/workbench.py, selectors.TODOS)
    todo = forms.ChoiceField(
        label=gettext_lazy("待办"),
        required=False,
        choices=[
            ("", "—"),
            ("window", gettext_lazy("等待窗口受理")),
            ("resubmitted", gettext_lazy("补正材料已交回")),
            ("due_today", gettext_lazy("今日到期")),
            ("decision", gettext_lazy("待我决定")),
            ("approval", gettext_lazy("待审批")),
        ],
    )

    def case_filters(self, default_status="") -> dict:
        """The keyword filters of ``selectors.queue_for`` / ``cases_for``; ``status`` falls back
        to ``default_status`` only when the parameter is absent."""
        f = {k: v or "" for k, v in self.filters.items()}
        if "status" not in self.data:
            f["status"] = default_status
        return f


class CaseActionForm(forms.Form):
    action = forms.CharField(max_length=40, error_messages={"required": gettext_lazy("未知操作。")})
    reason = forms.CharField(required=False, max_length=2000)
    suspend_reason = forms.CharField(required=False, max_length=40)
    outcome = forms.CharField(required=False, max_length=40)
    method = forms.CharField(required=False, max_length=40)
    lock_version = forms.IntegerField(required=False, min_value=0)
    confirm = forms.BooleanField(required=False)
    missing_key = forms.MultipleChoiceField(required=False)
    missing_other = forms.CharField(required=False, max_length=5000)
    # 办结 准予 of 企业开办's 设立登记: the new company (services.new_enterprise_details)
    new_enterprise_uscc = forms.CharField(required=False, max_length=18)
    new_enterprise_name = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_names = {s.key: s.name for s in slots}
        self.fields["missing_key"].choices = list(self.slot_names.items())

    def transition_data(self) -> dict:
        d = self.cleaned_data
        data = {
            "reason": d["reason"],
            "suspend_reason": d["suspend_reason"],
            "outcome": d["outcome"],
            "method": d["method"] or "delivery",
            "confirm": d["confirm"],
        }
        for key in ("new_enterprise_uscc", "new_enterprise_name"):
            if d[key]:
                data[key] = d[key]
        if d["action"] == "request_supplement":
            data["missing"] = [{"key": k, "name": self.slot_names[k]} for k in d["missing_key"]] + [
                {"key": "", "name": line.strip()}
                for line in d["missing_other"].splitlines()
                if line.strip()
            ]
        return data


class VisitForm(forms.Form):
    kind = forms.ChoiceField(
        choices=VisitKind.choices,
        error_messages={
            "required": gettext_lazy("请选择到现场事由。"),
            "invalid_choice": gettext_lazy("请选择到现场事由。"),
        },
    )


class ApplicantActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("resubmit", "resubmit"), ("withdraw", "withdraw")],
        error_messages={
            "required": gettext_lazy("未知操作。"),
            "invalid_choice": gettext_lazy("未知操作。"),
        },
    )


class TripsForm(FilterForm):
    by = forms.ChoiceField(
        label=gettext_lazy("统计口径"),
        required=False,
        choices=[("item", gettext_lazy("事项")), ("department", gettext_lazy("部门"))],
    )
