"""The Clearinghouse specification as data, versioned by school year."""

from __future__ import annotations

from .layouts_2013 import SPEC_2013
from .model import (
    ALL_PERIODS,
    CodeSet,
    Deadline,
    Field,
    Kind,
    Period,
    PeriodDates,
    PeriodPolicy,
    RecordLayout,
    SchoolDate,
    Specification,
)
from .periods_2013 import POLICIES

SPECIFICATIONS: dict[int, Specification] = {SPEC_2013.school_year: SPEC_2013}
DEFAULT_SCHOOL_YEAR = 2013


def spec_for(school_year: int | None = None) -> Specification:
    """The specification in force for a school year: the exact one, else the latest earlier one, else the first.

    A new school year's specification is added to SPECIFICATIONS; files of years without their own keep
    the nearest earlier layout (the state publishes a new one only when something changes)."""
    if school_year is None:
        return SPECIFICATIONS[DEFAULT_SCHOOL_YEAR]
    if school_year in SPECIFICATIONS:
        return SPECIFICATIONS[school_year]
    earlier = [y for y in SPECIFICATIONS if y <= school_year]
    return SPECIFICATIONS[max(earlier) if earlier else min(SPECIFICATIONS)]


def period_policy(school_year: int | None = None, name: str | None = None) -> PeriodPolicy:
    """The reporting-period policy `name`, else the one the school year's specification declares."""
    if name is not None:
        if name not in POLICIES:
            raise KeyError(f"no period policy {name!r} (known: {', '.join(POLICIES)})")
        return POLICIES[name]
    policy = spec_for(school_year).period_policy
    assert policy is not None, "every specification declares its period policy"
    return policy


__all__ = [
    "ALL_PERIODS",
    "CodeSet",
    "Deadline",
    "Field",
    "Kind",
    "POLICIES",
    "Period",
    "PeriodDates",
    "PeriodPolicy",
    "RecordLayout",
    "SPECIFICATIONS",
    "SchoolDate",
    "Specification",
    "period_policy",
    "spec_for",
]
