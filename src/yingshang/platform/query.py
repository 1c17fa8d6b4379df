"""Query parameters, validated: out of range is a 400 with a message (API) or the default (pages),
never a server error. See platform/errors.py for how a 400 looks."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

YEAR_MIN, YEAR_MAX = 1990, 2100
ID_MAX = 2**63 - 1  # a database bigint


class IdFilter(django_filters.NumberFilter):
    """A filter on a primary or foreign key: a positive integer a database column can hold."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class YearField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        kwargs.setdefault(
            "help_text", _("年份,%(min)s–%(max)s") % {"min": YEAR_MIN, "max": YEAR_MAX}
        )
        super().__init__(**kwargs)


def validated_query(request, serializer_class) -> dict:
    """``request.query_params`` through ``serializer_class``; a bad value raises a 400."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def page_year(text, default: int) -> int:
    """A year from a page's query string; anything else (not a number, out of range) → default."""
    try:
        year = int(text)
    except (TypeError, ValueError):
        return default
    return year if YEAR_MIN <= year <= YEAR_MAX else default
