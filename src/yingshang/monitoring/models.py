from django.db import models
from django.utils.translation import gettext_lazy as _

from yingshang.platform.scoping import ScopedQuerySet


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
    DIVISION = "division", _("县（市、区）")
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


class CityFigure(models.Model):
    """城市参数: a statistic or assessed index of the city for one year, entered by the bureau —
    income per capita, population, the reference warehouse / property values in which Doing
    Business costs are expressed, and the city's own assessed indices (cp.quality_index …).
    A period is scored with the figure of its year or the nearest earlier one; the definition
    file's ``[city]`` values are the fallback and the ``MONITORING_*`` settings override both."""

    audited = True

    class Key(models.TextChoices):
        INCOME = "income_per_capita", _("人均收入（元/年）")
        POPULATION = "population", _("常住人口（人）")
        WAREHOUSE = "warehouse_value", _("标准仓库价值（元）")
        PROPERTY = "property_value", _("标准房产价值（元）")
        CP_INDEX = "cp.quality_index", _("建筑质量控制指数（0–15）")
        GE_INDEX = "ge.reliability_index", _("供电可靠性和电费透明度指数（0–8）")
        RP_INDEX = "rp.quality_index", _("土地管理质量指数（0–30）")

    key = models.CharField(_("参数"), max_length=40, choices=Key.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.FloatField(_("数值"))
    source = models.CharField(_("来源"), max_length=300)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("城市参数")
        verbose_name_plural = _("城市参数")
        ordering = ["key", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["key", "year"], name="monitoring_cityfigure_unique")
        ]

    def __str__(self):
        return f"{self.get_key_display()} {self.year}: {self.value:g}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .definitions import check_indices, check_reference, load_file_definitions

        if self.value is None or not self.key:
            return
        if "." in self.key:
            defs = load_file_definitions()
            _checked, problems = check_indices({self.key: self.value}, defs.indicators, "")
        else:
            problems = check_reference(self.key, self.value, "")
        if problems:
            raise ValidationError({"value": [p.lstrip(": ") for p in problems]})
        if not 1990 <= (self.year or 0) <= 2100:
            raise ValidationError({"year": _("年度应在 1990–2100 之间。")})
