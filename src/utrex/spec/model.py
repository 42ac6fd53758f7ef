"""The shape of a Clearinghouse specification: record layouts, fields, code sets, periods.

Declarations only: this module imports nothing of the project, and the parser, the rule catalogue,
`utrex spec` and the docs are all derived from instances of these classes.
"""

from __future__ import annotations

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

    def layout(self, code: str) -> RecordLayout:
        for rt in self.record_types:
            if rt.code == code:
                return rt
        raise KeyError(code)

    @property
    def codes(self) -> list[str]:
        return [rt.code for rt in self.record_types]
