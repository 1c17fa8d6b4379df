"""Working-day calendar (工作日) — INTERFACE STUB. The calendar module replaces the bodies;
the names and signatures below are the contract other apps code against.

An instant is an aware datetime; working-day maths happens in Asia/Shanghai dates.
"""

import datetime
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DueDate:
    due: datetime.datetime  # aware; end of the due working day (23:59:59 Asia/Shanghai)
    provisional: bool  # True if any year it relied on has no confirmed arrangement


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def add_working_days(start: datetime.datetime, n: int) -> DueDate:
    """The end of the n-th working day after ``start``'s date (n = 0: the same working day, or
    the next working day if ``start`` falls on a rest day)."""
    raise NotImplementedError


def working_days_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Working days in the half-open date interval (start's date, end's date]."""
    raise NotImplementedError


def add_working_days_bulk(start_days: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Vectorised add: ``start_days`` as datetime64[D], ``n`` ints → due dates datetime64[D]."""
    raise NotImplementedError


def year_overview(year: int) -> dict:
    return {"year": year}
