"""Page input of the accounts app. Field errors are shown beside their field (zh/en)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yingshang.registry.models import is_valid_ric

from . import codes
from .models import AgentRole

PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "numeric"}
CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"\d{6}"}


class OpForm(forms.Form):
    """Which button was pressed: ``send`` (获取验证码), ``password`` or ``code`` (the two ways
    to log in), anything else is ``submit``."""

    op = forms.CharField(max_length=20, required=False)

    def value(self) -> str:
        return (self.cleaned_data.get("op") if self.is_valid() else "") or "submit"


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=20, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )

    def clean_phone(self):
        try:
            return codes.normalise_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["phone"]) from None


class CodeFieldMixin(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs=CODE_ATTRS),
        error_messages={"min_length": _("验证码为6位数字。")},
    )

    def clean_code(self):
        value = self.cleaned_data["code"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("验证码为6位数字。"))
        return value


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不能全是数字，不能与手机号、姓名相似。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PasswordLoginForm(forms.Form):
    login = forms.CharField(
        label=_("手机号或用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class CodeLoginForm(CodeFieldMixin, PhoneForm):
    field_order = ["phone", "code"]


class ConsentMixin(forms.Form):
    agree = forms.BooleanField(
        label=_("我已阅读并同意《个人信息保护告知书》"),
        error_messages={"required": _("请阅读并同意个人信息保护告知书。")},
    )


class PersonRegisterForm(PasswordPairMixin, CodeFieldMixin, PhoneForm, ConsentMixin):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=18,
        min_length=18,
        error_messages={"min_length": _("居民身份证号码为18位。")},
    )
    field_order = ["name", "id_number", "phone", "code", "password1", "password2", "agree"]

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        if not is_valid_ric(value):
            raise forms.ValidationError(_("居民身份证号码无效，请核对18位号码及末位校验码。"))
        return value


class EnterpriseRegisterForm(PasswordPairMixin, CodeFieldMixin, PhoneForm, ConsentMixin):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=18,
        error_messages={"min_length": _("统一社会信用代码为18位。")},
    )
    role = forms.ChoiceField(
        label=_("您的身份"), choices=AgentRole.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("您的姓名"), max_length=50)
    authorised_by = forms.CharField(
        label=_("授权人（法定代表人）"),
        max_length=50,
        required=False,
        help_text=_("授权经办人填写：出具授权委托书的法定代表人姓名。"),
    )
    valid_until = forms.DateField(
        label=_("授权有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    scope = forms.CharField(label=_("授权范围"), max_length=200, required=False)
    letter = forms.FileField(
        label=_("授权委托书"),
        required=False,
        help_text=_(
            "授权经办人上传：法定代表人签字并加盖企业公章的授权委托书（PDF、JPG、PNG 或 OFD）。"
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,.ofd"}),
    )
    field_order = [
        "uscc",
        "role",
        "name",
        "authorised_by",
        "valid_until",
        "scope",
        "letter",
        "phone",
        "code",
        "password1",
        "password2",
        "agree",
    ]

    def clean_uscc(self):
        from stdnum.cn import uscc

        value = self.cleaned_data["uscc"].strip().upper()
        if not uscc.is_valid(value):
            raise forms.ValidationError(_("统一社会信用代码无效，请核对18位代码及末位校验码。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("role") == AgentRole.AGENT:
            if not data.get("authorised_by"):
                self.add_error("authorised_by", _("请填写授权人（法定代表人）姓名。"))
            if not data.get("valid_until"):
                self.add_error("valid_until", _("请填写授权有效期。"))
            if not data.get("letter") and "letter" not in self.errors:
                self.add_error("letter", _("请上传授权委托书（PDF、JPG、PNG 或 OFD）。"))
        return data


class ResetForm(PasswordPairMixin, CodeFieldMixin, PhoneForm):
    field_order = ["phone", "code", "password1", "password2"]


class DeleteForm(forms.Form):
    password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("我确认注销账号，注销后无法恢复"),
        error_messages={"required": _("请勾选确认注销。")},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        value = self.cleaned_data.get("password") or ""
        if self.user is not None and self.user.has_usable_password():
            if not value:
                raise forms.ValidationError(_("请输入当前密码。"))
            if not self.user.check_password(value):
                raise forms.ValidationError(_("密码错误。"))
        return value


class DemoIdentityForm(forms.Form):
    """The demo provider's consent page: which demo identity signs in."""

    identity = forms.ChoiceField(label=_("演示身份"), widget=forms.RadioSelect)

    def __init__(self, *args, identities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identity"].choices = [
            (str(i), f"{d['name']} · {d['sub']}") for i, d in enumerate(identities)
        ]
        self.fields["identity"].initial = "0"


class TokenRequestForm(forms.Form):
    """The demo provider's token request (RFC 6749 §4.1.3)."""

    grant_type = forms.CharField(max_length=40)
    code = forms.CharField(max_length=200, required=False)
    redirect_uri = forms.CharField(max_length=500, required=False)
    client_id = forms.CharField(max_length=200, required=False)
    client_secret = forms.CharField(max_length=200, required=False)
