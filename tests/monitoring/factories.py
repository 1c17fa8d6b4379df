"""factory_boy factories of monitoring's stored values: indicator values, facts and city
figures (the tests of compute build their input from cases; these are for reads)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.core.factories import department
from yingshang.core.models import Division
from yingshang.monitoring.models import CityFigure, Fact, IndicatorValue


class IndicatorValueFactory(DjangoModelFactory):
    """The city's monthly on-time rate (按时办结率) for October 2026."""

    class Meta:
        model = IndicatorValue

    indicator = "ge.on_time_rate"
    period_kind = "month"
    period_start = datetime.date(2026, 10, 1)
    dimension = "city"
    dimension_id = factory.Sequence(lambda n: n)
    division_path = "510000/510700/"
    value = 0.95
    numerator = 19.0
    denominator = 20.0
    computed_at = factory.LazyFunction(timezone.now)


class FactFactory(DjangoModelFactory):
    class Meta:
        model = Fact

    source = "cases"
    day = datetime.date(2026, 10, 12)
    division_id = factory.LazyFunction(lambda: Division.objects.get(code="510700").pk)
    department_id = factory.LazyFunction(lambda: department("510700", "market").pk)
    item_id = 0
    data = factory.LazyFunction(lambda: {"submitted": 1})


class CityFigureFactory(DjangoModelFactory):
    class Meta:
        model = CityFigure
        django_get_or_create = ("key", "year")

    key = "income_per_capita"
    year = 2026
    value = 45000
    source = "绵阳市统计局(测试值)"
