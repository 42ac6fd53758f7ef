"""December 1 count: special education students (S2) and homeless students in membership on the count date,
by LEA and school (specification: Note 1 of the upload times; S1 Exit Date Note 1; SCRAM Exit Date;
Environment Notes 1-2; Time; Regular Percent; Homeless; Accompanied Student).

Who is in membership: as for October 1, the enrollment `cross_lea.school_of_record_frame` picks for the SSID
on the count date (December 1, the following Monday on a weekend; an exit date on or before it excludes),
unless its resident status is A, F or J. Special education (`count` = special_education): such a student's S2
of the same LEA in SCRAM membership on the count date (SCRAM entry on or before it, SCRAM exit after it or
blank: the same rule as the S1 exit date), by disability type x age x environment, with the Time code and
Regular Percent breakdowns. Age is as of December 1 itself (Environment Note 2, "December 1 update uses age as
of the current December 1": the date is not moved off a weekend). Students aged 3 through 5 with environment
P (parentally placed in a private school) are in NO December 1 report (Environment Note 1): left out of both
counts and named in `facts`. Homeless (`count` = homeless): students in membership with a Homeless code 1-5,
by code and Accompanied Student.

Counts are the group-by of the detail (one row per student and count), so the detail sums to them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from ..engine.rules import expr as E
from ..spec import Period, spec_for
from ..store.cross_lea import parse_s1, school_of_record_frame
from ..store.periods import period_dates, policy_for
from . import inputs
from .october_1 import HOMELESS_CODES, NOT_IN_MEMBERSHIP
from .suppression import mark_small_counts

if TYPE_CHECKING:
    from ..store.db import Store

SPECIAL_EDUCATION, HOMELESS = "special_education", "homeless"  # the two counts of the report
PARENTALLY_PLACED = "P"  # Environment: parentally placed in a private school
EXCLUDED_AGES = (3, 5)  # with P: in no December 1 report (Environment Note 1), inclusive
TIMES = ("A", "B", "C")  # Time: resource 1-59 / 60-179 minutes, self-contained 180+
REGULAR = ("1", "2", "3")  # Regular Percent: 80%+, 40-79%, under 40% of the day; blank for Pre-K
KEY = ["lea_number", "school_number", "count", "disability", "age", "environment", "homeless_code", "accompanied"]
FLAGS = [*[f"time_{t.lower()}" for t in TIMES], *[f"regular_{r}" for r in REGULAR], "regular_blank"]
COUNT_COLUMNS = ["students", *FLAGS]
S1_EXTRA = ("grade_level", "homeless", "accompanied")
S2_FIELDS = ("student_number", "disability_type", "time", "scram_entry_date", "scram_exit_date",
             "regular_percent", "environment")
# who, then the codes that put the student in the count, then the flags (never SSN or phone number)
DETAIL_COLUMNS = [*KEY, "student_number", "ssid", "last_name", "first_name", "birth_date", "grade_level",
                  "entry_date", "exit_date", "resident_status", "time", "regular_percent", "scram_entry_date",
                  "scram_exit_date", *FLAGS]


def count_day(store: Store, school_year: int) -> dt.date:
    """December 1 of the year the school year starts, moved as the period policy in force says (a weekend:
    the following Monday)."""
    return period_dates(policy_for(store, school_year), Period.DECEMBER).count_date(school_year)


def age_day(school_year: int) -> dt.date:
    """The age date of the December 1 update: December 1 itself, never moved (Environment Note 2)."""
    return dt.date(school_year - 1, 12, 1)


def members(records: pl.DataFrame, school_year: int, on: dt.date) -> pl.DataFrame:
    """One row per student in membership on `on` at the school of record (not A/F/J): lea, school,
    student_number, ssid, names, dates, resident status and S1_EXTRA codes."""
    s1 = parse_s1(records.filter(pl.col("record_type") == "S1").drop("record_type"), school_year).collect().lazy()
    winners = school_of_record_frame(s1, on).lazy().select("lea", "record_key")
    layout = spec_for(school_year).layout("S1")
    extra = [pl.col("text").str.slice(layout.field(f).offset, layout.field(f).width).str.strip_chars(" ").alias(f)
             for f in S1_EXTRA]
    return (s1.join(winners, on=["lea", "record_key"], how="inner").with_columns(extra)
            .filter(~E.stripped("resident_status").is_in(NOT_IN_MEMBERSHIP))
            .select("lea", "school", "student_number", "ssid", E.stripped("last_name").alias("last_name"),
                    E.stripped("first_name").alias("first_name"), pl.col("birth_date__date").alias("birth"),
                    E.stripped("birth_date").alias("birth_date"), E.stripped("entry_date").alias("entry_date"),
                    E.stripped("exit_date").alias("exit_date"),
                    E.stripped("resident_status").alias("resident_status"), *S1_EXTRA)
            .collect())


def scram(records: pl.DataFrame, school_year: int, on: dt.date) -> pl.DataFrame:
    """Per (lea, student_number), the S2 in SCRAM membership on `on`; of several, the latest SCRAM entry
    (then the highest record key) — one row per student, so the count is of students."""
    layout = spec_for(school_year).layout("S2")
    fields = [layout.field(f) for f in S2_FIELDS]
    day = pl.lit(on, dtype=pl.Date)
    return (records.lazy().filter(pl.col("record_type") == "S2")
            .with_columns([pl.col("text").str.slice(f.offset, f.width).alias(f.id) for f in fields])
            .with_columns(E.derived_columns(fields))
            .filter((E.date("scram_entry_date") <= day)
                    & (E.blank_trimmed("scram_exit_date") | (E.date("scram_exit_date") > day)))
            .sort(["lea", "student_number", pl.col("scram_entry_date__date"), "record_key"])
            .group_by("lea", E.stripped("student_number").alias("student_number")).agg(pl.all().last())
            .select("lea", "student_number",
                    *[E.stripped(f).alias(f) for f in S2_FIELDS if f != "student_number"])
            .collect())


def detail(records: pl.DataFrame, school_year: int, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(detail, excluded): one row per student and count (DETAIL_COLUMNS), and the students aged 3-5 with
    environment P left out of every count."""
    who = members(records, school_year, on)
    sped = who.join(scram(records, school_year, on), on=["lea", "student_number"], how="inner").with_columns(
        E.age_on(pl.col("birth"), age_day(school_year)).cast(pl.Int64).alias("age"))
    excluded_rule = ((pl.col("environment") == PARENTALLY_PLACED)
                     & pl.col("age").is_between(*EXCLUDED_AGES))
    excluded = sped.filter(excluded_rule)
    sped = sped.filter(~excluded_rule)
    who = who.join(excluded.select("lea", "student_number"), on=["lea", "student_number"], how="anti")
    homeless = who.filter(pl.col("homeless").is_in(HOMELESS_CODES))
    blank = pl.lit("")
    sped_rows = sped.select(
        pl.col("lea").alias("lea_number"), pl.col("school").alias("school_number"),
        pl.lit(SPECIAL_EDUCATION).alias("count"), pl.col("disability_type").alias("disability"), "age",
        "environment", blank.alias("homeless_code"), blank.alias("accompanied"), *_who(),
        "time", "regular_percent", "scram_entry_date", "scram_exit_date",
        *[(pl.col("time") == t).alias(f"time_{t.lower()}") for t in TIMES],
        *[(pl.col("regular_percent") == r).alias(f"regular_{r}") for r in REGULAR],
        (pl.col("regular_percent") == "").alias("regular_blank"))
    homeless_rows = homeless.select(
        pl.col("lea").alias("lea_number"), pl.col("school").alias("school_number"),
        pl.lit(HOMELESS).alias("count"), blank.alias("disability"), pl.lit(None, dtype=pl.Int64).alias("age"),
        blank.alias("environment"), pl.col("homeless").alias("homeless_code"), "accompanied", *_who(),
        *[blank.alias(c) for c in ("time", "regular_percent", "scram_entry_date", "scram_exit_date")],
        *[pl.lit(False).alias(f) for f in FLAGS])
    out = pl.concat([sped_rows, homeless_rows], how="vertical").select(DETAIL_COLUMNS)
    return out.sort([*KEY, "student_number"], nulls_last=True), excluded


def _who() -> list[pl.Expr]:
    return [pl.col(c) for c in ("student_number", "ssid", "last_name", "first_name", "birth_date", "grade_level",
                                "entry_date", "exit_date", "resident_status")]


def counts(students: pl.DataFrame) -> pl.DataFrame:
    """One row per LEA, school, count and category: `students`, the FLAGS breakdowns and `suppressed`."""
    out = students.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("students"),
                                     *[pl.col(f).sum().cast(pl.Int64) for f in FLAGS])
    return mark_small_counts(out.sort(KEY, nulls_last=True), COUNT_COLUMNS)


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The report for the state, one LEA or one of its schools: (counts, detail, facts)."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    school = school.strip() if school is not None else None
    on = count_day(store, school_year)
    types = ("S1", "S2")
    records = (inputs.finalized_records(store, school_year, Period.DECEMBER, types) if finalized
               else inputs.live_records(store, school_year, types, lea))
    students, excluded = detail(records, school_year, on)
    excluded = excluded.rename({"lea": "lea_number", "school": "school_number"}).filter(_scoped(lea, school))
    students = students.filter(_scoped(lea, school))
    facts: dict[str, object] = {
        "report": "december-1", "title": "December 1 special education and homeless count",
        "school_year": school_year, "count_date": on.isoformat(), "age_date": age_day(school_year).isoformat(),
        "scope": {"lea": lea, "school": school}, "finalized": finalized,
        "special_education": int((students["count"] == SPECIAL_EDUCATION).sum()),
        "homeless": int((students["count"] == HOMELESS).sum()),
        "excluded_parentally_placed_3_to_5": excluded.height,
        "students": students.height}
    return counts(students), students, facts


def _scoped(lea: str | None, school: str | None) -> pl.Expr:
    keep = pl.lit(True)
    if lea is not None:
        keep = keep & (pl.col("lea_number") == lea)
    if school is not None:
        keep = keep & (pl.col("school_number") == school)
    return keep
