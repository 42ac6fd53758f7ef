"""Prior-year exit-status updates: what a load of school year Y changes in school year Y-1.

Specification: "Exit Status Change Record (ES)", Appropriate use and NOTE: an ES record updates the Exit Code
or High School Completion Status of a student's S1 record of the previous school year, only from July 15 to
October 15, and not after the October 2012 submission; S1 Resident Status, Note 3: from the October 2012
submission an S1 with resident status X carries that update instead (all its other data is ignored, and
it counts in no report).

The prior year's records are never rewritten: each change is a row of `exit_status_updates` (what changed,
from which submission and line), and `effective_s1` lays the changes in force over the records. An update
is applied to the student's last enrollment (latest entry date) of the LEA in the prior year, found by
SSID, else by student number. An update that is refused (outside the window, after October 2012) or finds
no prior-year record is not applied; the submission's counts say why (`counts["prior_year"]`).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

import polars as pl
from sqlalchemy import insert, select, update

from ..engine.context import Context
from ..engine.parser import field_columns
from ..engine.rules import es as es_rules
from ..spec import Period, spec_for
from .models import ExitStatusUpdate, Kind, Record, Submission, utcnow

FIELDS = ("exit_code", "hs_completion_status")  # what an ES record or an X record changes
# the first school year whose S1 may carry resident status X (the October 2012 submission, Note 3)
X_FIRST_SCHOOL_YEAR = es_rules.LAST_SCHOOL_YEAR
S1_READ = ("student_number", "entry_date", "grade_level", "exit_code", "hs_completion_status",
           "resident_status", "ssid", "lea_number")
UPDATE_COLUMNS = {"record_key": pl.Utf8, "field": pl.Utf8, "new_value": pl.Utf8, "source": pl.Utf8,
                  "rule": pl.Utf8}


# --- reading fields out of the stored record text (spec columns, column-wise) -----------------------

def fields_of(frame: pl.DataFrame, code: str, school_year: int | None, wanted: tuple[str, ...],
              text: str = "text") -> pl.DataFrame:
    """`frame` with the `wanted` fields of record type `code` sliced from `text` and trimmed (blank: null)."""
    layout = spec_for(school_year).layout(code)
    cols = [c for c in field_columns(layout, text) if c.meta.output_name() in wanted]
    out = frame.with_columns(cols).with_columns(
        [pl.col(f).str.strip_chars(" ").replace("", None) for f in wanted])
    return out


def _es_context(school_year: int, period: Period, on: dt.date) -> Context:
    # the ES window rules read only the school year, period and date of an update: the same functions
    # decide it here as in the validator, so the specification's dates are declared once (rules/es.py)
    return cast(Context, SimpleNamespace(school_year=school_year, period=period, as_of=on))


def es_refusal(school_year: int, period: str | None, on: dt.date) -> str | None:
    """Why ES records of an update of `school_year`, `period`, dated `on`, are not applied (None: they are)."""
    ctx = _es_context(school_year, Period(period) if period else Period.MONTHLY, on)
    if es_rules.after_cutoff(ctx):
        return ("ES records are no longer accepted after the October 2012 submission (the exit status change "
                "comes on an S1 record with resident status X)")
    start, end = es_rules.window(ctx)
    if not start <= on <= end:
        return f"ES records are applied only from {start} to {end}; this update is dated {on}"
    return None


def update_date(sub: Submission, on: dt.date | None = None) -> dt.date:
    """The date an update counts as of: `on` if given, else the file's as-of date (its DI SISASOFDATE, the
    date the validator checked the ES window against), else the day it was received."""
    if on is not None:
        return on
    as_of = (sub.counts or {}).get("as_of")
    if as_of:
        return dt.date.fromisoformat(str(as_of)[:10])
    return (sub.received_at or utcnow()).date()


# --- the updates a load carries ---------------------------------------------------------------------

def candidates(accepted: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """The accepted ES records and S1 records with resident status X: line, source, student, new values."""
    schema = {"line": pl.Int64, "source": pl.Utf8, "student_number": pl.Utf8, "ssid": pl.Utf8,
              "exit_code": pl.Utf8, "hs_completion_status": pl.Utf8, "updated_status": pl.Utf8}
    frames = []
    es = accepted.filter(pl.col("record_type") == "ES")
    if es.height:
        es = fields_of(es, "ES", school_year, ("student_number", "ssid", "updated_status"))
        frames.append(es.select("line", pl.lit("ES").alias("source"), "student_number", "ssid",
                                pl.lit(None, pl.Utf8).alias("exit_code"),
                                pl.lit(None, pl.Utf8).alias("hs_completion_status"), "updated_status"))
    s1 = accepted.filter(pl.col("record_type") == "S1")
    if s1.height:
        rs = spec_for(school_year).layout("S1").field("resident_status")
        x = s1.filter(pl.col("text").str.slice(rs.offset, rs.width) == "X")
        if x.height:
            x = fields_of(x, "S1", school_year, ("student_number", "ssid", "exit_code", "hs_completion_status"))
            frames.append(x.select("line", pl.lit("X").alias("source"), "student_number", "ssid", "exit_code",
                                   "hs_completion_status", pl.lit(None, pl.Utf8).alias("updated_status")))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).cast(schema)  # type: ignore[arg-type]


def _es_field(school_year: int) -> pl.Expr:
    """Which S1 field an ES record's Updated Status changes: a completion status code the completion status,
    any other code the exit code; 'DO' (both) the completion status of a record that has one (a senior at
    year end), else the exit code."""
    layout = spec_for(school_year).layout("S1")
    exit_codes = set(cast(Any, layout.field("exit_code").codes).values())
    completion = set(cast(Any, layout.field("hs_completion_status").codes).values())
    code = pl.col("updated_status")
    return (pl.when(code.is_in(sorted(completion - exit_codes))).then(pl.lit("hs_completion_status"))
            .when(code.is_in(sorted(completion & exit_codes)) & pl.col("cur_hs_completion_status").is_not_null())
            .then(pl.lit("hs_completion_status"))
            .otherwise(pl.lit("exit_code")))


# --- the prior year with its updates ------------------------------------------------------------------

def _frame(conn: Any, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def updates_in_force(conn: Any, school_year: int, lea: str | None = None,
                     as_of: dt.date | None = None) -> pl.DataFrame:
    """The change in force per record and field (latest by effective date, then id; withdrawn ones not),
    of the changes dated `as_of` or earlier when given."""
    u = ExitStatusUpdate
    q = (select(u.lea, u.record_key, u.field, u.new_value, u.source, u.rule, u.effective_on, u.id)
         .where(u.school_year == school_year, u.withdrawn_by.is_(None)))
    if lea is not None:
        q = q.where(u.lea == lea)
    if as_of is not None:
        q = q.where(u.effective_on <= as_of)
    df = _frame(conn, q, {"lea": pl.Utf8, "record_key": pl.Utf8, "field": pl.Utf8, "new_value": pl.Utf8,
                          "source": pl.Utf8, "rule": pl.Utf8, "effective_on": pl.Date, "id": pl.Int64})
    return df.sort("effective_on", "id").unique(["lea", "record_key", "field"], keep="last", maintain_order=True)


def effective_frame(conn: Any, school_year: int, lea: str | None = None,
                    as_of: dt.date | None = None) -> pl.DataFrame:
    """S1 records of `school_year` (one LEA or all) with the changes in force laid over them: the fields,
    `orig_*` (as loaded), `updated` (an ES or X update applies), `cutoff` (an automatic change applies),
    and `text` rewritten at the spec's columns. `as_of`: only the changes dated then or earlier."""
    r = Record
    q = select(r.lea, r.record_key, r.text).where(r.school_year == school_year, r.record_type == "S1")
    if lea is not None:
        q = q.where(r.lea == lea)
    s1 = fields_of(_frame(conn, q, {"lea": pl.Utf8, "record_key": pl.Utf8, "text": pl.Utf8}),
                   "S1", school_year, S1_READ)
    ups = updates_in_force(conn, school_year, lea, as_of)
    s1 = s1.rename({f: f"orig_{f}" for f in FIELDS})
    for f in FIELDS:
        s1 = s1.join(ups.filter(pl.col("field") == f).select("lea", "record_key", pl.col("new_value").alias(f)),
                     on=["lea", "record_key"], how="left")
        s1 = s1.with_columns(pl.coalesce(f, f"orig_{f}").alias(f))
    kinds = ups.group_by("lea", "record_key").agg(
        (pl.col("source") != "cutoff").any().alias("updated"), (pl.col("source") == "cutoff").any().alias("cutoff"))
    s1 = s1.join(kinds, on=["lea", "record_key"], how="left").with_columns(
        pl.col("updated").fill_null(False), pl.col("cutoff").fill_null(False))
    layout = spec_for(school_year).layout("S1")
    text = pl.col("text").str.pad_end(layout.length)
    for f in FIELDS:
        fld = layout.field(f)
        text = pl.concat_str([text.str.slice(0, fld.offset), pl.col(f).fill_null("").str.pad_end(fld.width),
                              text.str.slice(fld.end)])
    return s1.with_columns(text.str.strip_chars_end(" ").alias("text")).sort("lea", "record_key")


def overlay(conn: Any, records: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """`records` (with lea, record_key, text: the records in force of `school_year`, of any types) with the
    exit-status changes in force written into their S1 texts at the spec's columns, as `effective_frame`
    does, and `exit_status_updated` (an ES, X or automatic change applies). Only the changes are read: a
    state's records are not read a second time."""
    ups = updates_in_force(conn, school_year)
    flag = "exit_status_updated"
    if ups.is_empty():
        return records.with_columns(pl.lit(False).alias(flag))
    layout = spec_for(school_year).layout("S1")
    out = records
    for f in FIELDS:
        out = out.join(ups.filter(pl.col("field") == f).select("lea", "record_key", pl.col("new_value").alias(f"_new_{f}")),
                       on=["lea", "record_key"], how="left")
    text = pl.col("text")
    for f in FIELDS:
        fld, new = layout.field(f), pl.col(f"_new_{f}")
        padded = text.str.pad_end(layout.length)
        text = pl.when(new.is_null()).then(text).otherwise(pl.concat_str(
            [padded.str.slice(0, fld.offset), new.str.pad_end(fld.width), padded.str.slice(fld.end)]))
    changed = pl.any_horizontal([pl.col(f"_new_{f}").is_not_null() for f in FIELDS])
    return out.with_columns(text.str.strip_chars_end(" ").alias("text"), changed.alias(flag)).drop(
        [f"_new_{f}" for f in FIELDS])


def last_enrollments(frame: pl.DataFrame) -> pl.DataFrame:
    """Each student's last S1 of the year in the LEA (the latest entry date): the record an update changes."""
    return (frame.sort("lea", "student_number", "entry_date", "record_key")
            .unique(["lea", "student_number"], keep="last", maintain_order=True))


def effective_s1(store: Any, lea: str, school_year: int) -> pl.DataFrame:
    """The S1 records of an LEA's school year with the exit-status updates and automatic changes applied."""
    from .submissions import normalize_lea

    with store.engine.connect() as conn:
        return effective_frame(conn, school_year, normalize_lea(lea))


# --- applying a load's updates --------------------------------------------------------------------

def apply_at_load(conn: Any, sub: Submission, accepted: pl.DataFrame, source: int | None = None,
                  on: dt.date | None = None) -> dict[str, Any] | None:
    """In the load's transaction: apply the ES / X updates of `accepted` (records of `sub`'s school year)
    to the LEA's previous school year, record them, and note the outcome in the submission's counts.
    A rollback (`sub.kind` "rollback") first withdraws the updates of submissions after the one it restores."""
    year = sub.school_year
    if year is None:
        return None
    src = source if source is not None else sub.id
    prior, lea = year - 1, sub.lea
    withdrawn = 0
    if sub.kind == Kind.ROLLBACK.value:
        u = ExitStatusUpdate
        withdrawn = conn.execute(update(u).where(
            u.lea == lea, u.school_year == prior, u.source.in_(("ES", "X")), u.withdrawn_by.is_(None),
            u.source_id > src).values(withdrawn_by=sub.id)).rowcount or 0
    cand = candidates(accepted, year)
    if not cand.height and not withdrawn:
        return None
    when = update_date(sub, on)
    notices: list[str] = []
    refusal = es_refusal(year, sub.period, when)
    refused_es = cand.filter(pl.col("source") == "ES").height if refusal else 0
    if refused_es:
        notices.append(f"{refused_es} ES record(s) not applied: {refusal}")
    refused_x = cand.filter(pl.col("source") == "X").height if year < X_FIRST_SCHOOL_YEAR else 0
    if refused_x:
        notices.append(f"{refused_x} S1 record(s) with resident status X not applied: resident status X "
                       f"carries prior-year updates from the October 2012 submission (school year "
                       f"{X_FIRST_SCHOOL_YEAR}) on")
    keep = pl.lit(True)
    if refusal:
        keep = keep & (pl.col("source") != "ES")
    if refused_x:
        keep = keep & (pl.col("source") != "X")
    cand = cand.filter(keep)
    rows, unmatched, unchanged = _updates(conn, cand, lea, prior, year)
    if unmatched:
        notices.append(f"{unmatched} update(s) found no {prior} S1 record of the student in LEA {lea}: not applied")
    if rows.height:
        conn.execute(insert(ExitStatusUpdate), rows.with_columns(
            pl.lit(lea).alias("lea"), pl.lit(prior).alias("school_year"), pl.lit(sub.id).alias("submission_id"),
            pl.lit(src).alias("source_id"), pl.lit(when).alias("effective_on"), pl.lit(sub.user).alias("user"),
        ).with_columns(pl.lit(utcnow()).alias("applied_at")).to_dicts())
    outcome = {"school_year": prior, "as_of": when.isoformat(), "applied": rows.height, "unchanged": unchanged,
               "refused": refused_es + refused_x, "unmatched": unmatched, "withdrawn": withdrawn,
               "notices": notices}
    counts = dict(sub.counts or {})
    counts["prior_year"] = outcome
    conn.execute(update(Submission).where(Submission.id == sub.id).values(counts=counts))
    sub.counts = counts
    return outcome


def _updates(conn: Any, cand: pl.DataFrame, lea: str, prior: int, year: int) -> tuple[pl.DataFrame, int, int]:
    """The update rows to insert, how many candidates found no prior-year record, and how many changed
    nothing (the value in force already: a file loaded again adds no row)."""
    empty = pl.DataFrame(schema={"record_key": pl.Utf8, "student_number": pl.Utf8, "ssid": pl.Utf8,
                                 "field": pl.Utf8, "old_value": pl.Utf8, "new_value": pl.Utf8,
                                 "source": pl.Utf8, "line": pl.Int64})
    if not cand.height:
        return empty, 0, 0
    last = last_enrollments(effective_frame(conn, prior, lea)).select(
        "record_key", pl.col("student_number").alias("p_student_number"), pl.col("ssid").alias("p_ssid"),
        *[pl.col(f).alias(f"cur_{f}") for f in FIELDS])
    by_ssid = (last.filter(pl.col("p_ssid").is_not_null()).unique("p_ssid", keep="last")
               .select("record_key", "p_ssid", *[f"cur_{f}" for f in FIELDS]))
    by_sn = last.unique("p_student_number", keep="last")
    matched = (cand.join(by_ssid, left_on="ssid", right_on="p_ssid", how="left")
               .join(by_sn.select("p_student_number", pl.col("record_key").alias("rk_sn"),
                                  *[pl.col(f"cur_{f}").alias(f"sn_{f}") for f in FIELDS]),
                     left_on="student_number", right_on="p_student_number", how="left")
               .with_columns(
                   pl.when(pl.col("record_key").is_null()).then(pl.col(f"sn_{f}")).otherwise(pl.col(f"cur_{f}"))
                   .alias(f"cur_{f}") for f in FIELDS)
               .with_columns(pl.coalesce("record_key", "rk_sn").alias("record_key")))
    unmatched = matched.filter(pl.col("record_key").is_null()).height
    matched = matched.filter(pl.col("record_key").is_not_null())
    es = matched.filter(pl.col("source") == "ES").with_columns(_es_field(year).alias("field"))
    parts = [es.select("record_key", "student_number", "ssid", "field",
                       pl.when(pl.col("field") == "exit_code").then(pl.col("cur_exit_code"))
                       .otherwise(pl.col("cur_hs_completion_status")).alias("old_value"),
                       pl.col("updated_status").alias("new_value"), "source", "line")]
    x = matched.filter(pl.col("source") == "X")
    for f in FIELDS:
        parts.append(x.filter(pl.col(f).is_not_null()).select(
            "record_key", "student_number", "ssid", pl.lit(f).alias("field"), pl.col(f"cur_{f}").alias("old_value"),
            pl.col(f).alias("new_value"), "source", "line"))
    allrows = pl.concat([p.cast(empty.schema) for p in parts])  # type: ignore[arg-type]
    # several updates of one record and field in one file: the last line is the one in force
    allrows = allrows.sort("line").unique(["record_key", "field"], keep="last", maintain_order=True)
    changes = allrows.filter(pl.col("old_value").is_null() | (pl.col("old_value") != pl.col("new_value")))
    return changes, unmatched, allrows.height - changes.height
