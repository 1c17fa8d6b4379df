"""The demo's monitoring step (yingshang.demo.monitoring): demo city figures that never overwrite
entered ones, and a recompute that covers the days of the earlier demo data. Runs on the
monitoring tests' dataset."""

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.monitoring.conftest import D1, D2, at, days
from yingshang.monitoring.models import CityFigure

pytestmark = pytest.mark.django_db


def test_demo_step_scores_the_topics_and_keeps_entered_figures(dataset, settings, monkeypatch):
    from yingshang.demo import monitoring as demo
    from yingshang.demo.framework import Tally
    from yingshang.monitoring import compute
    from yingshang.monitoring.models import IndicatorValue

    # the demo recomputes the year up to yesterday; pin it to the dataset's days
    monkeypatch.setattr(compute, "default_range", lambda now=None: (D1 - days(5), D2))

    settings.MONITORING_INCOME_PER_CAPITA = None
    CityFigure.objects.create(key="income_per_capita", year=2025, value=45_000, source="统计公报")
    tally = Tally()
    demo.load_monitoring({"quiet": True}, tally, None)
    assert CityFigure.objects.get(key="income_per_capita").value == 45_000  # not overwritten
    assert CityFigure.objects.filter(source=demo.DEMO_SOURCE).count() == len(demo.DEMO_FIGURES) - 1
    assert tally.counts["indicator values"]["created"] > 0
    assert IndicatorValue.objects.filter(indicator="gov.on_time_rate", dimension="city").exists()
    # the bundle's fee (100 yuan) as % of the income per capita entered in the admin
    cost = IndicatorValue.objects.get(
        indicator="sb.cost",
        dimension="city",
        period_kind="year",
        period_start=D1.replace(month=1, day=1),
    )
    assert cost.value == pytest.approx(100 / 45_000 * 100)


def test_demo_also_covers_the_days_of_earlier_ratings(dataset):
    import datetime

    from yingshang.cases.models import Case
    from yingshang.demo import monitoring as demo
    from yingshang.evaluations.models import Evaluation

    a1 = dataset["a1"]
    assert demo._record_span(before=datetime.date(2025, 1, 1)) is None
    for n, day in enumerate((datetime.date(2019, 3, 4), datetime.date(2019, 11, 30))):
        Evaluation.objects.create(
            content_type=ContentType.objects.get_for_model(Case),
            object_id=str(a1.pk + n),
            subject_label="x",
            department=a1.department,
            division=a1.division,
            channel="online",
            level=5,
            created_at=at(day, 10),
        )
    span = demo._record_span(before=datetime.date(2025, 1, 1))
    assert span == (datetime.date(2019, 3, 4), datetime.date(2019, 11, 30))
    # only records before the cut count
    march = datetime.date(2019, 3, 4)
    assert demo._record_span(before=datetime.date(2019, 6, 1)) == (march, march)
