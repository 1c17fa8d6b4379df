"""Writes of the working-day calendar (工作日历): seeding a year from the ``holidays`` library,
confirming a year, entering single days, recounting. Every write runs ``full_clean`` and is
audited by the core audit signals (CalendarYear and CalendarDay are ``audited``).

Reads and the working-day maths are in ``workdays``.
"""

import datetime
import functools
from contextlib import contextmanager
from dataclasses import dataclass

import holidays
import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingshang.platform import audit
from yingshang.workdays import calendar as workdays
from yingshang.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DayKind

LIBRARY_FIRST_YEAR = max(holidays.China.start_year, workdays.FIRST_YEAR)
LIBRARY_LAST_YEAR = min(holidays.China.end_year, workdays.LAST_YEAR)


# ------------------------------------------------------------------------------------ library


@dataclass(frozen=True)
class LibraryArrangement:
    year: int
    published: bool  # the State Council's arrangement for the year is in the library
    days: dict  # date → (DayKind, name): weekday holidays and weekend make-up working days
    source: str
    note: str


def library_has_arrangement(year: int) -> bool:
    """Whether the installed ``holidays`` carries the State Council's arrangement for ``year``
    (otherwise it only extrapolates the statutory holidays)."""
    return year in _library_published_years()


@functools.cache
def _library_published_years() -> frozenset[int]:
    # The instance carries the static per-year arrangements (special_public_holidays) of the
    # State Council notices; years without one are extrapolated from the statutory holidays.
    return frozenset(holidays.China(years=LIBRARY_FIRST_YEAR).special_public_holidays)


def library_arrangement(year: int) -> LibraryArrangement:
    if not LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR:
        raise ValidationError(
            {
                "year": _("年份 %(year)s 超出节假日库支持的范围（%(first)s–%(last)s）。")
                % {"year": year, "first": LIBRARY_FIRST_YEAR, "last": LIBRARY_LAST_YEAR}
            }
        )
    cn = holidays.China(years=year, language="zh_CN")
    days = {}
    for day, name in cn.items():
        if day.year == year and day.weekday() < 5:  # weekend holidays are rest days anyway
            days[day] = (DayKind.HOLIDAY, name[:100])
    for day in cn.weekend_workdays:
        if day.year == year and day.weekday() >= 5:
            days[day] = (DayKind.MAKEUP, _("调休上班"))
    published = library_has_arrangement(year)
    version = holidays.__version__
    if published:
        source = _("国务院办公厅放假安排（系统内置节假日数据 %(version)s 版）") % {
            "version": version
        }
        note = ""
    else:
        source = _("按法定节日推算（系统内置节假日数据 %(version)s 版）") % {"version": version}
        note = _(
            "国务院办公厅尚未公布本年度放假安排（或节假日库未收录），以上按法定节日推算，"
            "未含调休，仅供参考；公布后请更新并确认。"
        )
    return LibraryArrangement(year, published, dict(sorted(days.items())), source, note)


# ------------------------------------------------------------------------------------ helpers


@contextmanager
def _acting(user):
    """Attribute audited writes to ``user`` (keeping the request's address and channel)."""
    if user is None:
        yield
        return
    ctx = audit.current()
    with audit.audit_context(user=user, ip=ctx.ip, channel=ctx.channel or "system"):
        yield


def _check_year_number(year) -> int:
    if isinstance(year, CalendarYear):
        return year.year
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("年份必须是整数。")}) from None
    if not workdays.FIRST_YEAR <= year <= workdays.LAST_YEAR:
        raise ValidationError(
            {
                "year": _("年份必须在 %(first)s–%(last)s 之间。")
                % {"first": workdays.FIRST_YEAR, "last": workdays.LAST_YEAR}
            }
        )
    return year


def _get_year(year) -> CalendarYear:
    number = _check_year_number(year)
    row = CalendarYear.objects.select_for_update().filter(year=number).first()
    if row is None:
        raise ValidationError(
            {"year": _("没有 %(year)s 年的工作日历，请先导入或录入。") % {"year": number}}
        )
    return row


def _check_permission(user):
    if user is not None and not user.has_perm("workdays.change_calendaryear"):
        raise PermissionDenied(_("没有维护工作日历的权限。"))


def count_working_days(year: int, exceptions) -> int:
    """Working days in ``year`` given its exceptions, an iterable of (date, kind)."""
    count = int(np.busday_count(f"{year}-01-01", f"{year + 1}-01-01"))
    for day, kind in exceptions:
        if kind == DayKind.HOLIDAY and day.weekday() < 5:
            count -= 1
        elif kind == DayKind.MAKEUP and day.weekday() >= 5:
            count += 1
    return count


# ----------------------------------------------------------------------------------- services


@transaction.atomic
def recount_working_days(year) -> int:
    """Store the year's working-day count in ``CalendarYear.working_days``; returns it."""
    row = _get_year(year)
    count = count_working_days(row.year, row.days.values_list("date", "kind"))
    if row.working_days != count:
        row.working_days = count
        row.full_clean()
        row.save(update_fields=["working_days"])
    return count


@dataclass
class SeedResult:
    year: int
    status: str  # created | updated | unchanged | conflict
    created: int = 0
    updated: int = 0
    deleted: int = 0
    published: bool = False
    confirmed: bool = False
    message: str = ""


@transaction.atomic
def seed_year_from_library(year, *, confirm=False, user=None) -> SeedResult:
    """Make the year's exceptions equal to the ``holidays`` library's arrangement.

    Idempotent: a rerun changes nothing. A confirmed year is never changed: if it differs from the
    library the result's status is ``conflict`` and nothing is written (set the year back to
    provisional first to re-seed it). With ``confirm=True`` the year is confirmed, but only if the
    library carries the published arrangement; extrapolated years stay provisional.
    """
    number = _check_year_number(year)
    arrangement = library_arrangement(number)
    _check_permission(user)
    with _acting(user):
        row = CalendarYear.objects.select_for_update().filter(year=number).first()
        result = SeedResult(year=number, status="unchanged", published=arrangement.published)
        if row is None:
            row = CalendarYear(year=number, status=CalendarStatus.PROVISIONAL)
            result.status = "created"
        existing = {} if row.pk is None else {d.date: d for d in row.days.all()}

        if row.status == CalendarStatus.CONFIRMED:
            result.confirmed = True
            stored = {d: e.kind for d, e in existing.items()}
            if stored != {d: kind for d, (kind, _name) in arrangement.days.items()}:
                result.status = "conflict"
                result.message = _(
                    "%(year)s 年已确认，且与节假日库不一致，未作改动；如需重新导入，请先将状态改为暂定。"
                ) % {"year": number}
            return result

        before = (row.status, row.source, row.note, row.working_days)
        row.source, row.note = arrangement.source, arrangement.note
        if confirm and arrangement.published:
            row.status = CalendarStatus.CONFIRMED
            result.confirmed = True
        elif confirm:
            result.message = _("%(year)s 年的放假安排尚未公布，保持暂定。") % {"year": number}
        row.working_days = count_working_days(
            number, [(d, k) for d, (k, _name) in arrangement.days.items()]
        )
        changed_row = row.pk is None or before != (
            row.status,
            row.source,
            row.note,
            row.working_days,
        )
        if changed_row:
            row.full_clean()
            row.save()
        for day, (kind, name) in arrangement.days.items():
            entry = existing.pop(day, None)
            if entry is None:
                entry = CalendarDay(year=row, date=day, kind=kind, name=name)
                entry.full_clean()
                entry.save()
                result.created += 1
            elif entry.kind != kind or entry.name != name:
                entry.kind, entry.name = kind, name
                entry.full_clean()
                entry.save()
                result.updated += 1
        for entry in existing.values():
            entry.delete()
            result.deleted += 1
        if result.status != "created" and (
            changed_row or result.created or result.updated or result.deleted
        ):
            result.status = "updated"
    return result


@transaction.atomic
def confirm_year(year, user=None) -> bool:
    """Confirm the year's arrangement (it is then no longer provisional). Returns False if it was
    already confirmed. Refused for a year without a row or without any holiday entered."""
    _check_permission(user)
    row = _get_year(year)
    if row.status == CalendarStatus.CONFIRMED:
        return False
    if not row.days.filter(kind=DayKind.HOLIDAY).exists():
        raise ValidationError(
            {"status": _("%(year)s 年尚未录入任何节假日，不能确认。") % {"year": row.year}}
        )
    with _acting(user):
        row.status = CalendarStatus.CONFIRMED
        row.working_days = count_working_days(row.year, row.days.values_list("date", "kind"))
        row.full_clean()
        row.save()
    return True


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return workdays.local_date(value)
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({"date": _("日期格式应为 YYYY-MM-DD。")}) from None


@transaction.atomic
def set_day(year, date, kind, name="", *, user=None) -> CalendarDay:
    """Enter or correct one exception day of ``year`` (a weekday holiday or a weekend make-up
    working day). The year is created as provisional if it has no row yet. A date outside the
    year, a make-up day on a weekday or a holiday on a weekend is refused (field errors)."""
    _check_permission(user)
    number = _check_year_number(year)
    day = _parse_date(date)
    with _acting(user):
        row = CalendarYear.objects.select_for_update().filter(year=number).first()
        if row is None:
            row = CalendarYear(year=number, source=_("管理员录入"))
            row.full_clean()
            row.save()
        entry = CalendarDay.objects.filter(date=day).first() or CalendarDay(date=day)
        entry.year = row
        entry.kind = kind
        entry.name = (name or "").strip()
        entry.full_clean()
        entry.save()
        recount_working_days(row)
    return entry


@transaction.atomic
def clear_day(year, date, *, user=None) -> bool:
    """Remove an exception day (the date follows the Monday–Friday rule again)."""
    _check_permission(user)
    row = _get_year(year)
    day = _parse_date(date)
    with _acting(user):
        deleted, _detail = CalendarDay.objects.filter(year=row, date=day).delete()
        recount_working_days(row)
    return bool(deleted)
