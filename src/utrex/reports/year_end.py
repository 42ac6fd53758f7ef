"""Year-End membership and attendance (issue 5, item 3): by LEA, school and grade, the aggregate membership
and attendance the schools of record reported, in 180-day equivalents, as ADM and ADA, with the
self-contained special education and YIC membership, and the CTE concentrators, ELL and homeless students
among the enrollments counted (specification: Note 5, 180 day equivalent; S1 School Membership Notes 1-4;
S1 Days Attended; School of Record Note 1; Resident Status; S2/S3 Time code C, SCRAM/YIC Membership;
Concentrator; Limited English Notes 1-2; Homeless), and the high-school completion outcomes and exit codes of
those enrollments (completion.py: S1 High Schl Compl Status, Exit Code).

Who counts: every S1 enrollment in force at a school of record (School of Record blank: Note 1, a school
marked N "receives no membership"), not an exit-status record (resident status X) and not a resident status
A, F or J (not counted in membership, as in october_1). Membership and Days Attended are already 180-day
equivalents in the file, so the aggregates are sums; ADM and ADA are those sums divided by 180.
School Membership PVT/HSC (or anything not a number) counts 0 days: such a student has no membership.
Self-contained membership (time code C) is not in the S1 School Membership (Note 1): the S2 and S3 time-C
memberships of the student at the school are added to the student's enrollment there (once, on the most
recent entry when the student has more than one enrollment at the school).

Exit-status changes: the live report lays the changes in force over the enrollments (ES records and resident
status X records of the next school year's files, the October 15 automatic changes: store/prior_year.py), so
the completion outcomes and exit codes are the current ones; `exit_status_updated` marks them in the detail.
`--finalized` reports the snapshot as the LEA certified it, without later changes.

The detail (one row per enrollment counted) is computed first; the counts are its group-by, so the detail
sums to the counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..engine.rules import expr as E
from ..engine.rules.l2_membership import s1_membership, self_contained
from ..spec import Period, spec_for
from ..store import prior_year
from . import completion, inputs
from .october_1 import (
    ELL_CODES,
    ELL_MONITORED,
    GRADE_ORDER,
    HOMELESS_CODES,
    NOT_IN_MEMBERSHIP,
    ell_window_start,
)
from .suppression import mark_small_counts

if TYPE_CHECKING:
    from ..store.db import Store

DAYS = 180  # Note 5: membership and attendance are reported in 180-day equivalents
KEY = ["lea_number", "school_number", "grade_level"]
S1_READ = ("student_number", "ssid", "last_name", "first_name", "grade_level", "entry_date", "exit_date",
           "school_membership", "days_attended", "resident_status", "school_of_record", "concentrator",
           "limited_english", "ell_monitored_entry_date", "homeless", "school_number", "exit_code",
           "hs_completion_status")
# summed per row of the counts; `students` is the number of enrollments counted
SUMS = ["school_membership_days", "self_contained_sped_days", "self_contained_yic_days", "membership_days",
        "attendance_days"]
FLAGS = ["cte_concentrator", "ell", "homeless"]
COUNT_COLUMNS = ["students", *SUMS, *FLAGS, *completion.COUNT_COLUMNS]  # the ones the small-count marking reads: see counts()
UPDATED = "exit_status_updated"  # a later exit-status change is laid over the enrollment (live report only)
DETAIL_COLUMNS = [*KEY, "student_number", "ssid", "last_name", "first_name", "entry_date", "exit_date",
                  "resident_status", "school_membership", "days_attended", *SUMS[:-1], "attendance_days",
                  "concentrator", "limited_english", "ell_monitored_entry_date", "homeless_code", *FLAGS,
                  *completion.DETAIL_COLUMNS, UPDATED]
SC_SCHEMA = {"lea": pl.Utf8, "school": pl.Utf8, "student_number": pl.Utf8, "days": pl.Int64}


def _sliced(records: pl.DataFrame, record_type: str, school_year: int, ids: tuple[str, ...]) -> pl.LazyFrame:
    layout = spec_for(school_year).layout(record_type)
    fields = [layout.field(f) for f in ids]
    return (records.lazy().filter(pl.col("record_type") == record_type)
            .with_columns([pl.col("text").str.slice(f.offset, f.width).alias(f.id) for f in fields])
            .with_columns(E.derived_columns(fields)))


def _self_contained(records: pl.DataFrame, school_year: int, record_type: str, membership: str) -> pl.LazyFrame:
    """Per LEA, school and student number, the days of time-code-C membership of `record_type` (S2: SCRAM,
    S3: YIC); a membership that is not a number counts 0 (the file's own checks report it)."""
    rows = _sliced(records, record_type, school_year, ("student_number", "time", membership, "school_number"))
    return (rows.filter(self_contained(pl.col("time")))
            .group_by(E.stripped("lea").alias("lea"), E.stripped("school_number").alias("school"),
                      E.stripped("student_number").alias("student_number"))
            .agg(E.integer(membership).fill_null(0).sum().cast(pl.Int64).alias("days")))


def detail(records: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """One row per enrollment counted (DETAIL_COLUMNS), from records of RECORD_SCHEMA + record_type (and
    `exit_status_updated` when prior_year.overlay has written changes into them)."""
    if UPDATED not in records.columns:
        records = records.with_columns(pl.lit(False).alias(UPDATED))
    s1 = (_sliced(records, "S1", school_year, S1_READ)
          .filter(E.blank_trimmed("school_of_record")
                  & ~E.stripped("resident_status").is_in(["X", *NOT_IN_MEMBERSHIP]))
          .with_columns(E.stripped("school_number").alias("school"),
                        E.stripped("student_number").alias("student_number"), E.stripped("ssid").alias("ssid")))
    # the self-contained days go on one enrollment of the student at the school: the most recent entry
    first = (pl.int_range(pl.len()).sort_by([E.date("entry_date"), pl.col("record_key")], descending=True,
                                             nulls_last=True).over(["lea", "school", "student_number"]) == 0)
    sped = _self_contained(records, school_year, "S2", "scram_membership").rename({"days": "_sped"})
    yic = _self_contained(records, school_year, "S3", "yic_membership").rename({"days": "_yic"})
    on = ["lea", "school", "student_number"]
    monitored = pl.col("ell_monitored_entry_date").str.strip_chars(" ").str.to_date("%Y%m%d", strict=False)
    ell = (E.stripped("limited_english").is_in(ELL_CODES)
           | ((E.stripped("limited_english") == ELL_MONITORED) & (monitored >= ell_window_start(school_year))))
    out = (s1.with_columns(first.alias("_first"))
           .join(sped, on=on, how="left").join(yic, on=on, how="left")
           .with_columns(s1_membership().fill_null(0).alias("school_membership_days"),
                         pl.when("_first").then(pl.col("_sped")).otherwise(0).fill_null(0).alias(
                             "self_contained_sped_days"),
                         pl.when("_first").then(pl.col("_yic")).otherwise(0).fill_null(0).alias(
                             "self_contained_yic_days"),
                         pl.when(E.blank_trimmed("days_attended")).then(0).otherwise(E.integer("days_attended"))
                         .fill_null(0).cast(pl.Int64).alias("attendance_days"))
           .with_columns((pl.col("school_membership_days") + pl.col("self_contained_sped_days")
                          + pl.col("self_contained_yic_days")).alias("membership_days"))
           .select(pl.col("lea").alias("lea_number"), pl.col("school").alias("school_number"),
                   E.stripped("grade_level").alias("grade_level"), "student_number", "ssid",
                   *[E.stripped(c).alias(c) for c in ("last_name", "first_name", "entry_date", "exit_date",
                                                      "resident_status", "school_membership", "days_attended")],
                   *[pl.col(c).cast(pl.Int64) for c in SUMS[:-1]], pl.col("attendance_days").cast(pl.Int64),
                   *[E.stripped(c).alias(c) for c in ("concentrator", "limited_english", "ell_monitored_entry_date")],
                   E.stripped("homeless").alias("homeless_code"),
                   (~E.blank_trimmed("concentrator")).alias("cte_concentrator"), ell.alias("ell"),
                   E.stripped("homeless").is_in(HOMELESS_CODES).alias("homeless"), *completion.detail_columns(),
                   pl.col(UPDATED)))
    return _ordered(out.collect(), ["student_number", "entry_date"])


def counts(enrolled: pl.DataFrame) -> pl.DataFrame:
    """One row per LEA, school and grade: enrollments (`students`), the day sums, ADM and ADA (the day sums
    over 180, two decimals), the flags, the completion outcomes and exit codes (completion.COUNT_COLUMNS),
    and `suppressed`. Day sums are not head counts: only the head counts
    (`students` and the flags) are marked as small (suppression.py)."""
    out = enrolled.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("students"),
                                     *[pl.col(c).sum().cast(pl.Int64) for c in SUMS],
                                     *[pl.col(f).sum().cast(pl.Int64) for f in FLAGS],
                                     *completion.count_aggs())
    out = out.with_columns((pl.col("membership_days") / DAYS).round(2).alias("adm"),
                           (pl.col("attendance_days") / DAYS).round(2).alias("ada"))
    out = out.select(*KEY, "students", *SUMS, "adm", "ada", *FLAGS, *completion.COUNT_COLUMNS)
    return mark_small_counts(_ordered(out, []), ["students", *FLAGS, *completion.COUNT_COLUMNS])


def _ordered(frame: pl.DataFrame, then: list[str]) -> pl.DataFrame:
    grade = pl.col("grade_level").replace_strict(GRADE_ORDER, list(range(len(GRADE_ORDER))), default=99)
    return frame.sort([pl.col("lea_number"), pl.col("school_number"), grade, *[pl.col(c) for c in then]])


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The report for the state, one LEA or one of its schools: (counts, detail, facts). Each LEA's own
    enrollments are summed (membership is not decided across LEAs: each school of record reports its own
    days), so only the scoped LEA's records are read."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    school = school.strip() if school is not None else None
    types = ("S1", "S2", "S3")
    if finalized:  # the snapshot as the LEA certified it
        records = inputs.finalized_records(store, school_year, Period.YEAR_END, types)
    else:  # with the exit-status changes in force (later ES / X records, the October 15 automatic changes)
        records = inputs.live_records(store, school_year, types, lea)
        with store.engine.connect() as conn:
            records = prior_year.overlay(conn, records, school_year)
    enrolled = detail(records, school_year)
    if lea is not None:
        enrolled = enrolled.filter(pl.col("lea_number") == lea)
    if school is not None:
        enrolled = enrolled.filter(pl.col("school_number") == school)
    facts: dict[str, object] = {"report": "year-end", "title": "Year-End membership, attendance and completion",
                                "school_year": school_year, "scope": {"lea": lea, "school": school},
                                "finalized": finalized, "days_in_year": DAYS,
                                "ell_monitored_on_or_after": ell_window_start(school_year).isoformat(),
                                "students": enrolled.height}
    return counts(enrolled), enrolled, facts
