"""The piecemeal outcome: every record accepted, or held with the findings that hold it.

A record with an error finding on its line is held; warnings never hold. Records that hang on a held
record are held with it: every record of a file whose DI is held, every record of a school whose SC is
held, a student's S2, S3, AM and I2 records when the student's S1 is held, the AM records of a held
course (AC), and the I2 records of a held incident (I1).
"""

from __future__ import annotations

import polars as pl

from .runner import record_key
from .tables import Tables

OUTCOME_SCHEMA = {"line": pl.Int64, "record_type": pl.Utf8, "record_key": pl.Utf8, "status": pl.Utf8,
                  "held_by": pl.Utf8}
STUDENT_DEPENDENTS = ("S2", "S3", "AM", "I2")


def records(tables: Tables, lines: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Every record (or those on `lines`, a frame of line numbers: their keys are made for no other)."""
    parts = []
    for code in tables.store.codes():
        layout = tables.spec.layout(code)
        cols = [pl.col("_line").alias("line"), pl.lit(code).alias("record_type"), record_key(layout).alias("record_key"),
                pl.col("_k_school").alias("school")]
        student = pl.col("_k_student") if layout.has("student_number") else pl.lit(None, dtype=pl.Utf8)
        course = (pl.col("course_section") if code == "AC" else pl.col("course_number") if code == "AM"
                  else pl.lit(None, dtype=pl.Utf8))
        period = pl.col("period").str.strip_chars(" ") if code in ("AC", "AM") else pl.lit(None, dtype=pl.Utf8)
        incident = (pl.col("incident_id").str.strip_chars(" ").str.strip_chars_start("0") if layout.has("incident_id")
                    else pl.lit(None, dtype=pl.Utf8))
        frame = tables.get(code)
        if lines is not None:
            frame = frame.join(lines.select(pl.col("line").alias("_line")), on="_line", how="semi")
        parts.append(frame.select(
            *cols, student.alias("student"), course.str.strip_chars(" ").alias("course"), period.alias("period"),
            incident.alias("incident")))
    return pl.concat(parts) if parts else pl.LazyFrame(schema={
        "line": pl.Int64, "record_type": pl.Utf8, "record_key": pl.Utf8, "school": pl.Utf8, "student": pl.Utf8,
        "course": pl.Utf8, "period": pl.Utf8, "incident": pl.Utf8})


def holding(findings: pl.DataFrame) -> pl.DataFrame:
    """The findings that hold their record: errors on a line (warnings never hold)."""
    return findings.filter((pl.col("severity") == "error") & pl.col("line").is_not_null())


def _holds(tables: Tables, findings: pl.DataFrame) -> tuple[pl.LazyFrame, pl.DataFrame, list[pl.LazyFrame]]:
    """Every record; the lines with an error finding (`own`: their rules); and frames (line, dep) of the
    records that hang on a held record, `dep` naming it."""
    recs = records(tables)
    own = holding(findings).group_by("line").agg(pl.col("rule").unique().sort().str.join(", ").alias("own"))
    # the held records are few next to the file: materialise them once to find their dependents
    held = recs.join(own.lazy(), on="line", how="inner").collect(engine="streaming")

    def reason(code: str) -> pl.Expr:
        return pl.format(f"{code} line {{}} held", pl.col("line"))

    inherited: list[pl.LazyFrame] = []
    if held.filter(pl.col("record_type") == "DI").height:
        inherited.append(recs.select("line", pl.lit("DI held").alias("dep")))
    sc = held.filter(pl.col("record_type") == "SC").select("school", reason("SC").alias("dep"))
    if sc.height:
        inherited.append(recs.join(sc.lazy(), on="school").select("line", "dep"))
    s1 = held.filter(pl.col("record_type") == "S1").select("school", "student", reason("S1").alias("dep"))
    if s1.height:
        inherited.append(recs.filter(pl.col("record_type").is_in(STUDENT_DEPENDENTS))
                         .join(s1.unique(["school", "student"]).lazy(), on=["school", "student"]).select("line", "dep"))
    ac = held.filter(pl.col("record_type") == "AC").select("school", "course", "period", reason("AC").alias("dep"))
    if ac.height:
        inherited.append(recs.filter(pl.col("record_type") == "AM")
                         .join(ac.unique(["school", "course", "period"]).lazy(), on=["school", "course", "period"])
                         .select("line", "dep"))
    i1 = held.filter(pl.col("record_type") == "I1").select("school", "incident", reason("I1").alias("dep"))
    if i1.height:
        inherited.append(recs.filter(pl.col("record_type") == "I2")
                         .join(i1.unique(["school", "incident"]).lazy(), on=["school", "incident"]).select("line", "dep"))
    return recs, own, inherited


def piecemeal(tables: Tables, findings: pl.DataFrame) -> pl.LazyFrame:
    """One row per record: line, record_type, record_key, status (accepted|held), held_by (reasons).

    Lazy over the spilled records: collect it with the streaming engine, or sink it to a file."""
    recs, own, inherited = _holds(tables, findings)
    recs = recs.join(own.lazy(), on="line", how="left")
    if inherited:
        deps = pl.concat(inherited).group_by("line").agg(pl.col("dep").unique().sort().str.join(", "))
        recs = recs.join(deps, on="line", how="left")
    else:
        recs = recs.with_columns(pl.lit(None, dtype=pl.Utf8).alias("dep"))
    reasons = pl.concat_str([pl.col("own"), pl.col("dep")], separator="; ", ignore_nulls=True)
    return recs.select(
        "line", "record_type", "record_key",
        pl.when(pl.col("own").is_null() & pl.col("dep").is_null()).then(pl.lit("accepted"))
        .otherwise(pl.lit("held")).alias("status"),
        pl.when(pl.col("own").is_null() & pl.col("dep").is_null()).then(None).otherwise(reasons).alias("held_by"),
    ).sort("line")


def held_counts(tables: Tables, findings: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Accepted and held records by type, as `counts(piecemeal(...))` gives them, without writing the reasons
    (a held SC or DI holds most of a file: joining the reasons of every record took a second per 1M)."""
    recs, own, inherited = _holds(tables, findings)
    held_lines = pl.concat([own.lazy().select("line"), *[i.select("line") for i in inherited]]).unique()
    by = (recs.select("line", "record_type")
          .join(held_lines.with_columns(pl.lit(True).alias("_held")), on="line", how="left")
          .group_by("record_type", pl.col("_held").is_not_null().alias("_is_held")).len()
          .collect(engine="streaming"))
    out: dict[str, dict[str, int]] = {"accepted": {}, "held": {}}
    for row in by.iter_rows(named=True):
        out["held" if row["_is_held"] else "accepted"][row["record_type"]] = int(row["len"])
    return out


def counts(outcome: pl.LazyFrame) -> dict[str, dict[str, int]]:
    """Accepted and held records by type of an outcome (`piecemeal`); what `held_counts` must give."""
    by = outcome.group_by("record_type", "status").len().collect(engine="streaming")
    out: dict[str, dict[str, int]] = {"accepted": {}, "held": {}}
    for row in by.iter_rows(named=True):
        out[row["status"]][row["record_type"]] = int(row["len"])
    return out
