"""Level 1 rules of the ES record (Exit Status Change).

ES records are accepted only in the July 15 - October 15 window, and not at all after the October 2012
submission (school year 2012-13's October update). The two rules are exclusive: an update after the cut-off
gets `ES.record_id.discontinued`, any other update dated outside the window gets `ES.record_id.window`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...spec import Period
from ...spec.layouts_2013 import ES
from ..context import Context
from . import expr as E
from .common import ex, field_rules, rule
from .model import Rule

SECTION = ES.section
LAST_SCHOOL_YEAR = 2013  # the October 2012 submission is the last to accept ES records
MIN_AGE, MAX_AGE = 3, 23
MIN_SSID = 1_000_000


def window(ctx: Context) -> tuple[dt.date, dt.date]:
    """July 15 - October 15 at the start of the school year."""
    return dt.date(ctx.school_year - 1, 7, 15), dt.date(ctx.school_year - 1, 10, 15)


def after_cutoff(ctx: Context) -> bool:
    """The update comes after the October 2012 submission."""
    if ctx.school_year != LAST_SCHOOL_YEAR:
        return ctx.school_year > LAST_SCHOOL_YEAR
    if ctx.period == Period.OCTOBER:
        return False
    if ctx.period in (Period.DECEMBER, Period.YEAR_END):
        return True
    return ctx.as_of > window(ctx)[1]  # a monthly update: after the October one once the window has closed


def outside_window(ctx: Context) -> bool:
    start, end = window(ctx)
    return not after_cutoff(ctx) and not start <= ctx.as_of <= end


def _valid_ssid() -> pl.Expr:
    return E.left_justified_digits("ssid") & (E.integer("ssid") > MIN_SSID)


def _ssid_not_located(ctx: Context) -> pl.Expr:
    if not ctx.ssids_loaded:
        return pl.lit(False)
    key = E.stripped("ssid") + pl.lit(f"|{ctx.lea_number}")
    return _valid_ssid() & ~key.is_in(ctx.active_ssid_locations)


def rules() -> list[Rule]:
    return [
        *field_rules(ES),
        # -- when ES records are accepted (context only: no field of the record can fix these) ----
        rule("ES.record_id.window", "ES", ["record_id"],
             "ES records are accepted only from July 15 to October 15 at the start of the school year; "
             "this update of school year {ctx_school_year} is as of {ctx_as_of}",
             f"{SECTION}: Appropriate use",
             lambda ctx: pl.lit(outside_window(ctx)),
             title="ES record within July 15 - October 15", tags=["context"],
             examples=[ex({}, {}, period="monthly", as_of="2012-07-01", passes_as_of="2012-08-01")]),
        rule("ES.record_id.discontinued", "ES", ["record_id"],
             "ES records are no longer accepted after the October 2012 submission; send the exit status change "
             "on the Student Record (S1) instead (this is a {ctx_period} update of school year {ctx_school_year})",
             f"{SECTION}: NOTE",
             lambda ctx: pl.lit(after_cutoff(ctx)),
             title="ES records discontinued after October 2012", tags=["context"],
             examples=[ex({}, {}, period="december", as_of="2012-12-01",
                          passes_period="october", passes_as_of="2012-10-01")]),
        # -- last name ---------------------------------------------------------------------------
        rule("ES.last_name.hyphens", "ES", ["last_name"],
             "Last Name '{last_name}' has more than one hyphen",
             f"{SECTION}: Last Name",
             lambda ctx: pl.col("last_name").str.count_matches("-") > 1,
             title="Last name at most one hyphen", tags=["format"],
             examples=[ex({"last_name": "ROE-DOE-POE"}, {"last_name": "ROE-DOE"})]),
        # -- birth date --------------------------------------------------------------------------
        rule("ES.birth_date.future", "ES", ["birth_date"],
             "Birth Date '{birth_date}' is not before the as-of date {ctx_as_of}: it can't be the current or a future date",
             f"{SECTION}: Birth Date",
             lambda ctx: E.date("birth_date") >= E.lit_date(ctx.as_of),
             title="Birth date before today", tags=["date"],
             examples=[ex({"birth_date": "20121001"}, {"birth_date": "20120930"})]),
        rule("ES.birth_date.age", "ES", ["birth_date"],
             f"Birth Date '{{birth_date}}': the age on {{ctx_sep1}} must be {MIN_AGE} to {MAX_AGE}",
             f"{SECTION}: Birth Date",
             lambda ctx: (E.date("birth_date") < E.lit_date(ctx.as_of))
             & ~E.age_on(E.date("birth_date"), ctx.prior_september_1).is_between(MIN_AGE, MAX_AGE),
             title=f"Age {MIN_AGE} to {MAX_AGE}",
             examples=[ex({"birth_date": "20090902"}, {"birth_date": "20090901"}),
                       ex({"birth_date": "19880901"}, {"birth_date": "19880902"})]),
        # -- SSID --------------------------------------------------------------------------------
        rule("ES.ssid.minimum", "ES", ["ssid"],
             f"Statewide Student ID '{{ssid}}' must be a number greater than {MIN_SSID:,}",
             f"{SECTION}: Statewide Student ID",
             lambda ctx: E.left_justified_digits("ssid") & (E.integer("ssid") <= MIN_SSID),
             title="SSID greater than 1,000,000",
             examples=[ex({"ssid": "1000000"}, {"ssid": "1000001"})]),
        rule("ES.ssid.location", "ES", ["ssid"],
             "Statewide Student ID '{ssid}' is not active or has no location row for LEA {ctx_lea} in the SSID database",
             f"{SECTION}: Statewide Student ID (Note)",
             _ssid_not_located,
             title="SSID active with a location row for the LEA", tags=["reference"],
             examples=[ex({"ssid": "9999999"}, {"ssid": "2345678"}, reference="ssids"),
                       ex({"ssid": "3456789"}, {"ssid": "2345678"}, reference="ssids")]),
    ]
