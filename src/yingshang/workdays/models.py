"""The working-day calendar: one row per year's holiday arrangement and one per exception to the
Monday–Friday rule. The tables keep their first names (core_calendaryear, core_calendarday):
the models moved here from core without moving their rows."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    PROVISIONAL = "provisional", _("暂定（未公布放假安排）")


class CalendarYear(models.Model):
    """One year's holiday arrangement (放假安排). Provisional until an administrator confirms the
    State Council's published arrangement; dates computed from it are marked provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=CalendarStatus.choices, default=CalendarStatus.PROVISIONAL
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    working_days = models.PositiveSmallIntegerField(_("工作日数"), default=0)
    audited = True

    class Meta:
        db_table = "core_calendaryear"
        verbose_name = _("年度工作日历")
        verbose_name_plural = _("年度工作日历")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}({self.get_status_display()})"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日/休息日")
    MAKEUP = "makeup", _("调休工作日")


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a weekday holiday or a weekend make-up workday."""

    year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("年份")
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    audited = True

    class Meta:
        db_table = "core_calendarday"
        verbose_name = _("日历例外日")
        verbose_name_plural = _("日历例外日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    def clean(self):
        if self.date and self.year_id and self.date.year != self.year.year:
            raise ValidationError(
                {
                    "date": _("日期 %(date)s 不在 %(year)s 年内。")
                    % {"date": self.date, "year": self.year.year}
                }
            )
        if self.date and self.kind == DayKind.MAKEUP and self.date.weekday() < 5:
            raise ValidationError({"kind": _("调休工作日必须是周六或周日。")})
        if self.date and self.kind == DayKind.HOLIDAY and self.date.weekday() >= 5:
            raise ValidationError({"kind": _("周末本为休息日，无需登记为节假日。")})
