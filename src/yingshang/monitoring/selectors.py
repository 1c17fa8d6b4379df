"""Reads of the monitoring app. Benchmark (对标) data is published comparator data: every
staff member may read it, so it is not scoped by division."""

from . import benchmarks
from .definitions import load_definitions
from .models import BenchmarkValue


def benchmark_periods() -> list[str]:
    return list(
        BenchmarkValue.objects.order_by("-period").values_list("period", flat=True).distinct()
    )


def benchmark_results(period: str | None = None) -> dict:
    """Stored benchmark values of a period (default: the latest) with their DB scores."""
    periods = benchmark_periods()
    if period is None:
        period = periods[0] if periods else None
    qs = BenchmarkValue.objects.filter(period=period) if period else BenchmarkValue.objects.none()
    rows = [
        benchmarks.Row(n, v.entity, v.indicator, v.value, v.weight)
        for n, v in enumerate(qs.order_by("entity", "indicator"), start=1)
    ]
    defs = load_definitions()
    result = benchmarks.score(rows, defs) if rows else {"entities": {}, "parents": {}}
    result["period"] = period
    result["periods"] = periods
    result["sources"] = sorted({v.source for v in qs if v.source})
    return result


def dashboard_divisions(user):
    """The city and counties a user may pick on the dashboard (none above their own level)."""
    from yingshang.core.models import Division, DivisionLevel

    divisions = Division.objects.visible_to(user).filter(
        level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]
    )
    if not user.is_superuser and user.division_id:
        depth = user.division.path.count("/")
        return [d for d in divisions if d.path.count("/") >= depth]
    return list(divisions)
