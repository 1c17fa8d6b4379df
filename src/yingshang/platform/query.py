"""Query parameters, validated: out of range is a 400 with a message (API) or the default (pages),
never a server error. See platform/errors.py for how a 400 looks."""

import django_filters
from django import forms
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property
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
            "help_text", _("年份，%(min)s–%(max)s") % {"min": YEAR_MIN, "max": YEAR_MAX}
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


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows: a queue or search over a million cases shows
    "1000+" instead of paying for an exact count."""

    cap = 1000

    @cached_property
    def count(self):
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class _OpenPage(Page):
    more = False

    def has_next(self):
        return self.more


class OpenEndedPaginator(CappedPaginator):
    """A capped count whose pages go on past it: a page reads one row more than it shows to
    know whether another follows, so a page number is only refused when the page is empty. A
    first page that is not full is the whole list, counted without a query. For the API lists
    that grow with the city (cases, audit entries): an exact ``COUNT(*)`` over ten million
    cases takes seconds (docs/performance.md)."""

    def validate_number(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom + self.per_page + 1 > ID_MAX:  # past any table a bigint can number
            raise EmptyPage(self.error_messages["no_results"])
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if number == 1 and len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # the whole list: no COUNT
        elif not rows:
            raise EmptyPage(self.error_messages["no_results"])
        page = _OpenPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page
