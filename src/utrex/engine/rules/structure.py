"""File-structure rules (record type FILE). Those with a check run on every record type's frame; the
others are produced by the reader, the parser and the validator and are declared here for the catalogue."""

from __future__ import annotations

import polars as pl

from ..parser import BEYOND_BLANK, BEYOND_TEXT
from .common import ERROR, WARNING, ex, rule
from .model import Rule, Severity

CITE = "General Data File Structure"
UPLOAD = "Note 1 (mandatory upload times): records required"


def declared(id: str, message: str, severity: Severity, citation: str, title: str, fields: tuple[str, ...] = ()) -> Rule:
    return Rule(id=id, record_type="FILE", fields=fields, severity=severity, message=message, citation=citation,
                check=None, title=title, tags=("structure",), applies_to_resident_x=True)


def rules() -> list[Rule]:
    return [
        rule("FILE.short_record", "FILE", ["record_id"],
             "Record is {_len} characters long; the layout has {_layout_len}. It was padded with blanks",
             CITE, lambda ctx: pl.col("_len") < pl.col("_layout_len"), severity=WARNING,
             title="Record shorter than its layout", tags=["structure"], applies_to_resident_x=True,
             examples=[ex({"__truncate__": "-5"})]),
        rule("FILE.long_record", "FILE", ["record_id"],
             "Record is {_len} characters long; the layout has {_layout_len} and the characters beyond it are not blank",
             CITE, lambda ctx: pl.col("_beyond") == BEYOND_TEXT,
             title="Record longer than its layout", tags=["structure"], applies_to_resident_x=True,
             examples=[ex({"__append__": "EXTRA"})]),
        rule("FILE.trailing_blanks", "FILE", ["record_id"],
             "Record is {_len} characters long; the layout has {_layout_len} (the extra characters are blanks)",
             CITE, lambda ctx: pl.col("_beyond") == BEYOND_BLANK,
             severity=WARNING, title="Blanks beyond the layout", tags=["structure"], applies_to_resident_x=True,
             examples=[ex({"__append__": "     "})]),
        rule("FILE.no_school", "FILE", ["record_id"],
             "This record comes before any SC record; every student, course and incident record must follow "
             "the SC record of its school",
             CITE, lambda ctx: pl.col("_school_ctx").is_null() & pl.col("_school_level"),
             title="School-level record before any SC", tags=["structure"], applies_to_resident_x=True),
        declared("FILE.di_first", "The first record must be the DI record; line {line} holds '{record_id}'",
                 ERROR, CITE, "DI is the first record", ("record_id",)),
        declared("FILE.di_repeated", "A second DI record; a file holds one LEA's update and only one DI",
                 ERROR, CITE, "Only one DI record"),
        declared("FILE.sc_after_di", "The record after the DI must be an SC record", ERROR, CITE,
                 "SC follows the DI", ("record_id",)),
        declared("FILE.unknown_record_type", "Unknown record type", ERROR, CITE, "Known record types",
                 ("record_id",)),
        declared("FILE.blank_line", "Blank line", WARNING, CITE, "No blank lines"),
        declared("FILE.invalid_character", "Bytes that are not printable ASCII", ERROR,
                 "Note 3 (BLANK means the ASCII space, hex 20, not NUL)", "Printable ASCII only"),
        declared("FILE.lf_terminator", "Lines end with LF alone; each record should end with CR LF", WARNING, CITE,
                 "CR LF terminators"),
        declared("FILE.missing_terminator", "The last line has no terminator", WARNING, CITE, "Last line terminated"),
        declared("FILE.required_record_type", "A record type required for this update is missing", ERROR, UPLOAD,
                 "Required record types of the update", ("record_id",)),
        declared("FILE.i1_without_i2", "I1 records without any I2 record", ERROR, UPLOAD,
                 "I2 records accompany I1 records", ("record_id",)),
    ]
