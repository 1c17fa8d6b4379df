import datetime

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from yingshang.platform.admin import ReadOnlyAdminMixin

from .models import BenchmarkValue, CityFigure, IndicatorValue


@admin.register(BenchmarkValue)
class BenchmarkValueAdmin(admin.ModelAdmin):
    list_display = ["period", "entity", "indicator", "value", "weight", "source"]
    list_filter = ["period", "indicator"]
    search_fields = ["entity", "indicator"]


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``) instead of
    the whole table: pages follow the list's index order, and past ``cap`` rows the list asks
    for a filter rather than counting millions of rows on every page."""

    cap = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class IndicatorFilter(admin.SimpleListFilter):
    """The indicators of the definitions file (no DISTINCT over the value table)."""

    title = _("指标")
    parameter_name = "indicator"

    def lookups(self, request, model_admin):
        from .compute import COMPOSITE
        from .definitions import load_definitions

        defs = load_definitions()
        return [(COMPOSITE, _("综合指数")), *[(k, i.name) for k, i in defs.indicators.items()]]

    def queryset(self, request, queryset):
        return queryset.filter(indicator=self.value()) if self.value() else queryset


class PeriodFilter(admin.SimpleListFilter):
    """期间: the periods starting in one of the last twelve months or last three years
    (a range on ``period_start``; replaces the date hierarchy, whose DISTINCT dates read the
    whole table)."""

    title = _("期间")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        months = []
        first = today.replace(day=1)
        for _i in range(12):
            months.append((first.strftime("%Y-%m"), first.strftime("%Y-%m")))
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        years = [(str(y), str(y)) for y in range(today.year, today.year - 3, -1)]
        return months + years

    def queryset(self, request, queryset):
        value = self.value() or ""
        try:
            if len(value) == 7:
                start = datetime.date.fromisoformat(value + "-01")
                end = (start + datetime.timedelta(days=32)).replace(day=1)
            elif len(value) == 4:
                start = datetime.date(int(value), 1, 1)
                end = datetime.date(start.year + 1, 1, 1)
            else:
                return queryset
        except ValueError:
            return queryset.none()
        return queryset.filter(period_start__gte=start, period_start__lt=end)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: values are written by the computation only. A table of millions of rows:
    no full count (``show_full_result_count``, ``CappedCountPaginator``), ordered by the
    unique index, filters that need no query of their own (period kind, period, dimension,
    indicator from the definitions)."""

    list_display = [
        "indicator",
        "period_kind",
        "period_start",
        "dimension",
        "dimension_id",
        "value",
        "numerator",
        "denominator",
        "computed_at",
    ]
    list_filter = ["period_kind", PeriodFilter, "dimension", IndicatorFilter]
    # the unique constraint's columns: a total order the index serves (no "-pk" added)
    ordering = ["indicator", "period_kind", "period_start", "dimension", "dimension_id"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 100

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (
            getattr(response, "context_data", {}).get("cl")
            if hasattr(response, "context_data")
            else None
        )
        if cl is not None and getattr(cl.paginator, "capped", False):
            response.context_data["subtitle"] = _(
                "超过 %(n)s 条：只列出前 %(n)s 条，请按周期、期间、维度或指标筛选。"
            ) % {"n": f"{CappedCountPaginator.cap:,}"}
        return response


@admin.register(CityFigure)
class CityFigureAdmin(admin.ModelAdmin):
    """城市参数: statistics and assessed indices used by the live Doing-Business scores."""

    list_display = ["key", "year", "value", "source", "updated_at"]
    list_filter = ["key", "year"]
    search_fields = ["source"]
