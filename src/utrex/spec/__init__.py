"""The Clearinghouse specification as data, versioned by school year."""

from __future__ import annotations

from .layouts_2013 import SPEC_2013
from .model import ALL_PERIODS, CodeSet, Field, Kind, Period, RecordLayout, Specification

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


__all__ = [
    "ALL_PERIODS",
    "CodeSet",
    "Field",
    "Kind",
    "Period",
    "RecordLayout",
    "SPECIFICATIONS",
    "Specification",
    "spec_for",
]
