from django.db import models
from django.utils.translation import gettext_lazy as _


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
