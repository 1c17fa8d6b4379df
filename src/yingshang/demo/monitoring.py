"""Demo step of the monitoring app: the demo city's figures (marked as demo values) and a full
recompute of the indicator time series, so that `make run` opens on filled dashboards."""

from yingshang.demo.framework import Tally, demo_step
from yingshang.monitoring.models import CityFigure

DEMO_SOURCE = "演示值, 非统计数据: 请在管理后台“城市参数”中替换为本市公布的统计和评估数据"
# Illustrative figures for the Mianyang demo — NOT published statistics. The reference values
# follow Doing Business 2020's own assumption (50 × income per capita).
DEMO_FIGURES = {
    CityFigure.Key.INCOME: 40_000,
    CityFigure.Key.POPULATION: 4_870_000,
    CityFigure.Key.WAREHOUSE: 50 * 40_000,
    CityFigure.Key.PROPERTY: 50 * 40_000,
    CityFigure.Key.CP_INDEX: 12,
    CityFigure.Key.GE_INDEX: 6,
    CityFigure.Key.RP_INDEX: 20,
}


@demo_step(700, "monitoring: city figures (demo values), full recompute of the indicators")
def load_monitoring(options, tally: Tally, out):
    from django.utils import timezone

    from yingshang.monitoring import compute

    year = timezone.localdate().year - 1
    for key, value in DEMO_FIGURES.items():
        if CityFigure.objects.filter(key=key).exists():
            tally.add("city figures", "unchanged")  # never overwrite what the bureau entered
            continue
        CityFigure.objects.create(key=key, year=year, value=value, source=DEMO_SOURCE)
        tally.add("city figures", "created")
    start, end = compute.default_range()
    ranges = [(start, end)]
    # the appeals and ratings demo is the programme's year (2019): compute those days too
    earlier = _record_span(before=start)
    if earlier is not None:
        ranges.insert(0, earlier)
    for lo, hi in ranges:
        summary = compute.recompute(lo, hi)
        tally.add("indicator values", "created", summary.values)
        if out is not None and not options.get("quiet"):
            out.write(f"  {summary}\n")


def _record_span(before):
    """(first, last) local day of the appeals and ratings dated before ``before``, or None."""
    import datetime

    from django.db.models import Max, Min
    from django.utils import timezone

    from yingshang.monitoring.sources import day_bounds, model

    cutoff, _end = day_bounds(before, before)
    days = []
    for label, field in (
        ("appeals.Appeal", "submitted_at"),
        ("evaluations.Evaluation", "created_at"),
    ):
        records = model(label)
        if records is None:
            continue
        span = records.objects.filter(**{f"{field}__lt": cutoff}).aggregate(
            lo=Min(field), hi=Max(field)
        )
        days += [timezone.localdate(v) for v in span.values() if v is not None]
    if not days:
        return None
    return min(days), min(max(days), before - datetime.timedelta(days=1))
