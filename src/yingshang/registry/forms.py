"""Page input of the registry: the enterprise-representative pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from .services import normalise_uscc


class RepresentationRequestForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)

    def clean_uscc(self):
        code = normalise_uscc(self.cleaned_data["uscc"]).upper()
        if not uscc.is_valid(code):
            raise forms.ValidationError(_("统一社会信用代码无效。"))
        return code


class RepresentationStepForm(forms.Form):
    """One step of the account's own request (the ``op`` of the page's buttons)."""

    OPS = [
        ("send_code", _("发送验证码")),
        ("verify_code", _("提交验证码")),
        ("verify_realname", _("法定代表人实名核验")),
        ("revoke", _("撤销")),
        ("reapply", _("重新申请")),
    ]
    representation = forms.IntegerField(min_value=1)
    op = forms.ChoiceField(choices=OPS)
    code = forms.CharField(label=_("验证码"), max_length=12, required=False)


class RepresentationDecisionForm(forms.Form):
    representation = forms.IntegerField(min_value=1)
    op = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("理由"), max_length=500, required=False)
