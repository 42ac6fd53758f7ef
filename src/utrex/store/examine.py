"""Examine: the records as the store holds them, one row per record with named columns.

The data collector guide's "report of previously submitted data": for an LEA, the records in force
(stale ones marked), or the accepted records of one submission. Each record's text is cut into the
fields of its layout in the specification (`utrex spec`) with Polars string slices, one expression per
field and record type, never a Python loop over records.

- CSV (editable): one file, one row per record; the columns are `record_type`, `lea`, `submission`,
  `line`, `stale`, then the union of every record type's field ids in layout order (DI, SC, S1, ...).
  A field a record type does not have is empty on its rows; a field id two types share (`period`,
  `time`, ...) is one column that each row fills from its own layout. Trailing blanks are trimmed:
  padding a value back to its field's width gives the record's text again.
- HTML (view-only): one self-contained page, one table per record type with that type's fields, every
  value escaped (Jinja2 autoescape).

Examine shows an LEA its own data: phone numbers and the SSNs the store kept (grade 12 and above) are
in it. Another audience (privacy.Audience: the state's special-education staff, other state staff) gets
the fields it may not see emptied; state reports never show either.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from sqlalchemy import func, select

from .. import __version__
from ..spec import spec_for
from .db import Store
from .models import Record
from .privacy import Audience, redact_columns
from .submissions import (
    SubmissionRefused,
    get,
    normalize_lea,
    query_frame,
    raw_file,
    split_outcome,
    submission_outcome,
)

META = ["record_type", "lea", "submission", "line", "stale"]
RECORD_SCHEMA = {"lea": pl.Utf8, "submission": pl.Int64, "line": pl.Int64, "record_type": pl.Utf8,
                 "text": pl.Utf8, "stale": pl.Boolean}
TEMPLATES = Path(__file__).parent / "templates"


class Examined:
    """The records examined (`frame`: META + field columns), their school year and what was asked."""

    def __init__(self, frame: pl.DataFrame, school_year: int | None, title: str) -> None:
        self.frame, self.school_year, self.title = frame, school_year, title


def examine(store: Store, lea: str | int | None = None, submission: int | None = None,
            school_year: int | None = None, audience: Audience = Audience.LEA) -> Examined:
    """The accepted records of `submission`, else the records in force (of `lea`, else of every LEA),
    with the fields `audience` may not see (privacy.py) left empty."""
    if submission is not None:
        sub = get(store, submission)
        if lea is not None and sub.lea != normalize_lea(lea):
            raise SubmissionRefused(f"submission {submission} is LEA {sub.lea}'s, not LEA {normalize_lea(lea)}'s")
        records, year = _submitted(store, submission), sub.school_year
        title = f"LEA {sub.lea}: submission {submission} ({sub.file_name}), accepted records"
    else:
        year = school_year if school_year is not None else latest_school_year(store, lea)
        records = _in_force(store, lea, year)
        title = f"{f'LEA {normalize_lea(lea)}' if lea is not None else 'Every LEA'}: records in force, {year or '-'}"
    if audience != Audience.LEA:
        title += f" (as seen by {audience.value} staff: private fields removed)"
    return Examined(redact_columns(with_fields(records, year), audience, year), year, title)


def latest_school_year(store: Store, lea: str | int | None) -> int | None:
    """The latest school year with records in force (of `lea`, else of any LEA)."""
    q = select(func.max(Record.school_year))
    if lea is not None:
        q = q.where(Record.lea == normalize_lea(lea))
    with store.session() as s:
        return s.scalar(q)


def _in_force(store: Store, lea: str | int | None, year: int | None) -> pl.DataFrame:
    r = Record
    q = (select(r.lea, r.submission_id, r.line, r.record_type, r.text, r.stale).where(r.school_year == year)
         .order_by(r.lea, r.submission_id, r.line))
    if lea is not None:
        q = q.where(r.lea == normalize_lea(lea))
    return query_frame(store, q, RECORD_SCHEMA)


def _submitted(store: Store, submission_id: int) -> pl.DataFrame:
    """The accepted records of a submission (of the submission it restored, for a rollback)."""
    sub = get(store, submission_id)
    source = sub.restores_id if sub.restores_id is not None else sub.id
    accepted, _ = split_outcome(submission_outcome(store, source), raw_file(store, source), sub.school_year)
    return accepted.sort("line").select(
        pl.lit(sub.lea).alias("lea"), pl.lit(source, dtype=pl.Int64).alias("submission"), "line", "record_type",
        "text", pl.lit(False).alias("stale"))


def field_columns(school_year: int | None) -> list[str]:
    """Every record type's field ids, in record-type then layout order, each once."""
    spec = spec_for(school_year)
    seen: dict[str, None] = {}
    for code in spec.codes:
        seen.update(dict.fromkeys(f.id for f in spec.layout(code).fields))
    return [c for c in seen if c not in META]


def with_fields(records: pl.DataFrame, school_year: int | None) -> pl.DataFrame:
    """META plus one column per field id: each record's text sliced by its own layout."""
    spec = spec_for(school_year)
    records = records.with_row_index("_order")
    parts = [records.filter(pl.col("record_type") == code).with_columns(
        pl.col("text").str.slice(f.offset, f.width).str.strip_chars_end(" ").alias(f.id)
        for f in spec.layout(code).fields if f.id not in META) for code in spec.codes]
    parts = [p for p in parts if p.height]
    columns = field_columns(school_year)
    if not parts:
        return pl.DataFrame(schema={**{m: RECORD_SCHEMA[m] for m in META}, **dict.fromkeys(columns, pl.Utf8)})
    out = pl.concat(parts, how="diagonal").sort("_order")
    return out.select(*META, *(pl.col(c) if c in out.columns else pl.lit(None, dtype=pl.Utf8).alias(c)
                               for c in columns))


def to_csv(examined: Examined) -> str:
    return examined.frame.write_csv()


def to_html(examined: Examined) -> str:
    """One self-contained page (inline CSS, no script), one table per record type, every value escaped."""
    spec = spec_for(examined.school_year)
    df = examined.frame
    tables: list[dict[str, Any]] = []
    for code in spec.codes:
        rows = df.filter(pl.col("record_type") == code)
        if not rows.height:
            continue
        fields = [f for f in spec.layout(code).fields if f.id not in META]
        cols = ["line", "submission", "stale", *(f.id for f in fields)]
        tables.append({"code": code, "name": spec.layout(code).name,
                       "headers": cols, "titles": ["", "", "", *(f.name for f in fields)],
                       "rows": rows.select(pl.col(c).cast(pl.Utf8).fill_null("") for c in cols).rows()})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("examine.html.j2").render(
        title=examined.title, tables=tables, total=df.height, school_year=examined.school_year,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), version=__version__)
