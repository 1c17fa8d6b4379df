"""Input of the appeals pages. The forms parse and check what was typed; ``services`` (the only
writer) keeps checking the invariants and whatever it refuses goes back beside the field
(``platform.forms.add_service_errors``)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from yingshang.platform.forms import FilterForm, MultipleFileField
from yingshang.registry.models import is_valid_ric

from . import selectors
from .models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AppealType,
    AppellantKind,
    Channel,
    CommitmentStatus,
    Status,
    Topic,
)
from .selectors import QUEUES

STAFF_ENTRY_CHANNELS = (Channel.HOTLINE, Channel.VISIT, Channel.QA_SESSION)
YES_NO = [("yes", _("是")), ("no", _("否"))]


def _required(message):
    return {"required": message, "invalid_choice": message}


def registered_enterprises(codes) -> list:
    """The registered enterprises of these USCCs (the page's and the API's invited or asking
    companies); an unknown code is refused, naming it: ``ValidationError``."""
    from yingshang.registry import public as registry

    codes = [c.strip().upper() for c in codes if c.strip()]
    found = list(registry.enterprises_by_uscc(codes))
    missing = sorted(set(codes) - {e.uscc for e in found})
    if missing:
        raise forms.ValidationError(
            _("未登记的统一社会信用代码：%(codes)s") % {"codes": "、".join(missing)}
        )
    return found


class AppealForm(forms.Form):
    """Raise an appeal (portal) — the staff entry adds the channel."""

    appellant_kind = forms.ChoiceField(
        choices=AppellantKind.choices,
        error_messages=_required(_("请选择诉求人类型（企业或个人）。")),
    )
    uscc = forms.CharField(required=False, max_length=18)
    enterprise_name = forms.CharField(required=False, max_length=200)
    person_name = forms.CharField(required=False, max_length=100)
    id_number = forms.CharField(required=False, max_length=18)
    contact_name = forms.CharField(max_length=100, error_messages={"required": _("请填写联系人。")})
    contact_phone = forms.CharField(
        max_length=40, error_messages={"required": _("请填写联系电话。")}
    )
    appeal_type = forms.ChoiceField(
        choices=AppealType.choices, error_messages=_required(_("请选择诉求类型。"))
    )
    topic = forms.ChoiceField(
        choices=Topic.choices, error_messages=_required(_("请选择诉求领域。"))
    )
    title = forms.CharField(required=False, max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        strip=True,
        max_length=TEXT_MAX_LENGTH,
        error_messages={"required": _("请填写诉求内容。")},
    )
    attachments = MultipleFileField()

    def clean_uscc(self):
        code = self.cleaned_data["uscc"].upper()
        if code and not uscc.is_valid(code):
            raise forms.ValidationError(_("统一社会信用代码“%(v)s”无效。") % {"v": code})
        return code

    def clean_id_number(self):
        code = self.cleaned_data["id_number"].upper()
        if code and not is_valid_ric(code):
            raise forms.ValidationError(_("居民身份证号码无效。"))
        return code

    def clean_contact_phone(self):
        phone = "".join(c for c in self.cleaned_data["contact_phone"] if c.isdigit() or c == "-")
        if len(phone.replace("-", "")) < 7:
            raise forms.ValidationError(_("联系电话格式不正确。"))
        return phone

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) < 5:
            raise forms.ValidationError(_("诉求内容过短，请具体描述问题。"))
        return text

    def clean(self):
        data = super().clean()
        kind = data.get("appellant_kind")
        if kind == AppellantKind.ENTERPRISE:
            if not data.get("uscc") and "uscc" not in self.errors:
                self.add_error("uscc", _("请填写统一社会信用代码。"))
            if not data.get("enterprise_name"):
                self.add_error("enterprise_name", _("请填写企业名称。"))
        elif kind == AppellantKind.PERSON and not data.get("person_name"):
            self.add_error("person_name", _("请填写姓名。"))
        return data

    def submission(self) -> dict:
        """The keyword arguments of ``services.submit_appeal`` (files apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in {"attachments", "channel"}}


class StaffAppealForm(AppealForm):
    channel = forms.ChoiceField(
        choices=[(c.value, c.label) for c in STAFF_ENTRY_CHANNELS],
        error_messages=_required(_("来源渠道无效。")),
    )


class PrefillForm(forms.Form):
    """``/appeals/new/?text=…``: the appeal text carried over from the WeChat account's 诉求
    command (the person reviews it and adds contact data before submitting)."""

    text = forms.CharField(required=False, max_length=2000, strip=True)


class KeptForm(forms.Form):
    """The portal form's own fields (views.portal_new): its idempotency key and which kept
    attachments (their positions in the list shown) the person left out. A bad value is
    ignored, field by field: a malformed key gives a new form, an unknown position is none."""

    form_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", required=False)
    drop_kept = forms.TypedMultipleChoiceField(
        coerce=int, required=False, choices=[(str(i), str(i)) for i in range(50)]
    )


class TrackForm(forms.Form):
    number = forms.CharField(max_length=40, error_messages={"required": _("请填写诉求编号。")})
    code = forms.CharField(
        max_length=16, error_messages={"required": _("请填写查询码（提交诉求时给出的 10 位码）。")}
    )


class ConfirmForm(forms.Form):
    resolved = forms.ChoiceField(
        choices=YES_NO, error_messages=_required(_("请选择问题是否已解决。"))
    )
    next_step = forms.ChoiceField(
        choices=[("reopen", _("重新办理")), ("escalate", _("提请市领导督办"))],
        required=False,
        error_messages={"invalid_choice": _("请选择重新办理或提请市领导督办。")},
    )
    note = forms.CharField(required=False, max_length=2000)

    def clean_next_step(self):
        return self.cleaned_data["next_step"] or "reopen"


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)


class DispatchForm(NoteForm):
    lead_department = forms.ModelChoiceField(
        queryset=selectors.dispatch_departments(),
        required=False,
        error_messages={"invalid_choice": _("请选择主办部门。")},
    )
    co_departments = forms.ModelMultipleChoiceField(
        queryset=selectors.dispatch_departments(),
        required=False,
        error_messages={
            "invalid_choice": _("协办部门无效。"),
            "invalid_pk_value": _("协办部门无效。"),
        },
    )


class ReplyForm(forms.Form):
    text = forms.CharField(required=False, max_length=10000)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        min_value=1,
        max_value=365,
        error_messages={
            "required": _("延期天数必须是正整数。"),
            "invalid": _("延期天数必须是正整数。"),
            "min_value": _("延期天数必须是正整数。"),
        },
    )
    reason = forms.CharField(required=False, max_length=2000)


class DecideExtensionForm(NoteForm):
    extension = forms.IntegerField(min_value=1)
    approve = forms.ChoiceField(choices=YES_NO, required=False)


STAFF_ACTION_FORMS = {
    "sign": NoteForm,
    "dispatch": DispatchForm,
    "reply": ReplyForm,
    "extend": ExtensionForm,
    "decide-extension": DecideExtensionForm,
    "escalate": NoteForm,
    "instruct": NoteForm,
}


class CommitmentActionForm(NoteForm):
    action = forms.CharField(max_length=20, error_messages={"required": _("请选择操作。")})


class SessionForm(forms.Form):
    date = forms.DateField(
        error_messages={"required": _("请填写日期。"), "invalid": _("请填写日期。")}
    )
    title = forms.CharField(required=False, max_length=200)
    theme = forms.CharField(required=False, max_length=200)
    venue = forms.CharField(required=False, max_length=200)
    leaders = forms.CharField(required=False, max_length=500)
    departments = forms.ModelMultipleChoiceField(
        queryset=selectors.city_departments(),
        required=False,
        error_messages={
            "invalid_choice": _("出席部门无效。"),
            "invalid_pk_value": _("出席部门无效。"),
        },
    )
    enterprises = forms.CharField(required=False)

    def clean_enterprises(self):
        """USCCs separated by blanks → the registered enterprises (unknown codes are named)."""
        return registered_enterprises(self.cleaned_data["enterprises"].split())


class QuestionForm(forms.Form):
    question = forms.CharField(required=False, max_length=5000)
    answering_department = forms.ModelChoiceField(
        queryset=selectors.city_departments(),
        required=False,
        error_messages={"invalid_choice": _("请选择答复部门。")},
    )
    answer = forms.CharField(required=False, max_length=10000)
    enterprise = forms.CharField(required=False, max_length=18)
    asker = forms.CharField(required=False, max_length=100)
    commitment_content = forms.CharField(required=False, max_length=2000)
    commitment_deadline = forms.DateField(
        required=False, error_messages={"invalid": _("请填写承诺完成时限。")}
    )

    def clean_enterprise(self):
        code = self.cleaned_data["enterprise"].strip()
        return registered_enterprises([code])[0] if code else None

    def commitment(self):
        d = self.cleaned_data
        if not (d.get("commitment_content") or d.get("commitment_deadline")):
            return None
        return {
            "content": d.get("commitment_content", ""),
            "deadline": d.get("commitment_deadline"),
        }


class QueueFilterForm(FilterForm):
    queue = forms.ChoiceField(label=_("队列"), required=False, choices=[(k, k) for k in QUEUES])
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", "—"), *Status.choices]
    )


class CommitmentFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", "—"), *CommitmentStatus.choices]
    )
