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


class MarkReadForm(forms.Form):
    open = forms.CharField(required=False, max_length=10)
