"""Turns blocks of lines into one frame per record type, with line numbers and the school context.

Every record keeps `_line` (physical, 1-based), `_text` (exactly the layout's length: short records
padded with blanks), `_len` (characters as found), `_lea_ctx` (the DI's LEA) and `_school_ctx` (the
school number of the SC above it, carried across blocks). Fields are sliced by `field_columns`.
Findings that are not about one record type's fields (unknown types, bytes, DI placement) are made here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

try:  # pyarrow.compute.call_function itself: importing pyarrow.compute builds a wrapper for every compute
    from pyarrow._compute import call_function  # function first, 70 ms of every command's start
except ImportError:  # pragma: no cover - a pyarrow that moved it
    from pyarrow.compute import call_function

from ..spec import RecordLayout, Specification
from . import findings as fnd
from .reader import Block


class _ArrowArray:
    """An Arrow array handed to Polars through the Arrow C data interface: `pl.Series(pa.Array)` imports
    pyarrow.compute first (70 ms of every command's start) to coerce arrays these never need."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __arrow_c_array__(self, requested_schema: object | None = None) -> object:
        return self.array.__arrow_c_array__(requested_schema)


def field_columns(layout: RecordLayout, text: str = "_text") -> list[pl.Expr]:
    return [pl.col(text).str.slice(f.offset, f.width).alias(f.id) for f in layout.fields]


# the columns of every parsed frame, as `Parser.parse_block` and `record_context` make them
PARSED_SCHEMA = {"_line": pl.Int64, "_len": pl.Int64, "_text": pl.Utf8, "_school_ctx": pl.Utf8, "_lea_ctx": pl.Utf8,
                 "_layout_len": pl.Int64, "_school_level": pl.Boolean, "_beyond": pl.Int8}
BEYOND_NONE, BEYOND_BLANK, BEYOND_TEXT = 0, 1, 2  # `_beyond`: what a record holds past its layout's length


def record_context(layout: RecordLayout, lea: str, long_records: bool = True) -> list[pl.Expr]:
    """The columns every parsed frame carries besides `_line`, `_len`, `_text` and `_school_ctx`.

    `_beyond` says what the record holds past the layout's length (nothing, blanks, other characters),
    found here once instead of by slicing every record in the rules; `long_records=False` (no record of
    the frame is longer than its layout) makes it a constant."""
    length = layout.length
    if long_records:
        extra = pl.col("_text").str.slice(length, (pl.col("_len") - length).clip(lower_bound=0))
        beyond = (pl.when(pl.col("_len") <= length).then(pl.lit(BEYOND_NONE))
                  .when(extra.str.strip_chars(" ") == "").then(pl.lit(BEYOND_BLANK))
                  .otherwise(pl.lit(BEYOND_TEXT)).cast(pl.Int8))
    else:
        beyond = pl.lit(BEYOND_NONE, dtype=pl.Int8)
    return [pl.lit(lea, dtype=pl.Utf8).alias("_lea_ctx"), pl.lit(length, dtype=pl.Int64).alias("_layout_len"),
            pl.lit(layout.school_level).alias("_school_level"), beyond.alias("_beyond")]


@dataclass
class ParseState:
    """What carries from one block to the next."""

    school: str | None = None
    di_line: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    lines: int = 0


@dataclass
class ParsedBlock:
    frames: dict[str, pl.DataFrame]
    findings: pl.DataFrame
    lines: int


class Parser:
    def __init__(self, spec: Specification, lea: str, di_line: int, meta: dict[str, dict[str, str]]) -> None:
        self.spec = spec
        self.codes = spec.codes
        self.lea = lea
        self.state = ParseState(di_line=di_line, counts={c: 0 for c in self.codes})
        self.meta = meta  # rule id -> {"severity": ...}
        self.sc_index = self.codes.index("SC")
        self.di_index = self.codes.index("DI")

    def parse(self, blocks: Iterator[Block]) -> Iterator[ParsedBlock]:
        for block in blocks:
            yield self.parse_block(block)

    def _frame_findings(self, df: pl.DataFrame, rule: str, message: pl.Expr, record_type: str = "FILE",
                        **extra: pl.Expr) -> pl.DataFrame:
        return df.select(
            pl.lit(rule).alias("rule"), pl.lit(1).alias("level"),
            pl.lit(self.meta[rule]["severity"]).alias("severity"), "line",
            pl.lit(record_type).alias("record_type"), pl.lit(self.lea).alias("lea"),
            message.alias("message"), *[e.alias(k) for k, e in extra.items()])

    def parse_block(self, b: Block) -> ParsedBlock:
        st = self.state
        n = len(b.line)
        st.lines += n
        extra: list[pl.DataFrame] = []
        t = b.type_index

        def lines_at(idx: np.ndarray) -> pl.Series:
            # a contiguous copy per selection: the field slices then read memory in order (gathering views
            # into the whole block instead makes slicing ~3x slower on large blocks: cache misses)
            # indices wrapped zero-copy (pa.array(ndarray) imports numpy.ma to look for a mask)
            idx = np.ascontiguousarray(idx, dtype=np.int64)
            indices = pa.Array.from_buffers(pa.int64(), len(idx), [None, pa.py_buffer(idx)])
            return pl.Series(_ArrowArray(call_function("take", [b.text, indices])))


        # unknown record types and blank lines (vectorised: a garbage file can have millions)
        unknown = np.flatnonzero(t < 0)
        if unknown.size:
            df = pl.DataFrame({"line": b.line[unknown], "_len": b.length[unknown], "_text": lines_at(unknown)})
            content = pl.col("_text").str.slice(0, pl.col("_len")).str.strip_chars(" ")
            blank = df.filter(content == "")
            other = df.filter(content != "")
            if blank.height:
                extra.append(self._frame_findings(
                    blank, "FILE.blank_line", pl.lit("Blank line; every line must be a Clearinghouse record"),
                    record_key=pl.lit(f"{self.lea}|FILE|blank")))
            if other.height:
                found = pl.col("_text").str.slice(0, pl.min_horizontal(pl.col("_len"), pl.lit(3)))
                known = ", ".join(self.codes)
                extra.append(self._frame_findings(
                    other, "FILE.unknown_record_type",
                    pl.format("Unknown record type '{}'; a record starts with one of {}=", found, pl.lit(known)),
                    values=pl.concat_str([pl.lit('{"record_id": "'), found.str.replace_all('["\\\\]', "?"),
                                          pl.lit('"}')]),
                    fields=pl.lit(["record_id"]),
                    record_key=pl.concat_str([pl.lit(f"{self.lea}|FILE|"), content.str.slice(0, 60)])))

        if b.bad_lines.size:
            hex_digits = np.array([f"{v:02X}" for v in range(256)], dtype=object)
            bad = pl.DataFrame({"line": b.bad_lines, "col": b.bad_columns, "byte": b.bad_bytes,
                                "hex": pl.Series(hex_digits[b.bad_bytes], dtype=pl.Utf8)})
            extra.append(self._frame_findings(
                bad, "FILE.invalid_character",
                pl.format("Column {} holds byte 0x{} ({}); records must be printable ASCII (no NUL, control or "
                          "non-ASCII characters). It was read as '?'", pl.col("col"), pl.col("hex"),
                          pl.when(pl.col("byte") == 0).then(pl.lit("NUL"))
                          .when(pl.col("byte") < 32).then(pl.lit("control character"))
                          .when(pl.col("byte") == 127).then(pl.lit("DEL"))
                          .otherwise(pl.lit("non-ASCII")))))

        # DI placement: only the first DI of the file counts; others are reported
        di_rows = np.flatnonzero(t == self.di_index)
        if di_rows.size:
            others = di_rows[b.line[di_rows] != st.di_line]
            if others.size:
                extra.append(self._frame_findings(
                    pl.DataFrame({"line": b.line[others]}), "FILE.di_repeated",
                    pl.lit(f"A second DI record (the first is on line {st.di_line}); "
                           "a file holds one LEA's update and only one DI"), record_type="DI"))

        # school context: the school number of the latest SC at or above each line, carried across
        # blocks; index 0 of `schools` is the school carried in from the blocks before (or null)
        is_sc = t == self.sc_index
        sc_idx = np.flatnonzero(is_sc)
        if sc_idx.size:
            last_sc = np.maximum.accumulate(np.where(is_sc, np.arange(n), -1))
            which = np.zeros(n, dtype=np.int64)
            has = last_sc >= 0
            which[has] = np.searchsorted(sc_idx, last_sc[has]) + 1
            # as the SC's own school_number field reads it: a short SC is padded, never its terminator
            sc_numbers = pl.DataFrame({"t": lines_at(sc_idx), "n": b.length[sc_idx]}).select(
                pl.col("t").str.slice(0, pl.col("n")).str.pad_end(6).str.slice(3, 3))["t"]
            schools = pl.concat([pl.Series([st.school], dtype=pl.Utf8), sc_numbers])
            st.school = sc_numbers[-1]
        else:
            which = None
            schools = pl.Series([st.school], dtype=pl.Utf8)

        frames: dict[str, pl.DataFrame] = {}
        for k, code in enumerate(self.codes):
            idx = np.flatnonzero(t == k)
            if code == "DI":
                idx = idx[b.line[idx] == st.di_line] if st.di_line is not None else idx[:0]
            if not idx.size:
                continue
            st.counts[code] += int(idx.size)
            layout = self.spec.layout(code)
            length = layout.length
            rec_len = b.length[idx]
            school = (schools.gather(which[idx]) if which is not None
                      else pl.repeat(st.school, idx.size, dtype=pl.Utf8, eager=True))
            frame = pl.DataFrame({
                "_line": b.line[idx],
                "_len": rec_len,
                "_text": lines_at(idx),
                "_school_ctx": school,
            })
            if bool((rec_len < length).any()):  # short records are padded with blanks to the layout
                frame = frame.with_columns(
                    pl.when(pl.col("_len") < length)
                    .then(pl.col("_text").str.slice(0, pl.col("_len")).str.pad_end(length))
                    .otherwise(pl.col("_text"))
                    .alias("_text"))
            frames[code] = frame.with_columns(record_context(layout, self.lea, bool((rec_len > length).any())))
        findings = fnd.concat([fnd.conform(e) for e in extra])
        return ParsedBlock(frames, findings, n)
