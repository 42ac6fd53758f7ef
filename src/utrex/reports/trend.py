"""Trend over submissions (issue 5: the html has "charts where a person would rather look (enrollment by
grade, trend over submissions)"): for one LEA, or one of its schools, a report's count as it stood after
each load of the LEA's school year, drawn as one line chart in the html (output.line_chart).

Where each figure comes from. The count reads only the `records` table, and only a load writes it
(submissions.apply_load: a submission, or a rollback reloading an earlier submission), for one LEA and
school year, in submission id order (a load older than one already loaded is refused). A load leaves in
force the accepted records of its file and, of the records in force before it, those whose key its file
held (kept, marked stale); everything else of the LEA's year is deleted. So the LEA's records after each
load are rebuilt here by folding its loads in id order from nothing, each load's accepted records read
back from its archived file through its stored outcome (`split_outcome`, what the load itself used; a
rollback reads its target's), and the report's own `detail` counts them: the report's rules, not a
figure stored beside it. The last point is therefore the records in force now: it equals the live count.

The school of record is decided across LEAs: the other LEAs' S1 records are the ones in force now (for
every SSID any of this LEA's loads held), so the points move only by what this LEA's own files changed.
Submissions that failed or were never loaded changed nothing and are no points. The October 15 cut-off
and prior-year ES updates are kept beside the records (exit_status_updates) and are not read by these
counts. Bounded: only with --lea and only for the html; one archived file read per load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import select

from ..store.cross_lea import RECORD_SCHEMA
from ..store.models import Kind, Record, Status, Submission
from ..store.submissions import normalize_lea, raw_file, s1_ssid, split_outcome, submission_outcome
from . import charter_summary, october_1

if TYPE_CHECKING:
    from ..store.db import Store

SCHEMA = {**RECORD_SCHEMA, "record_type": pl.Utf8}
Detail = Callable[[pl.DataFrame, int], pl.DataFrame]  # (records, school_year) -> one row per student counted

# the reports with a trend: the record types their student count reads, and their detail function
TRENDS: dict[str, tuple[tuple[str, ...], Detail]] = {
    "october-1": (("S1",), lambda records, year: october_1.detail(records, year, october_1.count_day(year))),
    "charter-summary": (("S1",), charter_summary.detail),
}


def loads(store: Store, lea: str, school_year: int) -> list[Submission]:
    """The loads that wrote the LEA's records of the school year, in the order they ran (id order)."""
    with store.session() as s:
        return list(s.scalars(select(Submission).where(
            Submission.lea == lea, Submission.school_year == school_year,
            Submission.status == Status.LOADED.value).order_by(Submission.id)))


def records_after_each_load(store: Store, lea: str, school_year: int,
                            types: tuple[str, ...]) -> list[tuple[Submission, pl.DataFrame]]:
    """Each load with the LEA's records of `types` in force right after it (SCHEMA), rebuilt as the module
    docstring says: its source's accepted records plus the previous records whose key its file held."""
    state = pl.DataFrame(schema=SCHEMA)
    out = []
    for sub in loads(store, lea, school_year):
        source = sub.restores_id if sub.kind == Kind.ROLLBACK.value and sub.restores_id else sub.id
        accepted, held = split_outcome(submission_outcome(store, source), raw_file(store, source), school_year)
        new = accepted.filter(pl.col("record_type").is_in(types)).select(
            pl.lit(lea).alias("lea"), "record_key", pl.lit(source, dtype=pl.Int64).alias("submission_id"),
            pl.col("line").cast(pl.Int64), "text", "record_type")
        state = pl.concat([state.filter(pl.col("record_key").is_in(held)), new], how="vertical")
        out.append((sub, state))
    return out


def _others_s1(store: Store, lea: str, school_year: int, ssids: list[str]) -> pl.DataFrame:
    """The other LEAs' S1 records in force of these SSIDs (what deciding the school of record reads)."""
    r = Record
    rows: list[tuple[Any, ...]] = []
    with store.engine.connect() as conn:
        for i in range(0, len(ssids), 5000):  # bounded IN lists (SQLite's variable limit)
            rows += [tuple(x) for x in conn.execute(
                select(r.lea, r.record_key, r.submission_id, r.line, r.text, r.record_type).where(
                    r.school_year == school_year, r.record_type == "S1", r.lea != lea,
                    r.ssid.in_(ssids[i:i + 5000]))).all()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def trend(store: Store, report: str, school_year: int, lea: str, school: str | None = None) -> list[dict[str, Any]]:
    """One point per load of the LEA's school year: submission id, kind ("submission" or "rollback"), the
    submission a rollback restored, when it was received, and `students`, the report's count in the scope
    after it. Empty when the report has no trend or the LEA no load."""
    if report not in TRENDS:
        return []
    types, detail = TRENDS[report]
    lea = normalize_lea(lea)
    states = records_after_each_load(store, lea, school_year, types)
    if not states:
        return []
    ssids = (pl.concat([s for _, s in states]).select(s1_ssid(school_year)).drop_nulls().unique()
             .to_series().sort().to_list())
    others = _others_s1(store, lea, school_year, ssids)
    points = []
    for sub, state in states:
        counted = detail(pl.concat([state, others], how="vertical"), school_year)
        counted = counted.filter(pl.col("lea_number") == lea)
        if school is not None:
            counted = counted.filter(pl.col("school_number") == school.strip())
        received = sub.received_at
        points.append({"submission": sub.id, "kind": sub.kind, "restores": sub.restores_id,
                       "received_at": received.isoformat() if isinstance(received, dt.datetime) else None,
                       "students": counted.height})
    return points
