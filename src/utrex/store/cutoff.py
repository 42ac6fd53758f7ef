"""The October 15 cut-off: the automatic changes to the school year that ended, once the ES window closed.

Specification, S1 High School Completion Status Notes 2 and 3 and Exit Code Note 7: a student whose last
enrollment of the year is
- 'GP' (graduation pending) with no ES update by October 15 becomes 'CT';
- 'RT' (retained senior) with neither a new enrollment (an S1 of the next school year) nor an ES update by
  October 15 becomes 'DO';
- exited 'EX' (expelled) with no S1 or ES record of the next school year by October 15 gets completion
  status 'DO'.
Updates are the `exit_status_updates` of ES records and S1 records with resident status X (which replace
ES records from October 2012). Each change is one more row of that table (source "cutoff", the rule, the
run, who and when); the records loaded are never rewritten. A record an automatic change has reached is
not changed again, so running the cut-off twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import insert, select

from .db import Store
from .models import CutoffRun, ExitStatusUpdate, Record, utcnow
from .prior_year import effective_frame, fields_of, last_enrollments


@dataclass(frozen=True)
class AutoRule:
    name: str
    field: str  # the S1 field whose value identifies the student at year end
    code: str
    new_value: str  # of the completion status
    # what of the next school year prevents the change besides an update: "" nothing, "enrollment" a new
    # enrollment (an S1 not resident X), "s1" any S1 record (X included)
    blocked_by: str
    citation: str


RULES = (
    AutoRule("GP->CT", "hs_completion_status", "GP", "CT", "", "High Schl Compl Status, Note 2"),
    AutoRule("RT->DO", "hs_completion_status", "RT", "DO", "enrollment", "High Schl Compl Status, Note 3"),
    AutoRule("EX->DO", "exit_code", "EX", "DO", "s1", "Exit Code, Note 7"),
)
TARGET = "hs_completion_status"  # every automatic change sets the completion status


def default_date(school_year: int) -> dt.date:
    """October 15 after the school year ended (school year 2012 ends June 30, 2012: October 15, 2012)."""
    return dt.date(school_year, 10, 15)


@dataclass
class CutoffResult:
    school_year: int
    cutoff_date: dt.date
    user: str
    dry_run: bool
    changes: pl.DataFrame
    run_id: int | None = None
    by_rule: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"school_year": self.school_year, "cutoff_date": self.cutoff_date.isoformat(), "user": self.user,
                "dry_run": self.dry_run, "run": self.run_id, "changed": self.changes.height,
                "by_rule": self.by_rule, "changes": self.changes.to_dicts()}


def _frame(conn: Any, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in conn.execute(query).all()], schema=schema, orient="row")


def next_year_students(conn: Any, school_year: int) -> pl.DataFrame:
    """Students with an S1 record of `school_year` in force: lea, student_number, ssid, enrolled (not X)."""
    r = Record
    s1 = _frame(conn, select(r.lea, r.text).where(r.school_year == school_year, r.record_type == "S1"),
                {"lea": pl.Utf8, "text": pl.Utf8})
    s1 = fields_of(s1, "S1", school_year, ("student_number", "ssid", "resident_status"))
    return s1.select("lea", "student_number", "ssid",
                     (pl.col("resident_status").fill_null("") != "X").alias("enrolled"))


def plan(conn: Any, school_year: int, cutoff_date: dt.date, lea: str | None = None) -> pl.DataFrame:
    """The automatic changes due for `school_year` on `cutoff_date` (nothing is written)."""
    base = last_enrollments(effective_frame(conn, school_year, lea, cutoff_date))
    u = ExitStatusUpdate
    q = (select(u.lea, u.record_key, u.source).where(u.school_year == school_year, u.withdrawn_by.is_(None),
                                                     u.effective_on <= cutoff_date))
    if lea is not None:
        q = q.where(u.lea == lea)
    ups = _frame(conn, q, {"lea": pl.Utf8, "record_key": pl.Utf8, "source": pl.Utf8})
    updated = ups.filter(pl.col("source") != "cutoff").select("lea", "record_key").unique()
    reached = ups.filter(pl.col("source") == "cutoff").select("lea", "record_key").unique()
    nxt = next_year_students(conn, school_year + 1)
    # any S1 of the next school year (X included) is "an S1 record"; only a non-X one is a new enrollment
    any_ssid = nxt.filter(pl.col("ssid").is_not_null()).select("ssid").unique()
    enr_ssid = nxt.filter(pl.col("enrolled") & pl.col("ssid").is_not_null()).select("ssid").unique()
    any_sn = nxt.select("lea", "student_number").unique()
    enr_sn = nxt.filter("enrolled").select("lea", "student_number").unique()
    base = (base.join(updated.with_columns(pl.lit(True).alias("has_update")), on=["lea", "record_key"], how="left")
            .join(reached.with_columns(pl.lit(True).alias("reached")), on=["lea", "record_key"], how="left")
            .join(any_ssid.with_columns(pl.lit(True).alias("s1_ssid")), on="ssid", how="left")
            .join(enr_ssid.with_columns(pl.lit(True).alias("enr_ssid")), on="ssid", how="left")
            .join(any_sn.with_columns(pl.lit(True).alias("s1_sn")), on=["lea", "student_number"], how="left")
            .join(enr_sn.with_columns(pl.lit(True).alias("enr_sn")), on=["lea", "student_number"], how="left")
            .with_columns(pl.col("has_update", "reached", "s1_ssid", "enr_ssid", "s1_sn", "enr_sn").fill_null(False)))
    parts = []
    for rule in RULES:
        blocked = pl.col("has_update") | pl.col("reached")
        if rule.blocked_by == "s1":
            blocked = blocked | pl.col("s1_ssid") | pl.col("s1_sn")
        elif rule.blocked_by == "enrollment":
            blocked = blocked | pl.col("enr_ssid") | pl.col("enr_sn")
        hit = base.filter((pl.col(rule.field) == rule.code) & ~blocked
                          & (pl.col(TARGET).is_null() | (pl.col(TARGET) != rule.new_value)))
        parts.append(hit.select("lea", "record_key", "student_number", "ssid", pl.lit(rule.code).alias("was"),
                                pl.lit(TARGET).alias("field"), pl.col(TARGET).alias("old_value"),
                                pl.lit(rule.new_value).alias("new_value"), pl.lit(rule.name).alias("rule")))
    # one change per record: the first rule that applies (a GP record is never also RT)
    return pl.concat(parts).unique(["lea", "record_key"], keep="first", maintain_order=True)


def _by_rule(changes: pl.DataFrame) -> dict[str, int]:
    return {r.name: changes.filter(pl.col("rule") == r.name).height for r in RULES}


def run(store: Store, school_year: int, cutoff_date: dt.date | None = None, user: str = "unknown",
        dry_run: bool = False, lea: str | None = None, today: dt.date | None = None) -> CutoffResult:
    """Apply (or, `dry_run`, only list) the automatic changes of the cut-off for `school_year`, in one
    transaction. Refused (ValueError) before the cut-off date: the ES window is still open."""
    when = cutoff_date or default_date(school_year)
    now = today or dt.date.today()
    if when > now:
        raise ValueError(f"the cut-off of school year {school_year} is {when}: it cannot run before that day "
                         f"(today is {now}); updates may still come until then")
    if dry_run:
        with store.engine.connect() as conn:
            changes = plan(conn, school_year, when, lea)
        return CutoffResult(school_year, when, user, True, changes, by_rule=_by_rule(changes))
    with store.write() as conn:  # planned and written in one write transaction: no update slips between
        changes = plan(conn, school_year, when, lea)
        result = CutoffResult(school_year, when, user, False, changes, by_rule=_by_rule(changes))
        run_id = conn.execute(insert(CutoffRun).values(
            school_year=school_year, cutoff_date=when, user=user, ran_at=utcnow(), changes=changes.height,
            counts=result.by_rule)).inserted_primary_key[0]
        if changes.height:
            conn.execute(insert(ExitStatusUpdate), changes.drop("was").with_columns(
                pl.lit(school_year).alias("school_year"), pl.lit("cutoff").alias("source"),
                pl.lit(run_id).alias("cutoff_run_id"), pl.lit(when).alias("effective_on"),
                pl.lit(user).alias("user")).with_columns(pl.lit(utcnow()).alias("applied_at")).to_dicts())
        result.run_id = run_id
    return result
