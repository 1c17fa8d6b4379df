"""Periods of the time series: day, week (Monday start), month, quarter, year.

``Period`` (kind + first day + last day) is the one value passed between the dashboards, the
drill-down, the reports, the API and the pages; the module functions below are its arithmetic
(and what the vectorised computation in ``compute`` uses on arrays of period starts).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

KINDS = ("day", "week", "month", "quarter", "year")


def period_start(kind: str, day: datetime.date) -> datetime.date:
    if kind == "day":
        return day
    if kind == "week":
        return day - datetime.timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if kind == "year":
        return datetime.date(day.year, 1, 1)
    raise ValueError(f"unknown period kind {kind!r}")


def next_start(kind: str, start: datetime.date) -> datetime.date:
    if kind == "day":
        return start + datetime.timedelta(days=1)
    if kind == "week":
        return start + datetime.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    m = start.month - 1 + months
    return datetime.date(start.year + m // 12, m % 12 + 1, 1)


def period_end(kind: str, start: datetime.date) -> datetime.date:
    return next_start(kind, start) - datetime.timedelta(days=1)


def overlapping(kind: str, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Starts of the periods of ``kind`` that overlap [start, end]."""
    out = []
    p = period_start(kind, start)
    while p <= end:
        out.append(p)
        p = next_start(kind, p)
    return out


def label(kind: str, start: datetime.date) -> str:
    if kind == "day":
        return start.isoformat()
    if kind == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def parse_label(kind: str, text: str) -> datetime.date:
    """Inverse of ``label`` (also accepts any ISO date inside the period)."""
    text = text.strip()
    try:
        if kind == "week" and "-W" in text:
            y, w = text.split("-W")
            return datetime.date.fromisocalendar(int(y), int(w), 1)
        if kind == "quarter" and "-Q" in text:
            y, q = text.split("-Q")
            if not 1 <= int(q) <= 4:
                raise ValueError(text)
            return datetime.date(int(y), 3 * (int(q) - 1) + 1, 1)
        if kind == "month" and len(text) == 7:
            return datetime.date.fromisoformat(text + "-01")
        if kind == "year" and len(text) == 4:
            return datetime.date(int(text), 1, 1)
        return period_start(kind, datetime.date.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"bad {kind} period {text!r}") from exc


def starts_array(kind: str, days: np.ndarray) -> np.ndarray:
    """Vectorised ``period_start`` over datetime64[D] values."""
    if kind == "day":
        return days
    if kind == "week":
        # 1970-01-01 was a Thursday: Monday-based weekday = (d + 3) % 7
        n = days.astype("int64")
        return (n - (n + 3) % 7).astype("datetime64[D]")
    if kind == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    if kind == "quarter":
        months = days.astype("datetime64[M]").astype("int64")
        return (months - months % 3).astype("datetime64[M]").astype("datetime64[D]")
    if kind == "year":
        return days.astype("datetime64[Y]").astype("datetime64[D]")
    raise ValueError(kind)


@dataclass(frozen=True, order=True)
class Period:
    """One period: its ``kind`` (one of ``KINDS``), first day ``start`` and last day ``end``."""

    kind: str
    start: datetime.date
    end: datetime.date

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if period_start(self.kind, self.start) != self.start or self.end != period_end(
            self.kind, self.start
        ):
            raise ValueError(f"{self.start}–{self.end} is not a {self.kind}")

    @classmethod
    def of(cls, kind: str, day: datetime.date) -> Period:
        """The period of ``kind`` containing ``day``."""
        start = period_start(kind, day)
        return cls(kind, start, period_end(kind, start))

    @classmethod
    def parse(cls, kind: str, text: str) -> Period:
        """From a label (2026-10, 2026-Q4, 2026-W42, 2026 …) or any ISO date inside the
        period; ValueError for a bad kind or text."""
        if kind not in KINDS:
            raise ValueError(f"unknown period kind {kind!r}")
        return cls.of(kind, parse_label(kind, text))

    @classmethod
    def overlapping(cls, kind: str, start: datetime.date, end: datetime.date) -> list[Period]:
        """The periods of ``kind`` that overlap [start, end]."""
        return [cls(kind, s, period_end(kind, s)) for s in overlapping(kind, start, end)]

    @property
    def label(self) -> str:
        return label(self.kind, self.start)

    def next(self) -> Period:
        return Period.of(self.kind, self.end + datetime.timedelta(days=1))

    def previous(self) -> Period:
        return Period.of(self.kind, self.start - datetime.timedelta(days=1))

    def last(self, n: int) -> list[Period]:
        """The ``n`` periods ending with this one, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous())
        return out[::-1]

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label
