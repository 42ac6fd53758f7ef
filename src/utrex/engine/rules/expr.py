"""Polars expression helpers for writing rules: every helper returns an expression over one frame.

Field columns hold the raw characters of the field (exactly `width` characters, blank padded). The
engine also adds, before the rules run:
- `<field>__date` (pl.Date, null unless exactly eight digits forming a valid calendar date) for date fields,
- `<field>__int` (Int64, null unless the field is digits) for number, identifier, LEA and school fields,
- `_grade` (Int64: PK/-1 -> -1, 00..12; null otherwise) on S1,
- `_lea_ctx` (the DI's LEA number) and `_school_ctx` (the school number of the SC above the record).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import polars as pl

from ...spec import SPECIFICATIONS, Field, Kind

DIGITS = r"^[0-9]+$"


def col(field_id: str) -> pl.Expr:
    return pl.col(field_id)


def stripped(field_id: str) -> pl.Expr:
    return pl.col(field_id).str.strip_chars(" ")


@functools.cache
def field_width(field_id: str) -> int | None:
    """The width of a field id, when every layout of every school year gives it the same width."""
    widths = {f.width for spec in SPECIFICATIONS.values() for code in spec.codes
              for f in spec.layout(code).fields if f.id == field_id}
    return widths.pop() if len(widths) == 1 else None


def blank(field_id: str) -> pl.Expr:
    """The field holds only blanks. The engine's frames hold every field at exactly its width (short
    records are padded), so that is one comparison with the blank field: stripping first allocates a new
    string per row, five to ten times the cost, and rules test blanks on every field of every record."""
    width = field_width(field_id)
    if width is None:
        return blank_trimmed(field_id)
    return pl.col(field_id) == " " * width


def blank_trimmed(field_id: str) -> pl.Expr:
    """The field holds only blanks, whatever its length (frames sliced from stored text of any length)."""
    return stripped(field_id) == ""


def present(field_id: str) -> pl.Expr:
    width = field_width(field_id)
    if width is None:
        return ~blank_trimmed(field_id)
    return pl.col(field_id) != " " * width


def code_in(field_id: str, width: int, values: Iterable[str]) -> pl.Expr:
    """The field, trailing blanks aside, is one of `values`: the field (exactly `width` characters in the
    engine's frames) against the values padded to that width, without a stripped copy of every row."""
    return pl.col(field_id).is_in([v.ljust(width) for v in values if len(v) <= width])


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


INTEGER_KINDS = frozenset({Kind.NUMBER, Kind.IDENTIFIER, Kind.LEA, Kind.SCHOOL})  # the kinds given `__int`
MAX_CAST_DIGITS = 18  # any run of this many digits fits an Int64


@functools.cache
def _typed_as_integer(field_id: str) -> bool:
    """The field is a number or identifier in every layout that has it, narrow enough to cast: the engine
    then adds `<field>__int`, non-null exactly when the field is blanks, digits, blanks."""
    shapes = [(f.kind, f.width) for spec in SPECIFICATIONS.values() for code in spec.codes
              for f in spec.layout(code).fields if f.id == field_id]
    return bool(shapes) and all(k in INTEGER_KINDS and w <= MAX_CAST_DIGITS for k, w in shapes)


def all_digits(field_id: str) -> pl.Expr:
    """Every character is a digit (`^[0-9]+$`). Read off the typed column where there is one: a regex
    costs three times as much, and these checks run on every numeric field of every record."""
    c = pl.col(field_id)
    if _typed_as_integer(field_id):
        return integer(field_id).is_not_null() & ~c.str.starts_with(" ") & ~c.str.ends_with(" ")
    return c.str.contains(DIGITS)


def left_justified_digits(field_id: str) -> pl.Expr:
    """Digits from the first column, then only trailing blanks (student numbers, SSIDs, teacher ids)."""
    c = pl.col(field_id)
    if _typed_as_integer(field_id):
        return integer(field_id).is_not_null() & ~c.str.starts_with(" ")
    return c.str.contains(r"^[0-9]+ *$")


def age_on(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Whole years of age on a date, from a pl.Date birth date expression."""
    before_birthday = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) > (on.month * 100 + on.day)
    return pl.lit(on.year) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def derived_columns(fields: Iterable[Field]) -> list[pl.Expr]:
    """The typed views of raw fields the rules read (see module docstring).

    "Only digits" is tested as "casts to an integer and has no sign" (a cast accepts no blanks or other
    characters, only a leading sign): the same answer as a regex at a third of the cost."""
    out: list[pl.Expr] = []
    for f in fields:
        if f.kind == Kind.DATE:
            c = pl.col(f.id)
            # eight characters that cast to at least 19000000 are eight digits (a sign leaves seven)
            eight_digits = (c.str.len_bytes() == 8) & (c.cast(pl.Int64, strict=False) >= 19000000)
            out.append(
                pl.when(eight_digits)
                .then(c.str.to_date("%Y%m%d", strict=False))
                .otherwise(None)
                .alias(f"{f.id}__date")
            )
        elif f.kind in INTEGER_KINDS:
            c = pl.col(f.id).str.strip_chars(" ")
            out.append(
                pl.when(~c.str.starts_with("+") & ~c.str.starts_with("-"))
                .then(c.cast(pl.Int64, strict=False))
                .otherwise(None)
                .alias(f"{f.id}__int")
            )
    return out


GRADE_MAP = {"PK": -1, "-1": -1, **{f"{g:02d}": g for g in range(13)}}


def grade_column(field_id: str = "grade_level") -> pl.Expr:
    return pl.col(field_id).replace_strict(GRADE_MAP, default=None, return_dtype=pl.Int64).alias("_grade")
