"""Cross-LEA findings in the store: re-evaluated in the transaction of every load, read from one LEA's side.

When an LEA loads (a submission or a rollback), `reevaluate` runs at the end of `submissions.apply_load`,
in the same transaction: the findings of every SSID the LEA reports now, or was named in a finding of
before, are deleted and computed again from the S1 records in force of every LEA reporting that SSID. Only
those students are read (picked inside the database through the indexed `records.ssid`), so a load costs
in proportion to the LEA, not to the state; a rollback of the load rolls the findings back with it.

`findings_for_lea` shows each finding from one LEA's side: its own school, student number and record, the
OTHER LEA, school and student number, the SSID, and the message written for that side.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, delete, func, or_, select, union
from sqlalchemy.orm import aliased

from . import cross_lea
from .bulk import insert_frame
from .db import Store
from .models import CrossLeaFinding, Record

FOR_LEA_SCHEMA = {
    "rule": pl.Utf8, "level": pl.Int64, "severity": pl.Utf8, "ssid": pl.Utf8, "school": pl.Utf8,
    "student_number": pl.Utf8, "record_key": pl.Utf8, "other_lea": pl.Utf8, "other_school": pl.Utf8,
    "other_student_number": pl.Utf8, "other_record_key": pl.Utf8, "message": pl.Utf8, "fields": pl.Utf8,
    "evaluated_at": pl.Datetime("us", "UTC"),
}
SIDED = ["lea", "school", "student_number", "record_key", "message"]
CHUNK = 5_000  # SSIDs per IN list: well under every database's limit on bound parameters


def reevaluate(conn: Connection, lea: str, school_year: int | None) -> int:
    """Recompute, in the caller's transaction, the cross-LEA findings of the students `lea` reports in
    `school_year` (and of those it was named with before: a student it no longer reports); returns how many
    findings those students have now."""
    if school_year is None:
        return 0
    x = CrossLeaFinding
    r, o = aliased(Record), aliased(Record)
    # the students that can have a cross-LEA finding involving this LEA: those it reports that another LEA
    # reports too (probed through the (school_year, ssid) index, per SSID of this LEA), and those it was
    # named with before; a finding between two other LEAs about such a student is recomputed with it
    mine = select(r.ssid).where(r.lea == lea, r.school_year == school_year, r.record_type == "S1",
                                r.ssid.is_not(None))  # through ix_records_type: S1 rows only
    elsewhere = select(o.ssid).where(o.school_year == school_year, o.ssid.in_(mine),
                                     or_(o.lea < lea, o.lea > lea))
    named = select(x.ssid).where(x.school_year == school_year, or_(x.lea_a == lea, x.lea_b == lea))
    ssids = sorted({s for (s,) in conn.execute(union(elsewhere, named)).all()})
    if not ssids:
        return 0
    found: list[pl.DataFrame] = []
    for i in range(0, len(ssids), CHUNK):
        part = ssids[i:i + CHUNK]
        records = cross_lea.read_records(conn, cross_lea.s1_records(school_year).where(Record.ssid.in_(part)))
        found.append(cross_lea.evaluate(cross_lea.parse_s1(records, school_year), school_year))
        conn.execute(delete(x).where(x.school_year == school_year, x.ssid.in_(part)))
    frame = pl.concat(found)
    insert_frame(conn, x.__tablename__, frame, "cross_lea")
    return frame.height


def refresh(store: Store, lea: str, school_year: int) -> int:
    """`reevaluate` in a write transaction of its own (data loaded before cross-LEA findings existed)."""
    with store.write() as conn:
        return reevaluate(conn, lea, school_year)


def latest_year(store: Store, lea: str) -> int | None:
    with store.session() as s:
        return s.scalar(select(func.max(Record.school_year)).where(Record.lea == lea))


def findings_for_lea(store: Store, lea: str, school_year: int | None = None) -> pl.DataFrame:
    """The cross-LEA findings naming `lea` in `school_year` (default: its latest year with records), each
    from that LEA's side (FOR_LEA_SCHEMA): its own school, student number and record, the other LEA's."""
    from .submissions import normalize_lea  # submissions imports this module

    lea = normalize_lea(lea)
    year = school_year if school_year is not None else latest_year(store, lea)
    x = CrossLeaFinding
    cols = [x.rule, x.level, x.severity, x.ssid, x.fields, x.evaluated_at,
            *[getattr(x, f"{c}_{side}") for side in "ab" for c in SIDED]]
    query = (select(*cols).where(x.school_year == year, or_(x.lea_a == lea, x.lea_b == lea)).order_by(x.id))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    names = [c.key for c in cols]
    text = {n: pl.Int64 if n == "level" else pl.Utf8 for n in names if n != "evaluated_at"}
    if rows:
        raw = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None).cast(text)  # type: ignore[arg-type]
    else:
        raw = pl.DataFrame(schema={**text, "evaluated_at": pl.Datetime("us", "UTC")})
    at = raw["evaluated_at"]
    if isinstance(at.dtype, pl.Datetime):  # SQLite hands back naive datetimes (stored in UTC)
        at = at.dt.replace_time_zone("UTC") if at.dtype.time_zone is None else at.dt.convert_time_zone("UTC")
    raw = raw.with_columns(at.alias("evaluated_at"))
    mine = pl.col("lea_a") == lea

    def side(c: str, own: bool) -> pl.Expr:
        a, b = pl.col(f"{c}_a"), pl.col(f"{c}_b")
        return pl.when(mine).then(a if own else b).otherwise(b if own else a)

    out = raw.with_columns(
        *[side(c, True).alias(c) for c in ("school", "student_number", "record_key", "message")],
        *[side(c, False).alias(f"other_{c}") for c in ("lea", "school", "student_number", "record_key")],
    )
    return out.select(list(FOR_LEA_SCHEMA)).cast(FOR_LEA_SCHEMA).sort(  # type: ignore[arg-type]
        "rule", "school", "student_number", "ssid", "other_lea")

