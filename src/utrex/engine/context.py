"""What a validation run knows besides the records: school year, period, "today", the LEA, reference data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from ..reference.model import Lea, Reference
from ..spec import Period, Specification
from ..spec.model import weekday_on_or_after


def count_date(year: int, month: int, day: int) -> dt.date:
    """A count date: the given day, or the following Monday when it falls on a weekend."""
    return weekday_on_or_after(dt.date(year, month, day))


@dataclass
class Context:
    spec: Specification
    school_year: int  # ending year: 2013 is July 1, 2012 - June 30, 2013
    period: Period
    as_of: dt.date
    lea_number: str
    reference: Reference
    notes: list[str] = field(default_factory=list)

    # -- dates of the school year -------------------------------------------------------------
    @property
    def year_start(self) -> dt.date:
        return dt.date(self.school_year - 1, 7, 1)

    @property
    def year_end(self) -> dt.date:
        return dt.date(self.school_year, 6, 30)

    @property
    def prior_september_1(self) -> dt.date:
        """The age date of the S1 age rules: September 1 at the start of the school year."""
        return dt.date(self.school_year - 1, 9, 1)

    @property
    def october_1(self) -> dt.date:
        return count_date(self.school_year - 1, 10, 1)

    @property
    def december_1(self) -> dt.date:
        return count_date(self.school_year - 1, 12, 1)

    @property
    def special_ed_age_date(self) -> dt.date:
        """December SCRAM age date: Oct uses the forthcoming Dec 1, Dec the current one, Year-End the prior one.

        Within one school year all three are December 1 of the year the school year starts; monthly
        updates use the same date."""
        return dt.date(self.school_year - 1, 12, 1)

    # -- the submitting LEA -----------------------------------------------------------------------
    @cached_property
    def lea(self) -> Lea | None:
        return self.reference.leas.get(self.lea_number)

    @property
    def is_charter(self) -> bool:
        return self.lea is not None and self.lea.lea_type == "charter"

    @property
    def migrant_allowed(self) -> bool:
        return self.lea is not None and self.lea.migrant_allowed

    # -- reference lookups, computed once per run --------------------------------------------------
    @cached_property
    def lea_numbers(self) -> list[str]:
        return list(self.reference.leas)

    @cached_property
    def school_keys(self) -> list[str]:
        return self.reference.school_keys()

    @cached_property
    def school_grade_low(self) -> dict[str, int]:
        return {k[0] + k[1]: s.grade_low for k, s in self.reference.schools.items()}

    @cached_property
    def school_grade_high(self) -> dict[str, int]:
        return {k[0] + k[1]: s.grade_high for k, s in self.reference.schools.items()}

    @cached_property
    def school_types(self) -> dict[str, str]:
        return {k[0] + k[1]: s.school_type for k, s in self.reference.schools.items()}

    @cached_property
    def active_core_codes(self) -> list[str]:
        return [c for c, v in self.reference.core_codes.items() if v.active]

    @cached_property
    def inactive_core_codes(self) -> list[str]:
        return [c for c, v in self.reference.core_codes.items() if not v.active]

    @cached_property
    def core_code_grade_high(self) -> dict[str, int]:
        return {c: v.grade_high for c, v in self.reference.core_codes.items()}

    @cached_property
    def language_codes(self) -> list[str]:
        return list(self.reference.languages)

    @property
    def ssids_loaded(self) -> bool:
        return self.reference.ssids is not None

    @cached_property
    def active_ssid_locations(self) -> list[str]:
        return self.reference.active_ssid_locations()

    # -- values that message templates may name as {ctx_*} -----------------------------------------
    def message_vars(self) -> dict[str, str]:
        return {
            "ctx_school_year": str(self.school_year),
            "ctx_year_start": self.year_start.isoformat(),
            "ctx_year_end": self.year_end.isoformat(),
            "ctx_period": self.period.value,
            "ctx_as_of": self.as_of.isoformat(),
            "ctx_lea": self.lea_number,
            "ctx_sep1": self.prior_september_1.isoformat(),
            "ctx_sped_age_date": self.special_ed_age_date.isoformat(),
        }
