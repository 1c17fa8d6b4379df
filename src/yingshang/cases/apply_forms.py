"""Forms of the guided application (``apply_views``): one per step. Each field's message is
shown beside the field; codes are checked here (USCC, ID number) and again by the services."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import uscc

from yingshang.core.models import Division, DivisionLevel
from yingshang.registry.models import is_valid_ric

from .models import ApplicantKind

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class StartForm(forms.Form):
    """?new=1 on the entry page: start a fresh draft instead of resuming the open one."""

    new = forms.BooleanField(required=False)


class ApplicantStepForm(forms.Form):
    applicant_kind = forms.ChoiceField(
        label=gettext_lazy("申请人类型"),
        choices=ApplicantKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择申请人类型。")},
    )
    applicant_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码/身份证号"),
        max_length=18,
        error_messages={"required": gettext_lazy("请填写统一社会信用代码或身份证号。")},
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("名称/姓名"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写申请人名称或姓名。")},
    )
    applicant_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        help_text=gettext_lazy("用于接收受理、补正和办结通知"),
        error_messages={"required": gettext_lazy("请填写联系电话。")},
    )

    def __init__(self, *args, founding=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.founding = founding
        if founding:  # a new company has no USCC: a person (founder or agent) applies
            self.fields["applicant_kind"].choices = [
                (ApplicantKind.PERSON, ApplicantKind.PERSON.label)
            ]
            self.fields["applicant_kind"].initial = ApplicantKind.PERSON
            self.fields["applicant_code"].label = gettext_lazy("经办人身份证号")
            self.fields["applicant_name"].label = gettext_lazy("经办人姓名")
            self.fields["applicant_code"].help_text = gettext_lazy(
                "新设企业尚无统一社会信用代码：由设立人或其委托的经办人申请"
            )

    def clean_applicant_phone(self):
        phone = self.cleaned_data["applicant_phone"].strip().replace(" ", "")
        if not PHONE.match(phone):
            raise ValidationError(_("联系电话格式不正确：请填写 11 位手机号或带区号的固定电话。"))
        return phone

    def clean(self):
        d = super().clean()
        kind, code = d.get("applicant_kind"), (d.get("applicant_code") or "").strip().upper()
        if not kind or not code:
            return d
        if kind == ApplicantKind.ENTERPRISE:
            if not uscc.is_valid(code):
                self.add_error(
                    "applicant_code", _("统一社会信用代码无效：应为 18 位，请核对校验位。")
                )
        else:
            if not is_valid_ric(code):
                self.add_error(
                    "applicant_code", _("居民身份证号码无效：应为 18 位，请核对校验位。")
                )
        d["applicant_code"] = code
        return d


class DetailsStepForm(forms.Form):
    division = forms.ModelChoiceField(
        label=gettext_lazy("申办区划"),
        queryset=Division.objects.filter(level__lte=DivisionLevel.COUNTY).order_by("code"),
        error_messages={"required": gettext_lazy("请选择申办区划。")},
    )
    note = forms.CharField(
        label=gettext_lazy("申请说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("选填，500 字以内"),
    )


COMPANY_TYPES = [
    ("llc", gettext_lazy("有限责任公司")),
    ("joint_stock", gettext_lazy("股份有限公司")),
    ("sole", gettext_lazy("个人独资企业")),
    ("partnership", gettext_lazy("合伙企业")),
]


class NewEnterpriseForm(DetailsStepForm):
    """The details of a bundle that founds a company (企业开办): the company to be registered."""

    company_name = forms.CharField(
        label=gettext_lazy("拟设立企业名称"),
        min_length=4,
        max_length=100,
        help_text=gettext_lazy("如：绵阳某某餐饮有限公司"),
        error_messages={
            "required": gettext_lazy("请填写拟设立企业名称。"),
            "min_length": gettext_lazy("企业名称至少 4 个字。"),
        },
    )
    company_type = forms.ChoiceField(
        label=gettext_lazy("企业类型"),
        choices=COMPANY_TYPES,
        error_messages={"required": gettext_lazy("请选择企业类型。")},
    )
    registered_capital = forms.DecimalField(
        label=gettext_lazy("注册资本（万元）"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        error_messages={
            "required": gettext_lazy("请填写注册资本。"),
            "invalid": gettext_lazy("注册资本应为数字。"),
            "min_value": gettext_lazy("注册资本应大于 0。"),
        },
    )
    address = forms.CharField(
        label=gettext_lazy("住所（经营场所）"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写住所。")},
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("法定代表人（负责人）姓名"),
        max_length=50,
        error_messages={"required": gettext_lazy("请填写法定代表人姓名。")},
    )
    business_scope = forms.CharField(
        label=gettext_lazy("经营范围"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写经营范围。")},
    )

    NEW = (
        "company_name",
        "company_type",
        "registered_capital",
        "address",
        "legal_representative",
        "business_scope",
    )

    def clean_company_name(self):
        name = self.cleaned_data["company_name"].strip()
        if not name.endswith(("公司", "企业", "(普通合伙)", "(有限合伙)", "店", "厂", "中心")):
            raise ValidationError(_("企业名称应以组织形式结尾，如“有限公司”“合伙企业”。"))
        return name


class MaterialsStepForm(forms.Form):
    """One file field per material slot (phone camera offered), and the slots to remove."""

    go = forms.ChoiceField(
        choices=[("save", "save"), ("next", "next"), ("back", "back")], required=False
    )
    remove = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = list(slots)
        self.fields["remove"].choices = [(s.key, s.name) for s in self.slots]
        for s in self.slots:
            self.fields[f"material_{s.key}"] = forms.FileField(
                label=s.name,
                required=False,
                # no ``capture``: it makes phones open the camera *instead of* the file chooser,
                # so a PDF or OFD already on the phone could not be sent; without it Android
                # and iOS offer 拍照 (the camera) beside 相册 and 文件.
                widget=forms.FileInput(attrs={"accept": "image/*,application/pdf,.ofd"}),
            )

    def uploads(self) -> dict:
        """slot key → the file sent for it."""
        return {
            s.key: self.cleaned_data[f"material_{s.key}"]
            for s in self.slots
            if self.cleaned_data.get(f"material_{s.key}")
        }


class ReviewStepForm(forms.Form):
    submit_key = forms.CharField(widget=forms.HiddenInput, max_length=32)
    confirm = forms.BooleanField(
        label=gettext_lazy("我承诺所填信息和所交材料真实、有效"),
        error_messages={"required": gettext_lazy("请勾选承诺后提交。")},
    )
