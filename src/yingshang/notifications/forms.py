"""Input of the message centre: the inbox filter and the mark-read form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm


class InboxFilterForm(FilterForm):
    unread = forms.TypedChoiceField(
        label=_("只看未读"),
        required=False,
        choices=[("", "—"), ("1", _("是")), ("0", _("否"))],
        coerce=lambda v: v == "1",
        empty_value=False,
    )
    category = forms.CharField(label=_("类别"), required=False, max_length=40)


class MarkReadForm(forms.Form):
    open = forms.CharField(required=False, max_length=10)


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("接收电子邮件"), required=False)
    wechat = forms.BooleanField(label=_("接收微信消息"), required=False)
    sms = forms.ChoiceField(label=_("短信"), choices=[], widget=forms.RadioSelect)
    digest = forms.BooleanField(
        label=_("每日汇总：电子邮件、微信和短信每天只发一次汇总"), required=False
    )

    def __init__(self, *args, **kwargs):
        from .models import SmsMode

        super().__init__(*args, **kwargs)
        self.fields["sms"].choices = SmsMode.choices
