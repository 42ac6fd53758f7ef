"""Polars expression helpers for writing rules: every helper returns an expression over one frame.

Field columns hold the raw characters of the field (exactly `width` characters, blank padded). The
engine also adds, before the rules run:
- `<field>__date` (pl.Date, null unless exactly eight digits forming a valid calendar date) for date fields,
- `<field>__int` (Int64, null unless the field is digits) for number and identifier fields,
- `_grade` (Int64: PK/-1 -> -1, 00..12; null otherwise) on S1,
- `_lea_ctx` (the DI's LEA number) and `_school_ctx` (the school number of the SC above the record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from ...spec import Field, Kind

DIGITS = r"^[0-9]+$"


def col(field_id: str) -> pl.Expr:
    return pl.col(field_id)


def stripped(field_id: str) -> pl.Expr:
    return pl.col(field_id).str.strip_chars(" ")


def blank(field_id: str) -> pl.Expr:
    """The field holds only blanks."""
    return stripped(field_id) == ""


def present(field_id: str) -> pl.Expr:
    return ~blank(field_id)


def is_in(field_id: str, values: Iterable[str]) -> pl.Expr:
    return pl.col(field_id).is_in(list(values))


def stripped_in(field_id: str, values: Iterable[str]) -> pl.Expr:
    return stripped(field_id).is_in([v.strip() for v in values])


def date(field_id: str) -> pl.Expr:
    return pl.col(f"{field_id}__date")


def integer(field_id: str) -> pl.Expr:
    return pl.col(f"{field_id}__int")


def grade() -> pl.Expr:
    return pl.col("_grade")


def lit_date(d: dt.date) -> pl.Expr:
    return pl.lit(d, dtype=pl.Date)


def all_digits(field_id: str) -> pl.Expr:
    return pl.col(field_id).str.contains(DIGITS)


def left_justified_digits(field_id: str) -> pl.Expr:
    """Digits from the first column, then only trailing blanks (student numbers, SSIDs, teacher ids)."""
    return pl.col(field_id).str.contains(r"^[0-9]+ *$")


def age_on(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Whole years of age on a date, from a pl.Date birth date expression."""
    before_birthday = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) > (on.month * 100 + on.day)
    return pl.lit(on.year) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def _leading_digit(c: pl.Expr, low: str = "0") -> pl.Expr:
    first = c.str.slice(0, 1)
    return (first >= pl.lit(low)) & (first <= pl.lit("9"))


def derived_columns(fields: Iterable[Field]) -> list[pl.Expr]:
    """The typed views of raw fields the rules read (see module docstring).

    "Only digits" is tested as "starts with a digit and casts to an integer" (a cast accepts no blanks,
    signs or other characters after the first): the same answer as a regex at a third of the cost."""
    out: list[pl.Expr] = []
    for f in fields:
        if f.kind == Kind.DATE:
            c = pl.col(f.id)
            eight_digits = (c.str.len_bytes() == 8) & _leading_digit(c, "1") \
                & (c.cast(pl.Int64, strict=False) >= 19000000)
            out.append(
                pl.when(eight_digits)
                .then(c.str.to_date("%Y%m%d", strict=False))
                .otherwise(None)
                .alias(f"{f.id}__date")
            )
        elif f.kind in (Kind.NUMBER, Kind.IDENTIFIER):
            c = pl.col(f.id).str.strip_chars(" ")
            out.append(
                pl.when(_leading_digit(c))
                .then(c.cast(pl.Int64, strict=False))
                .otherwise(None)
                .alias(f"{f.id}__int")
            )
    return out


GRADE_MAP = {"PK": -1, "-1": -1, **{f"{g:02d}": g for g in range(13)}}


def grade_column(field_id: str = "grade_level") -> pl.Expr:
    return pl.col(field_id).replace_strict(GRADE_MAP, default=None, return_dtype=pl.Int64).alias("_grade")
