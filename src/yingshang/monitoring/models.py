from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.core.scoping import ScopedQuerySet


class BenchmarkValue(models.Model):
    """对标数据: one published component value of a comparator entity (e.g. ``China/Shanghai``
    sb.time_men = 9 in period 2020). Values are stored unrounded, as published."""

    audited = True

    entity = models.CharField(_("对标对象"), max_length=120)
    indicator = models.CharField(_("指标"), max_length=60)
    value = models.FloatField(_("数值"))
    weight = models.FloatField(_("人口权重"), null=True, blank=True)
    period = models.CharField(_("期间"), max_length=20)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("对标数据")
        verbose_name_plural = _("对标数据")
        ordering = ["period", "entity", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "indicator", "period"], name="monitoring_benchmark_unique"
            )
        ]
        indexes = [models.Index(fields=["period", "entity"])]

    def __str__(self):
        return f"{self.period} {self.entity} {self.indicator} = {self.value}"


class PeriodKind(models.TextChoices):
    DAY = "day", _("日")
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


class Dimension(models.TextChoices):
    CITY = "city", _("全市")
    DIVISION = "division", _("县(市、区)")
    DEPARTMENT = "department", _("部门")
    ITEM = "item", _("事项")


class IndicatorValueQuerySet(ScopedQuerySet):
    pass


class IndicatorValue(models.Model):
    """One indicator for one period and one dimension member (a time-series point).

    ``value`` NULL means no data (无数据) — never 0. ``numerator``/``denominator`` keep the
    underlying sums (count for ``count`` indicators, Σ measure and n for means) so that values can
    be explained and drilled into. ``division_path`` is the scoping path of the member (the city
    for city values, the county for division values, the department's or item's division)."""

    indicator = models.CharField(_("指标"), max_length=60)
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("期间开始"))
    dimension = models.CharField(_("维度"), max_length=12, choices=Dimension.choices)
    dimension_id = models.BigIntegerField(_("维度成员"))
    division_path = models.CharField(max_length=255)
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    value = models.FloatField(_("数值"), null=True, blank=True)
    numerator = models.FloatField(_("分子"), null=True, blank=True)
    denominator = models.FloatField(_("分母"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    definitions_version = models.CharField(_("指标定义版本"), max_length=40, blank=True)

    objects = IndicatorValueQuerySet.as_manager()
    scope_division_field = "division_path"
    scope_department_field = "department"

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        ordering = ["indicator", "period_kind", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_kind", "period_start", "dimension", "dimension_id"],
                name="monitoring_value_unique",
            )
        ]
        indexes = [
            # Dashboard: all indicators of one period for one dimension (cards, rankings).
            models.Index(
                fields=["period_kind", "period_start", "dimension"], name="monitoring_value_period"
            ),
            # Trend of one member: indicator + member over periods.
            models.Index(
                fields=["dimension", "dimension_id", "indicator", "period_kind", "period_start"],
                name="monitoring_value_trend",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period_kind} {self.period_start} {self.dimension}:{self.dimension_id}"


class Fact(models.Model):
    """Daily aggregate of one source (the grain the time series is rolled up from): the sums
    of one day for one (division, department, item). Rewritten per day by the computation;
    the daily job recomputes only yesterday's facts and rolls the open periods up from here."""

    source = models.CharField(max_length=20)
    day = models.DateField()
    division_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    item_id = models.BigIntegerField(null=True)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        indexes = [models.Index(fields=["day", "source"], name="monitoring_fact_day")]

    def __str__(self):
        return f"{self.source} {self.day} {self.department_id}/{self.item_id}"
