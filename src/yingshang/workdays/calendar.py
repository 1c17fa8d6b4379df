"""Working-day calendar (工作日).

The calendar lives in the database: ``CalendarYear`` (one row per year, provisional until an
administrator confirms the State Council's arrangement) and ``CalendarDay`` (the exceptions to
the Monday–Friday rule: weekday holidays and weekend make-up working days, 调休). Writes go
through ``workdays.services``; this module only reads.

An instant is an aware datetime; working-day maths happens in Asia/Shanghai dates. A plain
``datetime.date`` is taken to be a Shanghai date already.

Design: the whole calendar (years FIRST_YEAR..LAST_YEAR) is loaded once per process into numpy
arrays — a working-day flag per day, a cumulative count of working days, and the sorted list of
working days — so that "add n working days" is two array lookups, scalar or vectorised. Years
without a CalendarYear row follow the Monday–Friday rule and are provisional.

Freshness across processes and servers: the loaded calendar is compared with the database at most
every ``YINGSHANG_CALENDAR_RECHECK_SECONDS`` seconds (default 5; the check reads the few hundred
exception rows and rebuilds the arrays only if they changed). A write in this process (service,
admin, any ``save``/``delete``) invalidates immediately via model signals. While a transaction
that wrote calendar rows is open, a calendar read inside it is trusted only as long as no atomic
block has been left or entered and no further calendar row written; otherwise it is re-read — so a
rolled-back write never leaves a stale calendar behind (this also keeps tests isolated).
"""

import datetime
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 1900
LAST_YEAR = 2299  # inclusive
DEFAULT_RECHECK_SECONDS = 5.0

_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_ORIGIN = datetime.date(FIRST_YEAR, 1, 1).toordinal() - _EPOCH_ORDINAL  # days since 1970-01-01
_END = datetime.date(LAST_YEAR + 1, 1, 1).toordinal() - _EPOCH_ORDINAL
_SPAN = _END - _ORIGIN
_END_OF_DAY = datetime.time(23, 59, 59)


@dataclass(frozen=True)
class DueDate:
    due: datetime.datetime  # aware; end of the due working day (23:59:59 Asia/Shanghai)
    provisional: bool  # True if any year it relied on has no confirmed arrangement


class OutOfCalendarRange(ValueError):
    """A date outside FIRST_YEAR..LAST_YEAR, where the calendar is not defined."""


# --------------------------------------------------------------------------- loading and caching


@dataclass
class _Calendar:
    rows: tuple  # (years, days) exactly as read from the database; the version stamp
    is_work: np.ndarray  # bool, one per day from FIRST_YEAR-01-01
    cum_le: np.ndarray  # int64, working days in [FIRST_YEAR-01-01, day]
    packed: np.ndarray  # int64, (cum_le - is_work) * 2 + (not is_work); see add_working_days_bulk
    workdays: np.ndarray  # int64, days since 1970-01-01 of every working day, ascending
    year_provisional: np.ndarray  # bool, index year - FIRST_YEAR
    provisional_cum: np.ndarray  # int64, len n_years + 1: provisional years before index
    statuses: dict  # year → status for the years that have a CalendarYear row
    checked_at: float = 0.0
    volatile: bool = False  # read inside a transaction that wrote calendar rows
    transaction_key: tuple | None = None  # that transaction's state (see _transaction_key)


_state: _Calendar | None = None
_state_lock = threading.Lock()
_local = threading.local()  # .pending: this thread's open transaction wrote calendar rows


_recheck: float | None = None  # cached setting; reset by setting_changed


def _recheck_seconds() -> float:
    global _recheck
    if _recheck is None:
        from django.conf import settings

        _recheck = float(
            getattr(settings, "YINGSHANG_CALENDAR_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS)
        )
    return _recheck


def _on_setting_changed(setting, **kwargs):
    global _recheck
    if setting == "YINGSHANG_CALENDAR_RECHECK_SECONDS":
        _recheck = None


def _read_rows() -> tuple:
    from .models import CalendarDay, CalendarYear

    years = tuple(CalendarYear.objects.order_by("year").values_list("year", "status"))
    days = tuple(CalendarDay.objects.order_by("date").values_list("date", "kind"))
    return years, days


def _build(rows: tuple) -> _Calendar:
    from .models import CalendarStatus, DayKind

    years, days = rows
    epoch_days = np.arange(_ORIGIN, _END, dtype=np.int64)
    is_work = (epoch_days + 3) % 7 < 5  # 1970-01-01 was a Thursday; Monday = 0
    for day, kind in days:
        index = day.toordinal() - _EPOCH_ORDINAL - _ORIGIN
        if 0 <= index < _SPAN:
            is_work[index] = kind == DayKind.MAKEUP
    year_provisional = np.ones(LAST_YEAR - FIRST_YEAR + 1, dtype=bool)
    for year, status in years:
        if FIRST_YEAR <= year <= LAST_YEAR:
            year_provisional[year - FIRST_YEAR] = status != CalendarStatus.CONFIRMED
    cum_le = np.cumsum(is_work, dtype=np.int64)
    return _Calendar(
        rows=rows,
        is_work=is_work,
        cum_le=cum_le,
        packed=(cum_le - is_work) * 2 + ~is_work,
        workdays=np.flatnonzero(is_work).astype(np.int64) + _ORIGIN,
        year_provisional=year_provisional,
        provisional_cum=np.concatenate(([0], np.cumsum(year_provisional, dtype=np.int64))),
        statuses=dict(years),
    )


def _transaction_key() -> tuple:
    """Identifies "this thread's open transaction, as of its last calendar write": the write
    count and the open atomic blocks (a rolled-back block leaves the list, a new transaction has
    new block objects; the tuple keeps them referenced, so identities cannot be reused)."""
    return getattr(_local, "writes", 0), tuple(connection.atomic_blocks)


def _calendar() -> _Calendar:
    """The current calendar, re-checked against the database when due (see module docstring)."""
    global _state
    pending = getattr(_local, "pending", False)
    if pending and not connection.in_atomic_block:
        # The transaction that wrote calendar rows has ended (committed or rolled back).
        _local.pending = pending = False
    state = _state
    now = time.monotonic()
    fresh = state is not None and now - state.checked_at < _recheck_seconds()
    if pending:
        # Inside a transaction that wrote calendar rows: trust only a calendar loaded in this
        # very transaction state, since the writes may still be rolled back.
        key = _transaction_key()
        if fresh and state.volatile and state.transaction_key == key:
            return state
    elif fresh and not state.volatile:
        return state
    with _state_lock:
        rows = _read_rows()
        state = _state
        if state is None or state.rows != rows:
            state = _build(rows)
        state.checked_at = now
        state.volatile = pending
        state.transaction_key = key if pending else None
        _state = state
    return state


def invalidate_cache() -> None:
    """Forget the loaded calendar in this process; the next call reloads it."""
    global _state
    _state = None


def _on_calendar_write(sender, using=None, **kwargs):
    from django.db import transaction

    invalidate_cache()
    _local.pending = True
    _local.writes = getattr(_local, "writes", 0) + 1

    def committed():
        _local.pending = False
        invalidate_cache()

    transaction.on_commit(committed, using=using)


def _connect_signals():
    from django.core.signals import setting_changed
    from django.db.models import signals

    setting_changed.connect(_on_setting_changed, dispatch_uid="yingshang_workdays_setting")
    for model in ("workdays.CalendarDay", "workdays.CalendarYear"):
        for signal in (signals.post_save, signals.post_delete):
            signal.connect(
                _on_calendar_write,
                sender=model,
                weak=False,
                dispatch_uid=f"yingshang_workdays_{signal is signals.post_save}_{model}",
            )


_connect_signals()


# --------------------------------------------------------------------------------- conversions


def local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    """The Asia/Shanghai date of an aware instant; a plain date is returned unchanged."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("working-day maths needs an aware datetime, got a naive one")
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"expected a date or an aware datetime, got {type(value).__name__}")


def end_of_day(day: datetime.date) -> datetime.datetime:
    """23:59:59 Asia/Shanghai on ``day``."""
    return datetime.datetime.combine(day, _END_OF_DAY, tzinfo=SHANGHAI)


def _index(day: datetime.date) -> int:
    index = day.toordinal() - _EPOCH_ORDINAL - _ORIGIN
    if not 0 <= index < _SPAN:
        raise OutOfCalendarRange(
            f"{day} is outside the working-day calendar ({FIRST_YEAR}–{LAST_YEAR})"
        )
    return index


def _from_epoch(days: int) -> datetime.date:
    return datetime.date.fromordinal(int(days) + _EPOCH_ORDINAL)


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError("n must not be negative")
    return int(n)


def _workday_position(cal: _Calendar, index: int, n: int) -> int:
    """Position in ``cal.workdays`` of the due day (see add_working_days)."""
    position = int(cal.cum_le[index]) - 1 + n
    if n == 0 and not cal.is_work[index]:
        position += 1
    if position >= len(cal.workdays):
        raise OutOfCalendarRange(f"the due date lies after {LAST_YEAR}")
    return position


def _provisional(cal: _Calendar, first_year: int, last_year: int) -> bool:
    lo, hi = sorted((first_year, last_year))
    lo, hi = max(lo, FIRST_YEAR) - FIRST_YEAR, min(hi, LAST_YEAR) - FIRST_YEAR
    return bool(cal.provisional_cum[hi + 1] - cal.provisional_cum[lo] > 0)


# ------------------------------------------------------------------------------------ the API


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` (a date, or an aware datetime's Shanghai date) is a working day."""
    day = local_date(day)
    return bool(_calendar().is_work[_index(day)])


def is_provisional(first: datetime.date, last: datetime.date | None = None) -> bool:
    """True if any year from ``first``'s to ``last``'s (inclusive) has no confirmed arrangement."""
    first = local_date(first)
    last = local_date(last) if last is not None else first
    return _provisional(_calendar(), first.year, last.year)


def year_status(year: int) -> str | None:
    """The CalendarYear status of ``year``, or None if the year has no row (provisional)."""
    return _calendar().statuses.get(year)


def add_working_days(start: datetime.datetime, n: int) -> DueDate:
    """The end of the n-th working day after ``start``'s date (n = 0: the same working day, or
    the next working day if ``start`` falls on a rest day).

    Counting starts the day after ``start`` (受理之日的次日起算): Friday + 1 is the next Monday,
    and a Saturday + 1 is also Monday. ``provisional`` is True if any year from ``start``'s to the
    due date's is not confirmed. ``n`` must be ≥ 0.
    """
    n = _check_n(n)
    day = local_date(start)
    cal = _calendar()
    due = _from_epoch(cal.workdays[_workday_position(cal, _index(day), n)])
    return DueDate(due=end_of_day(due), provisional=_provisional(cal, day.year, due.year))


def working_days_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Working days in the half-open date interval (start's date, end's date].

    For n ≥ 1, ``working_days_between(s, add_working_days(s, n).due) == n``. If ``end`` is before
    ``start`` the result is negative (minus the working days in (end, start]).
    """
    cal = _calendar()
    i, j = _index(local_date(start)), _index(local_date(end))
    return int(cal.cum_le[j] - cal.cum_le[i])


def _as_day_array(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.datetime64):
        raise TypeError(f"{name} must be a datetime64 array, got dtype {array.dtype}")
    return array.astype("datetime64[D]", copy=False)


def _bulk_indices(days: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices into the day arrays; NaT positions are masked (index 0) and returned."""
    nat = np.isnat(days)
    has_nat = bool(nat.any())
    index = days.view(np.int64) - _ORIGIN
    if has_nat:
        index = np.where(nat, 0, index)
    if index.size and (int(index.min()) < 0 or int(index.max()) >= _SPAN):
        raise OutOfCalendarRange(
            f"{name} has dates outside the working-day calendar ({FIRST_YEAR}–{LAST_YEAR})"
        )
    return index, (nat if has_nat else None)


def add_working_days_bulk(start_days: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Vectorised add: ``start_days`` as datetime64[D], ``n`` ints → due dates datetime64[D].

    Same rule as ``add_working_days`` element by element (``n`` broadcasts against
    ``start_days``; NaT start days give NaT). Use ``provisional_bulk`` for the flags.
    """
    days = _as_day_array(start_days, "start_days")
    n = np.asarray(n)
    if not np.issubdtype(n.dtype, np.integer) or n.dtype == np.bool_:
        raise TypeError(f"n must be an integer array, got dtype {n.dtype}")
    days, n = np.broadcast_arrays(days, n)
    if days.size == 0:
        return np.empty(days.shape, dtype="datetime64[D]")
    n_min, n_max = int(n.min()), int(n.max())
    if n_min < 0:
        raise ValueError("n must not be negative")
    cal = _calendar()
    raw = days.view(np.int64)
    lo, hi = int(raw.min()), int(raw.max())
    nat = None
    if lo < _ORIGIN or hi >= _END:  # NaT (the smallest int64) or out of range: slow path
        index, nat = _bulk_indices(days, "start_days")
        if nat is not None:
            n = np.where(nat, 0, n)
            valid = index[~nat]
            hi = int(valid.max()) + _ORIGIN if valid.size else _ORIGIN
    else:
        index = np.subtract(raw, _ORIGIN)  # buffer 1
    if int(cal.packed[hi - _ORIGIN] >> 1) + n_max >= len(cal.workdays):
        raise OutOfCalendarRange(f"a due date lies after {LAST_YEAR}")
    # packed = (position of the first working day >= the day) * 2 + (1 if a rest day)
    # due position = first + max(n - rest, 0): n = 0 keeps a working day or rolls forward,
    # n >= 1 counts from the day after (a rest day's first working day is already day 1).
    position = cal.packed.take(index, mode="clip")  # buffer 2
    rest = index  # reuse buffer 1
    np.bitwise_and(position, 1, out=rest)
    np.subtract(n, rest, out=rest)
    np.maximum(rest, 0, out=rest)
    np.right_shift(position, 1, out=position)
    position += rest
    due = cal.workdays.take(position, mode="clip", out=rest).view("datetime64[D]")
    if nat is not None:
        due[nat] = np.datetime64("NaT", "D")
    return due


def provisional_bulk(start_days: np.ndarray, due_days: np.ndarray) -> np.ndarray:
    """Element-wise ``is_provisional(start, due)`` for datetime64[D] arrays (NaT → False)."""
    starts = _as_day_array(start_days, "start_days")
    dues = _as_day_array(due_days, "due_days")
    starts, dues = np.broadcast_arrays(starts, dues)
    cal = _calendar()
    _, nat_s = _bulk_indices(starts, "start_days")
    _, nat_d = _bulk_indices(dues, "due_days")
    lo = starts.astype("datetime64[Y]").view(np.int64) + 1970 - FIRST_YEAR
    hi = dues.astype("datetime64[Y]").view(np.int64) + 1970 - FIRST_YEAR
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    nat = np.zeros(starts.shape, dtype=bool)
    for mask in (nat_s, nat_d):
        if mask is not None:
            nat |= mask
    if nat.any():
        lo, hi = np.where(nat, 0, lo), np.where(nat, 0, hi)
    result = cal.provisional_cum[hi + 1] - cal.provisional_cum[lo] > 0
    return result & ~nat


def working_days_in_year(year: int) -> int:
    """Working days in ``year`` by the current calendar."""
    cal = _calendar()
    first = _index(datetime.date(year, 1, 1))
    last = _index(datetime.date(year, 12, 31))
    return int(cal.cum_le[last] - (cal.cum_le[first - 1] if first else 0))


def year_overview(year: int) -> dict:
    """Everything the calendar page shows for ``year``: status, counts, exceptions and a month
    grid (weeks Monday-first; cells None outside the month)."""
    import calendar as pycalendar

    from django.utils.dates import MONTHS, WEEKDAYS_ABBR

    from .models import CalendarDay, CalendarStatus, CalendarYear, DayKind

    base = {
        "year": year,
        "supported": FIRST_YEAR <= year <= LAST_YEAR,
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
        "prev_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
    }
    if not base["supported"]:
        base.update(provisional=True, known=False, months=[], holidays=[], makeup_days=[])
        return base

    row = CalendarYear.objects.filter(year=year).first()
    exceptions = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    cal = _calendar()
    today = datetime.datetime.now(SHANGHAI).date()
    first = _index(datetime.date(year, 1, 1))

    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                working = bool(cal.is_work[first + day.timetuple().tm_yday - 1])
                entry = exceptions.get(day)
                if entry is not None and entry.kind == DayKind.HOLIDAY:
                    kind = "holiday"
                elif entry is not None and entry.kind == DayKind.MAKEUP:
                    kind = "makeup"
                else:
                    kind = "workday" if day.weekday() < 5 else "weekend"
                cells.append(
                    {
                        "date": day,
                        "day": day.day,
                        "kind": kind,
                        "working": working,
                        "name": entry.name if entry is not None else "",
                        "today": day == today,
                    }
                )
            weeks.append(cells)
        months.append({"number": month, "name": MONTHS[month], "weeks": weeks})

    working_days = working_days_in_year(year)
    days_in_year = 366 if pycalendar.isleap(year) else 365
    base.update(
        known=row is not None,
        status=row.status if row else CalendarStatus.PROVISIONAL,
        status_label=row.get_status_display() if row else CalendarStatus.PROVISIONAL.label,
        provisional=row is None or row.status != CalendarStatus.CONFIRMED,
        source=row.source if row else "",
        note=row.note if row else "",
        working_days=working_days,
        rest_days=days_in_year - working_days,
        stored_working_days=row.working_days if row else None,
        holidays=[
            {"date": d, "name": e.name}
            for d, e in sorted(exceptions.items())
            if e.kind == DayKind.HOLIDAY
        ],
        makeup_days=[
            {"date": d, "name": e.name}
            for d, e in sorted(exceptions.items())
            if e.kind == DayKind.MAKEUP
        ],
        weekday_names=[WEEKDAYS_ABBR[i] for i in range(7)],
        months=months,
    )
    return base
