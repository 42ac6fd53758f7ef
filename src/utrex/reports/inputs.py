"""The records a state report reads: every LEA's records in force (live), or each LEA's snapshot finalized
for the report's period (`--finalized`), as one frame of `cross_lea.RECORD_SCHEMA` plus `record_type`.

Schools of record are decided across LEAs (the most recent entry date wins), so a report scoped to one
LEA still reads the other LEAs' S1 records of the students that LEA reports (`cross_lea.school_of_record_on`
does the same); the scope is applied to the result, not to the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..spec import Period
from ..store.cross_lea import RECORD_SCHEMA
from ..store.models import Record
from ..store.periods import PeriodError, list_finalizations, records_for

if TYPE_CHECKING:
    from ..store.db import Store

SCHEMA = {**RECORD_SCHEMA, "record_type": pl.Utf8}


def live_records(store: Store, school_year: int, types: tuple[str, ...], lea: str | None = None) -> pl.DataFrame:
    """The records in force of `types`: of every LEA, or with `lea` that LEA's and the other LEAs' S1 records
    of the SSIDs it reports (what deciding its schools of record needs)."""
    r = Record
    query = select(r.lea, r.record_key, r.submission_id, r.line, r.text, r.record_type).where(
        r.school_year == school_year, r.record_type.in_(types))
    if lea is not None:
        theirs = aliased(Record)
        query = query.where((r.lea == lea) | ((r.record_type == "S1") & r.ssid.in_(select(theirs.ssid).where(
            theirs.school_year == school_year, theirs.lea == lea, theirs.ssid.is_not(None)))))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pl.DataFrame([tuple(x) for x in rows], schema=SCHEMA, orient="row")


def finalized_records(store: Store, school_year: int, period: Period, types: tuple[str, ...]) -> pl.DataFrame:
    """Each LEA's current finalized snapshot for `period` (LEAs that have not finalized contribute nothing).
    A snapshot keeps no file line: the row order by record key stands in for it (a tie-break only)."""
    leas = sorted({f.lea for f in list_finalizations(store, school_year=school_year) if f.period == period.value})
    frames = []
    for lea in leas:
        try:
            snap = records_for(store, lea, school_year, period, finalized=True)
        except PeriodError:  # finalizations listed, none current for the period
            continue
        fin_sub = _current_submission(store, lea, school_year, period)
        frames.append(snap.filter(pl.col("record_type").is_in(types)).with_row_index("line").select(
            pl.lit(lea).alias("lea"), "record_key", pl.lit(fin_sub, dtype=pl.Int64).alias("submission_id"),
            pl.col("line").cast(pl.Int64), "text", "record_type"))
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(frames, how="vertical")


def _current_submission(store: Store, lea: str, school_year: int, period: Period) -> int:
    from ..store.periods import current_finalization

    fin = current_finalization(store, lea, school_year, period)
    return fin.submission_id if fin is not None else 0
