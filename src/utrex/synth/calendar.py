"""School calendars and update dates of a synthetic school year.

Dates are day numbers (days since 1970-01-01, int64) so whole columns are compared and counted with
numpy. A calendar is the sorted array of its days in session; the days a student was in membership
between two dates are a difference of two `searchsorted` positions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..spec import Period
from ..spec.model import weekday_on_or_after

EPOCH = dt.date(1970, 1, 1)
NO_DATE = np.int64(1 << 40)  # "no date yet": later than any real date


def dnum(d: dt.date) -> int:
    return (d - EPOCH).days


def ddate(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def ymd(days: np.ndarray) -> np.ndarray:
    """YYYYMMDD integers of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    d = dt.date(year, month, 1)
    d += dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + dt.timedelta(weeks=n - 1)


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=(d.weekday() - weekday) % 7)


def _week_of(d: dt.date) -> list[dt.date]:
    monday = d - dt.timedelta(days=d.weekday())
    return [monday + dt.timedelta(days=i) for i in range(5)]


@dataclass(frozen=True)
class Calendar:
    """The days in session of one school for one school year."""

    days: np.ndarray  # int64 day numbers, ascending
    year_round: bool = False

    @property
    def length(self) -> int:
        return int(self.days.size)

    @property
    def first_day(self) -> dt.date:
        return ddate(self.days[0])

    @property
    def last_day(self) -> dt.date:
        return ddate(self.days[-1])

    @cached_property
    def term_starts(self) -> dict[str, int]:
        """Day indexes where quarters and semesters begin."""
        n = self.length
        return {"Q1": 0, "Q2": n // 4, "Q3": n // 2, "Q4": (3 * n) // 4, "S1": 0, "S2": n // 2, "YR": 0}

    def before(self, days: np.ndarray | int) -> np.ndarray:
        """Days in session strictly before each date."""
        return np.searchsorted(self.days, days, side="left")

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Days in session in [start, end) (0 where end <= start)."""
        return np.maximum(self.before(end) - self.before(start), 0)

    def day(self, idx: np.ndarray | int) -> np.ndarray:
        return self.days[np.clip(idx, 0, self.length - 1)]


def build_calendar(school_year: int, shift: int, days: int = 180, year_round: bool = False) -> Calendar:
    """A Utah-like calendar: late-August start (late July for year-round), the usual holidays.

    `shift` (0-6) moves the first day so LEAs differ; the last day is the `days`-th day in session."""
    y0, y1 = school_year - 1, school_year
    off: set[dt.date] = {
        _nth_weekday(y0, 9, 0, 1),  # Labor Day
        *_week_of(_nth_weekday(y0, 11, 3, 4))[2:],  # Thanksgiving Wednesday-Friday
        _nth_weekday(y1, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(y1, 2, 0, 3),  # Presidents' Day
        _last_weekday(y1, 5, 0),  # Memorial Day
    }
    fall = _nth_weekday(y0, 10, 3, 3)  # fall recess: the third Thursday and Friday of October
    off |= {fall, fall + dt.timedelta(days=1)}
    d = dt.date(y0, 12, 22)
    while d <= dt.date(y1, 1, 1):
        off.add(d)
        d += dt.timedelta(days=1)
    off |= set(_week_of(dt.date(y1, 3, 24) + dt.timedelta(weeks=shift % 2)))  # spring break
    if year_round:
        start = dt.date(y0, 7, 23) + dt.timedelta(days=shift)
        for first in (_nth_weekday(y0, 10, 0, 2), _nth_weekday(y1, 3, 0, 1)):  # two-week intersessions
            off |= set(_week_of(first)) | set(_week_of(first + dt.timedelta(weeks=1)))
    else:
        start = dt.date(y0, 8, 15) + dt.timedelta(days=shift)
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    out: list[int] = []
    d = start
    while len(out) < days:
        if d.weekday() < 5 and d not in off:
            out.append(dnum(d))
        d += dt.timedelta(days=1)
    cal = Calendar(np.asarray(out, dtype=np.int64), year_round)
    if cal.last_day.month not in (5, 6) or cal.last_day > dt.date(y1, 6, 29):
        raise ValueError(f"calendar of {days} days starting {start} ends {cal.last_day}")
    return cal


def count_date(year: int, month: int, day: int) -> dt.date:
    return weekday_on_or_after(dt.date(year, month, day))


WHICH_MONTH = {Period.OCTOBER: "OCT", Period.DECEMBER: "DEC", Period.YEAR_END: "EOY", Period.MONTHLY: "FEB"}


def as_of_date(period: Period, school_year: int) -> dt.date:
    """The extract date of an update: the October 1 / December 1 count date (a weekend moves it to
    Monday, so it is always the 1st-3rd), the first weekday from July 8 after the year for Year-End,
    and mid-February for the monthly update."""
    if period == Period.OCTOBER:
        return count_date(school_year - 1, 10, 1)
    if period == Period.DECEMBER:
        return count_date(school_year - 1, 12, 1)
    if period == Period.YEAR_END:
        return count_date(school_year, 7, 8)
    return count_date(school_year, 2, 14)
