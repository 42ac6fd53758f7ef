"""When a schedule is due: its local first date and time, its recurrence, in the LEA's time zone.

Pure functions of the clock (no "now" inside), so tests drive them with any instants. Every run starts at
the same local wall-clock time (the guide: "each subsequent collection will begin at this same time"),
so across a DST change the UTC instant moves by an hour. A local time that does not exist (the spring
gap) is read with the offset before the change (zoneinfo fold=0: 02:30 becomes 03:30 daylight time); one
that happens twice (the autumn overlap) runs once, at the first. `monthly:31` runs on the last day of
shorter months.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


class RecurrenceError(ValueError):
    pass


@dataclass(frozen=True)
class Recurrence:
    kind: str  # once | daily | weekdays | weekly | monthly
    days: tuple[int, ...] = ()  # weekly: weekday numbers (Monday 0); monthly: (day of month,)

    def __str__(self) -> str:
        if self.kind == "weekly":
            return "weekly:" + ",".join(DAYS[d] for d in self.days)
        if self.kind == "monthly":
            return f"monthly:{self.days[0]}"
        return self.kind

    def matches(self, day: dt.date) -> bool:
        if self.kind in ("daily", "once"):
            return True
        if self.kind == "weekdays":
            return day.weekday() < 5
        if self.kind == "weekly":
            return day.weekday() in self.days
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(self.days[0], last)


def parse(every: str) -> Recurrence:
    """`once`, `daily`, `weekdays`, `weekly:MON,THU` or `monthly:15`."""
    text = every.strip().lower()
    if text in ("once", "daily", "weekdays"):
        return Recurrence(text)
    kind, _, arg = text.partition(":")
    if kind == "weekly" and arg:
        names = [a.strip().upper()[:3] for a in arg.split(",") if a.strip()]
        bad = [n for n in names if n not in DAYS]
        if bad or not names:
            raise RecurrenceError(f"--every {every!r}: weekly takes days MON,TUE,WED,THU,FRI,SAT,SUN")
        return Recurrence("weekly", tuple(sorted({DAYS.index(n) for n in names})))
    if kind == "monthly" and arg.strip().isdigit() and 1 <= int(arg) <= 31:
        return Recurrence("monthly", (int(arg),))
    raise RecurrenceError(f"--every {every!r}: use once, daily, weekdays, weekly:MON,THU or monthly:1-31")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(f"unknown time zone {name!r} (an IANA name such as America/Denver)") from None


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local date and wall-clock time (fold=0; see the module docstring)."""
    local = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(dt.UTC)


def occurrences(start_date: dt.date, at: dt.time, tz_name: str, every: str | Recurrence) -> Iterator[dt.datetime]:
    """Every due instant (UTC) of a schedule, in order, from its first date on (endless unless `once`)."""
    rec = parse(every) if isinstance(every, str) else every
    tz = zone(tz_name)
    if rec.kind == "once":
        yield local_instant(start_date, at, tz)
        return
    day = start_date
    while True:
        if rec.matches(day):
            yield local_instant(day, at, tz)
        day += dt.timedelta(days=1)


def due_between(start_date: dt.date, at: dt.time, tz_name: str, every: str | Recurrence,
                after: dt.datetime | None, until: dt.datetime) -> list[dt.datetime]:
    """The due instants t with `after` < t <= `until` (all UTC; `after` None: from the first)."""
    out: list[dt.datetime] = []
    for t in occurrences(start_date, at, tz_name, every):
        if t > until:
            break
        if after is None or t > after:
            out.append(t)
    return out


def next_due(start_date: dt.date, at: dt.time, tz_name: str, every: str | Recurrence,
             after: dt.datetime) -> dt.datetime | None:
    for t in occurrences(start_date, at, tz_name, every):
        if t > after:
            return t
    return None
