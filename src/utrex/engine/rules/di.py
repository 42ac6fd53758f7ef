"""Level 1 rules of the DI record."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...spec import SPECIFICATIONS
from ...spec.layouts_2013 import DI
from ..context import Context
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Rule

SECTION = DI.section
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S%.3f"


def sisasof() -> pl.Expr:
    """SISASOFDATE as a datetime: null unless it has the exact format and is a real date and time."""
    c = pl.col("sisasofdate")
    return pl.when(c.str.contains(DATETIME_PATTERN)).then(c.str.to_datetime(DATETIME_FORMAT, strict=False))


def extract_window(ctx: Context) -> tuple[dt.date, dt.date]:
    """When an extract of the school year can plausibly be taken: July 1 of its first year to October 31
    after it ends (year-end corrections run through the summer and early fall)."""
    return ctx.year_start, dt.date(ctx.school_year, 10, 31)


def _outside_extract_window(ctx: Context) -> pl.Expr:
    # only where the DI's school year is the one the run uses (a malformed year is reported on its own)
    start, end = extract_window(ctx)
    return (pl.col("school_year") == str(ctx.school_year)) & ~sisasof().dt.date().is_between(
        E.lit_date(start), E.lit_date(end))


def _which_month_mismatch(ctx: Context) -> pl.Expr:
    month = E.stripped("which_month")
    known = ctx.spec.which_month
    other = [m for m, p in known.items() if p != ctx.period]
    return month.is_in(other)


def rules() -> list[Rule]:
    known_years = ", ".join(str(y) for y in sorted(SPECIFICATIONS))
    return [
        *field_rules(DI),
        # -- LEA number -------------------------------------------------------------------------
        rule("DI.lea_number.state", "DI", ["lea_number"],
             "LEA Number '{lea_number}' is not a state-assigned LEA number",
             f"{SECTION}: LEA Number",
             lambda ctx: E.all_digits("lea_number") & ~pl.col("lea_number").is_in(ctx.lea_numbers),
             title="LEA number is a state LEA", tags=["reference"],
             examples=[ex({"lea_number": "98"}, {"lea_number": "14"})]),
        # -- school year ------------------------------------------------------------------------
        rule("DI.school_year.supported", "DI", ["school_year"],
             f"School Year '{{school_year}}' has no specification in utrex (known: {known_years}); "
             "the records were checked against the nearest specification",
             f"{SECTION}: School Year",
             lambda ctx: E.all_digits("school_year") & ~E.integer("school_year").is_in(list(SPECIFICATIONS)),
             severity=WARNING, title="School year has a specification",
             examples=[ex({"school_year": "2014"}, {"school_year": "2013"})]),
        # -- which month ------------------------------------------------------------------------
        rule("DI.which_month.period", "DI", ["which_month"],
             "Which Month '{which_month}' names another update than the one validated ({ctx_period})",
             f"{SECTION}: Which Month",
             _which_month_mismatch,
             severity=WARNING, title="Which month matches the validated period",
             examples=[ex({"which_month": "OCT"}, {"which_month": "DEC"}, period="december")]),
        # -- SISASOFDATE ------------------------------------------------------------------------
        rule("DI.sisasofdate.format", "DI", ["sisasofdate"],
             "SISASOFDATE '{sisasofdate}' must have the format 'YYYY-MM-DD HH:MM:SS.fff'",
             f"{SECTION}: SISASOFDATE",
             lambda ctx: E.present("sisasofdate") & ~pl.col("sisasofdate").str.contains(DATETIME_PATTERN),
             title="SISASOFDATE format", tags=["format"],
             examples=[ex({"sisasofdate": "2012/10/01 10:14:46.000"}, {"sisasofdate": "2012-10-01 10:14:46.000"}),
                       ex({"sisasofdate": "2012-10-01"}, {"sisasofdate": "2012-10-01 00:00:00.000"})]),
        rule("DI.sisasofdate.datetime", "DI", ["sisasofdate"],
             "SISASOFDATE '{sisasofdate}' is not a real date and time",
             f"{SECTION}: SISASOFDATE",
             lambda ctx: pl.col("sisasofdate").str.contains(DATETIME_PATTERN) & sisasof().is_null(),
             title="SISASOFDATE valid date-time", tags=["date"],
             examples=[ex({"sisasofdate": "2012-02-30 10:14:46.000"}, {"sisasofdate": "2012-02-29 10:14:46.000"}),
                       ex({"sisasofdate": "2012-10-01 25:14:46.000"}, {"sisasofdate": "2012-10-01 23:59:59.999"})]),
        rule("DI.sisasofdate.school_year", "DI", ["sisasofdate", "school_year"],
             "SISASOFDATE '{sisasofdate}' is not a plausible extract date for school year {school_year} "
             "(expected {ctx_year_start} to October 31 after the year ends)",
             f"{SECTION}: SISASOFDATE",
             _outside_extract_window,
             severity=WARNING, title="SISASOFDATE within the school year",
             examples=[ex({"sisasofdate": "2012-06-30 23:59:59.000"}, {"sisasofdate": "2012-07-01 00:00:00.000"}),
                       ex({"sisasofdate": "2013-11-01 08:00:00.000"}, {"sisasofdate": "2013-10-31 08:00:00.000"})]),
        rule("DI.sisasofdate.after_as_of", "DI", ["sisasofdate"],
             "SISASOFDATE '{sisasofdate}' is after the as-of date {ctx_as_of} of this validation",
             f"{SECTION}: SISASOFDATE",
             lambda ctx: sisasof().dt.date() > E.lit_date(ctx.as_of),
             severity=WARNING, title="SISASOFDATE not after the as-of date",
             examples=[ex({"sisasofdate": "2012-10-02 08:00:00.000"}, {"sisasofdate": "2012-10-01 23:59:59.999"},
                          as_of="2012-10-01")]),
    ]

