"""Periods of the time series: day, week (Monday start), month, quarter, year."""

from __future__ import annotations

import datetime

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
