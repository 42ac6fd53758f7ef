"""The shape of a Clearinghouse specification: record layouts, fields, code sets, periods.

Declarations only: this module imports nothing of the project, and the parser, the rule catalogue,
`utrex spec` and the docs are all derived from instances of these classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Period(StrEnum):
    """A reporting period of an update, from the DI's WHICH MONTH (or `--period`)."""

    OCTOBER = "october"
    DECEMBER = "december"
    YEAR_END = "year-end"
    MONTHLY = "monthly"


ALL_PERIODS: frozenset[Period] = frozenset(Period)


class Kind(StrEnum):
    """How a field's characters are to be read."""

    LITERAL = "literal"  # a fixed string (record ids, the DI's ",YR=" / ",OK=")
    CODE = "code"  # one value of a code set
    DATE = "date"  # YYYYMMDD
    DATETIME = "datetime"  # YYYY-MM-DD HH:MM:SS.fff
    MMDD = "mmdd"  # month and day
    NUMBER = "number"  # digits, right justified and zero filled
    IDENTIFIER = "identifier"  # digits, left justified with trailing blanks
    NAME = "name"  # letters, space, apostrophe, hyphen; left justified
    ALPHANUMERIC = "alphanumeric"  # letters and digits, left justified
    TEXT = "text"  # free text
    LEA = "lea"  # a two-digit LEA number
    SCHOOL = "school"  # a three-digit school number
    IGNORED = "ignored"  # in the layout but not used


def weekday_on_or_after(d: dt.date) -> dt.date:
    """A count date's rule: the day itself, or the following Monday when it falls on a weekend."""
    return d + dt.timedelta(days=7 - d.weekday()) if d.weekday() >= 5 else d


class Privacy(StrEnum):
    """Who may see a field's value once it is in the store (the specification's privacy rules)."""

    OPEN = "open"  # anyone authorised for the LEA, and the state's reports
    LEA_AND_SPECIAL_EDUCATION = "lea+special-education"  # the LEA's people and the state's special-education staff
    LEA_ONLY = "lea"  # the LEA's people; kept only where the specification allows; never in a state report


@dataclass(frozen=True)
class CodeSet:
    """Allowed values of a code field with their meanings (blank is listed as " " when allowed)."""

    name: str
    codes: Mapping[str, str]

    def values(self) -> list[str]:
        return list(self.codes)

    def describe(self) -> str:
        return ", ".join(f"{'blank' if c.strip() == '' else c} ({m})" for c, m in self.codes.items())

    def short(self) -> str:
        return ", ".join("blank" if c.strip() == "" else c for c in self.codes)


@dataclass(frozen=True)
class Field:
    """One field of a fixed-width record: 1-based inclusive columns."""

    id: str
    name: str
    start: int
    end: int
    kind: Kind
    required: frozenset[Period] = frozenset()
    condition: str = ""  # when the field is required beyond `required`, in the specification's words
    codes: CodeSet | None = None
    literal: str | None = None
    description: str = ""
    privacy: Privacy = Privacy.OPEN

    @property
    def width(self) -> int:
        return self.end - self.start + 1

    @property
    def offset(self) -> int:
        return self.start - 1

    def requirement(self) -> str:
        if self.required == ALL_PERIODS:
            return "required all updates"
        if self.required:
            return "required " + ", ".join(sorted(p.value for p in self.required))
        return "conditional" if self.condition else "optional"


@dataclass(frozen=True)
class RecordLayout:
    code: str  # "S1"
    name: str
    fields: tuple[Field, ...]
    section: str  # the specification's heading, for citations
    description: str = ""
    school_level: bool = True  # must follow an SC record
    # the fields that, with the LEA and school, name one record independently of its line (record_key)
    key: tuple[str, ...] = ()

    @property
    def length(self) -> int:
        return self.fields[-1].end

    @property
    def prefix(self) -> str:
        return f"{self.code}="

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"{self.code} has no field {field_id!r}")

    def field_ids(self) -> list[str]:
        return [f.id for f in self.fields]

    def has(self, field_id: str) -> bool:
        return any(f.id == field_id for f in self.fields)


@dataclass(frozen=True)
class Specification:
    """One school year's Clearinghouse specification."""

    school_year: int  # the ending year: 2013 means July 1, 2012 - June 30, 2013
    title: str
    revised: str
    record_types: tuple[RecordLayout, ...]
    required_record_types: Mapping[Period, tuple[str, ...]] = field(default_factory=dict)
    which_month: Mapping[str, Period] = field(default_factory=dict)
    period_policy: PeriodPolicy | None = None  # the reporting periods' dates and deadlines this year

    def layout(self, code: str) -> RecordLayout:
        for rt in self.record_types:
            if rt.code == code:
                return rt
        raise KeyError(code)

    @property
    def codes(self) -> list[str]:
        return [rt.code for rt in self.record_types]


# --- reporting periods: count dates, deadlines, extensions ------------------------------------------

@dataclass(frozen=True)
class SchoolDate:
    """A day named by month and day, placed in a school year: July-December in the year the school
    year starts, January-June in the year it ends; `after_end` for a summer day after it (July 8)."""

    month: int
    day: int
    after_end: bool = False

    def on(self, school_year: int) -> dt.date:
        year = school_year if self.month <= 6 or self.after_end else school_year - 1
        return dt.date(year, self.month, self.day)

    def describe(self) -> str:
        return dt.date(2000, self.month, self.day).strftime("%B ") + str(self.day)


@dataclass(frozen=True)
class Deadline:
    """A last day (inclusive): `day` itself, or the `business_days_after` weekday after it."""

    day: SchoolDate
    business_days_after: int = 0

    def on(self, school_year: int) -> dt.date:
        d = self.day.on(school_year)
        left = self.business_days_after
        while left:
            d += dt.timedelta(days=1)
            left -= d.weekday() < 5  # Monday-Friday; no holiday calendar is declared
        return d

    def describe(self) -> str:
        if not self.business_days_after:
            return self.day.describe()
        return f"{self.business_days_after} business days after {self.day.describe()}"


@dataclass(frozen=True)
class PeriodDates:
    """One reporting period's dates: the count (snapshot) date, the first finalization's deadline
    (`due`), the last day a finalization may be replaced (`revise_until`, default `due`) and the day the
    state analyses the data on or after."""

    period: Period
    title: str
    count: SchoolDate
    due: Deadline
    analysis: SchoolDate
    revise_until: Deadline | None = None
    weekend_moves_count: bool = True  # a count date on a weekend moves to the following Monday
    extensions_by: str = ""  # who grants an extension, as the specification names them

    def count_date(self, school_year: int) -> dt.date:
        d = self.count.on(school_year)
        return weekday_on_or_after(d) if self.weekend_moves_count else d

    def due_date(self, school_year: int) -> dt.date:
        return self.due.on(school_year)

    def revise_until_date(self, school_year: int) -> dt.date:
        return (self.revise_until or self.due).on(school_year)


@dataclass(frozen=True)
class PeriodPolicy:
    """The state's rules for the reporting periods: their dates and whether an LEA may get an extension."""

    name: str
    description: str
    source: str  # where the rules are written, for citations
    periods: tuple[PeriodDates, ...]
    extensions: bool = True

    def dates(self, period: Period | str) -> PeriodDates:
        for p in self.periods:
            if p.period == Period(period):
                return p
        raise KeyError(f"policy {self.name!r} has no period {Period(period).value!r}")
