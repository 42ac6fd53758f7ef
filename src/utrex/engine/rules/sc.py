"""Level 1 rules of the SC record."""

from __future__ import annotations

import polars as pl

from ...spec.layouts_2013 import SC
from ..context import Context
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Rule

SECTION = SC.section
MAX_PLAUSIBLE_DAYS = 250  # five days a week for fifty weeks; Utah schools run about 180
LAST_DAY_MONTHS = ("05", "06", "07")


def _unknown_school(ctx: Context) -> pl.Expr:
    if ctx.lea_number not in ctx.lea_numbers:
        return pl.lit(False)  # DI.lea_number.state already reports the LEA; every school would repeat it
    key = pl.lit(ctx.lea_number) + pl.col("school_number")
    return E.all_digits("school_number") & ~key.is_in(ctx.school_keys)


def last_day(ctx: Context) -> pl.Expr:
    """Last Day of School as a date of the year the school year ends (null unless MMDD is a real day)."""
    c = pl.col("last_day_of_school")
    return pl.when(c.str.contains(r"^[0-9]{4}$")).then(
        (pl.lit(str(ctx.school_year)) + c).str.to_date("%Y%m%d", strict=False))


def rules() -> list[Rule]:
    return [
        *field_rules(SC),
        # -- school number ----------------------------------------------------------------------
        rule("SC.school_number.reference", "SC", ["school_number"],
             "School Number '{school_number}' is not a school of LEA {ctx_lea} in the state's school list",
             f"{SECTION}: School Number (Note)",
             _unknown_school,
             title="School number is a school of the LEA", tags=["reference"],
             examples=[ex({"school_number": "999"}, {"school_number": "790"})]),
        # -- days in school year ----------------------------------------------------------------
        rule("SC.days_in_school_year.positive", "SC", ["days_in_school_year"],
             "Days in School Year '{days_in_school_year}' must be greater than zero",
             f"{SECTION}: Days in School Year",
             lambda ctx: E.integer("days_in_school_year") == 0,
             title="Days in school year greater than zero",
             examples=[ex({"days_in_school_year": "000"}, {"days_in_school_year": "001"})]),
        rule("SC.days_in_school_year.plausible", "SC", ["days_in_school_year"],
             f"Days in School Year '{{days_in_school_year}}' is more than {MAX_PLAUSIBLE_DAYS}: days of classroom "
             "instruction, not calendar days, are expected",
             f"{SECTION}: Days in School Year",
             lambda ctx: E.all_digits("days_in_school_year") & (E.integer("days_in_school_year") > MAX_PLAUSIBLE_DAYS),
             severity=WARNING, title="Days in school year plausible",
             examples=[ex({"days_in_school_year": "251"}, {"days_in_school_year": "250"})]),
        # -- last day of school -----------------------------------------------------------------
        rule("SC.last_day_of_school.format", "SC", ["last_day_of_school"],
             "Last Day of School '{last_day_of_school}' must be four digits MMDD (leading zeros included)",
             f"{SECTION}: Last Day of School",
             lambda ctx: E.present("last_day_of_school") & ~pl.col("last_day_of_school").str.contains(r"^[0-9]{4}$"),
             title="Last day of school format", tags=["format"],
             examples=[ex({"last_day_of_school": "065 "}, {"last_day_of_school": "0605"}),
                       ex({"last_day_of_school": "JUN5"}, {"last_day_of_school": "0605"})]),
        rule("SC.last_day_of_school.date", "SC", ["last_day_of_school"],
             "Last Day of School '{last_day_of_school}' is not a real day (MMDD)",
             f"{SECTION}: Last Day of School",
             lambda ctx: pl.col("last_day_of_school").str.contains(r"^[0-9]{4}$") & last_day(ctx).is_null(),
             title="Last day of school valid day", tags=["date"],
             examples=[ex({"last_day_of_school": "0631"}, {"last_day_of_school": "0630"}),
                       ex({"last_day_of_school": "1305"}, {"last_day_of_school": "0531"})]),
        rule("SC.last_day_of_school.month", "SC", ["last_day_of_school"],
             "Last Day of School '{last_day_of_school}': the month must be 05, 06 or 07",
             f"{SECTION}: Last Day of School",
             lambda ctx: last_day(ctx).is_not_null()
             & ~pl.col("last_day_of_school").str.slice(0, 2).is_in(list(LAST_DAY_MONTHS)),
             title="Last day of school in May, June or July",
             examples=[ex({"last_day_of_school": "0430"}, {"last_day_of_school": "0501"}),
                       ex({"last_day_of_school": "0801"}, {"last_day_of_school": "0731"})]),
    ]
