"""The monitoring demo step (yingshang.demo.monitoring) run twice and on older records: the
demo figures are for last year and marked as demo values, a rerun keeps every figure and
recomputes the same indicator values (same rows, same numbers), the report prints one line per
recomputed range, and ratings older than the default year get their own range of values.
On the monitoring tests' small dataset, with the recompute range pinned to its days."""

import datetime
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.monitoring.conftest import D1, D2, at, days
from yingshang.demo import monitoring as demo
from yingshang.demo.framework import Tally
from yingshang.monitoring.models import CityFigure, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def pinned(dataset, monkeypatch, settings):
    from yingshang.monitoring import compute

    monkeypatch.setattr(compute, "default_range", lambda now=None: (D1 - days(5), D2))
    settings.MONITORING_INCOME_PER_CAPITA = None
    return dataset


def _values():
    return sorted(
        IndicatorValue.objects.values_list(
            "indicator", "period_kind", "period_start", "dimension", "dimension_id", "value"
        ),
        key=repr,
    )


def test_figures_are_last_years_demo_values_and_a_rerun_recomputes_the_same(pinned):
    first = Tally()
    demo.load_monitoring({"quiet": True}, first, None)
    figures = {f.key: f for f in CityFigure.objects.all()}
    assert set(figures) == set(demo.DEMO_FIGURES)
    assert {f.year for f in figures.values()} == {timezone.localdate().year - 1}
    assert all(f.source == demo.DEMO_SOURCE for f in figures.values())
    assert {k: f.value for k, f in figures.items()} == pytest.approx(demo.DEMO_FIGURES)
    assert first.counts["city figures"]["created"] == len(demo.DEMO_FIGURES)
    values = _values()
    assert values and first.counts["indicator values"]["created"] == len(values)

    again = Tally()
    demo.load_monitoring({"quiet": True}, again, None)
    assert again.counts["city figures"] == {
        "created": 0, "updated": 0, "unchanged": len(demo.DEMO_FIGURES),
    }  # fmt: skip
    assert _values() == values  # the same rows with the same numbers
    assert CityFigure.objects.count() == len(demo.DEMO_FIGURES)


def test_the_report_prints_one_line_per_range_unless_quiet(pinned):
    out = StringIO()
    demo.load_monitoring({"quiet": False}, Tally(), out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].strip().startswith(f"{D1 - days(5)} – {D2}:")
    assert "daily facts" in lines[0] and "values" in lines[0]
    quiet = StringIO()
    demo.load_monitoring({"quiet": True}, Tally(), quiet)
    assert quiet.getvalue() == ""


def test_older_ratings_get_their_own_range_of_values(pinned):
    from yingshang.cases.models import Case
    from yingshang.evaluations.models import Evaluation

    a1 = pinned["a1"]
    old = datetime.date(2019, 5, 6)
    Evaluation.objects.create(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(a1.pk),
        subject_label="x", department=a1.department, division=a1.division, channel="online",
        level=2, created_at=at(old, 10),
    )  # fmt: skip
    out = StringIO()
    demo.load_monitoring({"quiet": False}, Tally(), out)
    lines = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == [
        f"{old} – {old}",
        f"{D1 - days(5)} – {D2}",
    ]  # the older range first, then the default year
    starts = set(IndicatorValue.objects.values_list("period_start", flat=True))
    assert any(d.year == 2019 for d in starts)
    assert any(d >= D1 - days(5) for d in starts)
