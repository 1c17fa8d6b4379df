"""Form plumbing every app's pages share.

Pages take input through Django forms (``<app>/forms.py``): the form parses and validates what
the visitor typed, the service (the only writer) keeps checking its invariants, and whatever
the service refuses is attached back to the form with :func:`add_service_errors`, so a field's
message always appears beside that field. GET filters are forms too (:class:`FilterForm`): a bad
date, year or page number gives a field message and the filter is ignored — never a 500.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

NON_FIELD = "non_field"  # the key the templates read the form-wide messages from


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ``ValidationError`` to ``form``: messages for a field the form has go
    beside that field, the others become form-wide messages."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def submit(form: forms.Form, action) -> bool:
    """Validate ``form`` and run ``action(cleaned_data)`` (a service call); what the service
    refuses goes onto the form. True when it went through; ``form.result`` holds what the
    action returned."""
    form.result = None
    if not form.is_valid():
        return False
    try:
        form.result = action(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


def error_dict(form: forms.Form) -> dict[str, list[str]]:
    """The form's messages keyed by field, form-wide ones under ``"non_field"`` (plain lists, so
    they survive a redirect in the session)."""
    errors = {field: [str(m) for m in msgs] for field, msgs in form.errors.items()}
    if NON_FIELD_ERRORS in errors:
        errors[NON_FIELD] = errors.pop(NON_FIELD_ERRORS)
    return errors


def first_value(form: forms.Form, field: str, default=None):
    """The cleaned value of ``field`` if the form validated it, else ``default``."""
    if not form.is_bound:
        return default
    form.is_valid()
    value = form.cleaned_data.get(field)
    return default if value in (None, "") else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); cleans to a list. What the
    files may contain is checked by the upload check the service calls."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class FilterForm(forms.Form):
    """Base of the GET filter forms: every field optional, always bound (to ``request.GET``);
    an invalid value is reported beside its field and that filter is left out."""

    page = forms.IntegerField(
        label=_("页码"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={"invalid": _("页码必须是正整数。")},
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def value(self, field: str, default=None):
        return first_value(self, field, default)

    @property
    def filters(self) -> dict:
        """The valid filter values (``None``/empty for a missing or invalid one), page left out."""
        self.is_valid()
        return {k: self.cleaned_data.get(k) for k in self.fields if k != "page"}

    def page_of(self, queryset, per_page: int = 50, paginator_class=Paginator):
        """The requested page; a page beyond the last gives a message and the last page."""
        paginator = paginator_class(queryset, per_page)
        number = self.value("page", 1)
        if number > paginator.num_pages:
            self.add_error(
                "page",
                _("页码超出范围，共 %(n)d 页。") % {"n": paginator.num_pages},
            )
            number = paginator.num_pages
        return paginator.page(number)

    def querystring(self) -> str:
        """The filters as a query string without the page (for the pager links)."""
        data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
        data.pop("page", None)
        return data.urlencode() if hasattr(data, "urlencode") else ""
