"""Writes of the monitoring app."""

from django.db import transaction

from .benchmarks import Row
from .models import BenchmarkValue


@transaction.atomic
def load_benchmarks(rows: list[Row], *, period: str, source: str = "") -> int:
    """Store validated benchmark rows for ``period`` in one transaction (all or nothing).
    A value already stored for the same entity, indicator and period is replaced."""
    for row in rows:
        BenchmarkValue.objects.update_or_create(
            entity=row.entity,
            indicator=row.indicator,
            period=period,
            defaults={"value": row.value, "weight": row.weight, "source": source},
        )
    return len(rows)
