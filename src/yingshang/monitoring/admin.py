from django.contrib import admin

from yingshang.platform.admin import ReadOnlyAdminMixin

from .models import BenchmarkValue, CityFigure, IndicatorValue


@admin.register(BenchmarkValue)
class BenchmarkValueAdmin(admin.ModelAdmin):
    list_display = ["period", "entity", "indicator", "value", "weight", "source"]
    list_filter = ["period", "indicator"]
    search_fields = ["entity", "indicator"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: values are written by the computation only."""

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
    list_filter = ["period_kind", "dimension", "indicator"]
    date_hierarchy = "period_start"


@admin.register(CityFigure)
class CityFigureAdmin(admin.ModelAdmin):
    """城市参数: statistics and assessed indices used by the live Doing-Business scores."""

    list_display = ["key", "year", "value", "source", "updated_at"]
    list_filter = ["key", "year"]
    search_fields = ["source"]
