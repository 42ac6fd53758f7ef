"""The privacy rules: what is blanked before a file is archived or loaded, and who sees what after.

The specification says to delete the Social Security Number of a student below 12th grade: every S1
line whose grade level is PK, -1 or 00-11 has its SSN columns blanked, in place (lines, lengths and line
numbers unchanged), with numpy over the whole file: no loop over records.

Once stored, a field's `privacy` in the specification's layout (data, in utrex.spec) decides who sees it:
phone numbers the LEA's people and the state's special-education staff; the SSNs the store keeps (12th
grade) the LEA's people only. Every state report uses the `STATE` audience, which sees neither.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import polars as pl

from ..spec import spec_for
from ..spec.model import Field, Privacy

BELOW_12 = ("PK", "-1", *[f"{g:02d}" for g in range(12)])


def blank_young_ssns(data: bytes, school_year: int | None = None) -> tuple[bytes, int]:
    """The file with the SSN of every S1 record below grade 12 blanked, and how many were blanked."""
    layout = spec_for(school_year).layout("S1")
    ssn, grade = layout.field("ssn"), layout.field("grade_level")
    buf = np.frombuffer(data, dtype=np.uint8)
    if not buf.size:
        return data, 0
    sep = 10 if 10 in buf[: 1 << 20] or 13 not in buf else 13  # LF, or CR alone
    starts = np.concatenate(([0], np.flatnonzero(buf == sep) + 1))
    ends = np.concatenate((starts[1:] - 1, [buf.size]))  # exclusive: the separator or the end
    need = max(ssn.offset + ssn.width, grade.offset + grade.width)
    ok = (ends - starts) >= need
    starts = starts[ok]
    s1 = (buf[starts] == ord("S")) & (buf[starts + 1] == ord("1")) & (buf[starts + 2] == ord("="))
    starts = starts[s1]
    if not starts.size:
        return data, 0
    g = (buf[starts + grade.offset].astype(np.uint16) << 8) | buf[starts + grade.offset + 1]
    young = np.isin(g, [(ord(c[0]) << 8) | ord(c[1]) for c in BELOW_12])
    cols = starts[young][:, None] + ssn.offset + np.arange(ssn.width)
    present = (buf[cols] != ord(" ")).any(axis=1)
    cols = cols[present]
    if not cols.size:
        return data, 0
    out = buf.copy()
    out[cols.ravel()] = ord(" ")
    return out.tobytes(), int(cols.shape[0])


class Audience(StrEnum):
    """Who is looking at stored records: decides which private fields they see (spec `Field.privacy`)."""

    LEA = "lea"  # the LEA's own authorised people
    STATE_SPECIAL_EDUCATION = "state-special-education"  # the state's special-education staff
    STATE = "state"  # everyone else at the state, and every state report


SEES: dict[Audience, frozenset[Privacy]] = {
    Audience.LEA: frozenset(Privacy),
    Audience.STATE_SPECIAL_EDUCATION: frozenset({Privacy.OPEN, Privacy.LEA_AND_SPECIAL_EDUCATION}),
    Audience.STATE: frozenset({Privacy.OPEN}),
}


def hidden_fields(audience: Audience, school_year: int | None = None) -> dict[str, list[Field]]:
    """Per record type, the fields `audience` may not see."""
    spec = spec_for(school_year)
    return {code: hidden for code in spec.codes
            if (hidden := [f for f in spec.layout(code).fields if f.privacy not in SEES[audience]])}


def redact_text(text: pl.Expr, record_type: pl.Expr, audience: Audience, school_year: int | None = None) -> pl.Expr:
    """Record text with every field `audience` may not see blanked in place (lengths unchanged)."""
    out = text
    for code, fields in hidden_fields(audience, school_year).items():
        for f in fields:
            blanked = pl.concat_str([out.str.slice(0, f.offset), pl.lit(" " * f.width),
                                     out.str.slice(f.offset + f.width)])
            out = pl.when(record_type == code).then(blanked).otherwise(out)
    return out


def redact_columns(frame: pl.DataFrame, audience: Audience, school_year: int | None = None) -> pl.DataFrame:
    """A frame with a `record_type` column and one column per field id: hidden fields emptied on the rows
    of the record types that have them."""
    out = frame
    for code, fields in hidden_fields(audience, school_year).items():
        cols = [f.id for f in fields if f.id in out.columns]
        out = out.with_columns(pl.when(pl.col("record_type") == code).then(pl.lit(None, dtype=pl.Utf8))
                               .otherwise(pl.col(c)).alias(c) for c in cols)
    return out
