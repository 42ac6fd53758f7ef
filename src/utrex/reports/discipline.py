"""Discipline incidents of the Year-End report (issue 5, item 3: "discipline incidents by infraction type and
action"), from the I1 (Incident) and I2 (Incident Association) records in force (specification: Incident
Record; Incident Association Record: PI Infraction Type, Discipline Method, Number of Days, In School).

Each I2 is one student in one incident ("each 'I2' record represents a different student involved in the
incident"), so the detail is one row per I2. A row is counted under the student's primary infraction type (PI
Infraction Type, required on every I2; the secondary ones are listed in the detail, not counted, so that
each student in an incident is counted once) and under the action taken: the Discipline Method (S
suspended, E expelled, blank other or no discipline) with In School (Y in school, N out of school; the
spec says N when there was no discipline, so a blank method is one action whatever In School says).

The incident's date comes from its I1 (same LEA, the Incident ID's number: revision of April 20, 2011 makes
it unique within the LEA, and `l2_links` matches 0000010001 with 10001); the student's SSID and name from the
S1 of the same LEA, school and student number (the I2 Student Number "must match ... an 'S1' record for the
school"; of several, the most recent entry). Every I2 in force counts: an incident belongs to the school it
happened at, whatever the student's school of record.

Counts per LEA, school, infraction type and action: `incidents` (distinct incidents), `students` (distinct
students), `involvements` (I2 rows: a student in two incidents counts twice) and `days` (Number of Days
summed; not a head count, never marked small). All are the detail's group-by, so the detail sums to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..spec import Period, spec_for
from ..spec.codes_2013 import BLANK, DISCIPLINE_METHOD, INFRACTION_ALL
from . import inputs
from .suppression import mark_small_counts

if TYPE_CHECKING:
    from ..store.db import Store

NAME, TITLE = "discipline", "Discipline incidents by infraction type and action"
KEY = ["lea_number", "school_number", "infraction_type", "action"]
HEAD_COUNTS = ["incidents", "students", "involvements"]  # marked when small (suppression.py)
COUNT_COLUMNS = [*HEAD_COUNTS, "days"]
NO_DISCIPLINE = "none"  # the action of a blank Discipline Method
# action code -> meaning; S and E with In School Y / N (Discipline Method x In School code sets)
ACTIONS = {**{f"{m}{w}": f"{DISCIPLINE_METHOD.codes[m]}, {place}" for m in ("S", "E")
              for w, place in (("Y", "in school"), ("N", "out of school"))},
           NO_DISCIPLINE: DISCIPLINE_METHOD.codes[BLANK]}
I2_READ = ("incident_id", "student_number", "discipline_method", "number_of_days", "in_school", "pi_infraction_type",
           "pi_weapon", "pi_role", *[f"si{k}_infraction_type" for k in (1, 2, 3, 4)], "caused_incident",
           "referred_police", "school_number")
DETAIL_COLUMNS = [*KEY, "infraction", "action_meaning", "student_number", "ssid", "last_name", "first_name",
                  "incident_id", "incident_date", "gang_related", "discipline_method", "in_school", "number_of_days",
                  "pi_weapon", "pi_role", "secondary_infractions", "caused_incident", "referred_police"]


def _sliced(records: pl.DataFrame, record_type: str, school_year: int, ids: tuple[str, ...]) -> pl.LazyFrame:
    layout = spec_for(school_year).layout(record_type)
    return (records.lazy().filter(pl.col("record_type") == record_type)
            .with_columns(pl.col("text").str.slice(layout.field(f).offset, layout.field(f).width)
                          .str.strip_chars(" ").alias(f) for f in ids))


def _number(column: str) -> pl.Expr:
    """An Incident ID as its number's text (0000010001 is 10001), as l2_links matches them."""
    return pl.col(column).str.strip_chars(" ").str.strip_chars_start("0")


def detail(records: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """One row per I2 in force (DETAIL_COLUMNS), from records of RECORD_SCHEMA + record_type."""
    i1 = (_sliced(records, "I1", school_year, ("incident_id", "gang_related", "incident_date"))
          .sort("lea", "line").group_by("lea", _number("incident_id").alias("_incident"), maintain_order=True)
          .agg(pl.col("incident_date").first(), pl.col("gang_related").first()))
    s1 = (_sliced(records, "S1", school_year, ("school_number", "student_number", "ssid", "last_name", "first_name",
                                               "entry_date"))
          .sort("entry_date", "record_key", descending=True)
          .group_by("lea", "school_number", "student_number")
          .agg(pl.col("ssid").first(), pl.col("last_name").first(), pl.col("first_name").first()))
    method, where = pl.col("discipline_method"), pl.col("in_school")
    action = pl.when(method == "").then(pl.lit(NO_DISCIPLINE)).otherwise(method + where)
    secondary = pl.concat_str([pl.col(f"si{k}_infraction_type") for k in (1, 2, 3, 4)], separator=" ") \
        .str.strip_chars(" ")
    out = (_sliced(records, "I2", school_year, I2_READ)
           .with_columns(_number("incident_id").alias("_incident"), action.alias("action"))
           .with_columns(pl.col("_incident").alias("incident_id"))
           .join(i1, on=["lea", "_incident"], how="left")
           .join(s1, on=["lea", "school_number", "student_number"], how="left")
           .select(pl.col("lea").alias("lea_number"), "school_number",
                   pl.col("pi_infraction_type").alias("infraction_type"), "action",
                   pl.col("pi_infraction_type").replace_strict(INFRACTION_ALL, default=None).alias("infraction"),
                   pl.col("action").replace_strict(ACTIONS, default=None).alias("action_meaning"),
                   "student_number", "ssid", "last_name", "first_name", "incident_id", "incident_date",
                   "gang_related", "discipline_method", "in_school",
                   pl.col("number_of_days").cast(pl.Int64, strict=False).fill_null(0).alias("number_of_days"),
                   "pi_weapon", "pi_role", secondary.alias("secondary_infractions"), "caused_incident",
                   "referred_police")
           .collect())
    return out.sort([*KEY, pl.col("incident_id").str.zfill(10), "student_number"])


def counts(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per LEA, school, infraction type and action: the meanings, COUNT_COLUMNS and `suppressed`."""
    out = rows.group_by(KEY).agg(pl.col("infraction").first(), pl.col("action_meaning").first(),
                                 pl.col("incident_id").n_unique().cast(pl.Int64).alias("incidents"),
                                 pl.col("student_number").n_unique().cast(pl.Int64).alias("students"),
                                 pl.len().cast(pl.Int64).alias("involvements"),
                                 pl.col("number_of_days").sum().cast(pl.Int64).alias("days"))
    return mark_small_counts(out.sort(KEY).select(*KEY, "infraction", "action_meaning", *COUNT_COLUMNS), HEAD_COUNTS)


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The discipline table for the state, one LEA or one of its schools: (counts, detail, facts); the detail
    is what `--detail` lists (DETAIL_COLUMNS). `finalized`: the Year-End snapshots."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    school = school.strip() if school is not None else None
    types = ("S1", "I1", "I2")
    records = (inputs.finalized_records(store, school_year, Period.YEAR_END, types) if finalized
               else inputs.live_records(store, school_year, types, lea))
    rows = detail(records, school_year)
    if lea is not None:
        rows = rows.filter(pl.col("lea_number") == lea)
    if school is not None:
        rows = rows.filter(pl.col("school_number") == school)
    facts: dict[str, object] = {
        "title": TITLE, "incidents": rows.select("lea_number", "incident_id").n_unique() if rows.height else 0,
        "students": rows.select("lea_number", "school_number", "student_number").n_unique() if rows.height else 0,
        "involvements": rows.height, "counted_by": "primary infraction type (PI) x discipline method and in school"}
    return counts(rows), rows, facts
