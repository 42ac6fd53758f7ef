"""October 1 Fall Enrollment: students in membership on the count date at their school of record, by LEA,
school and grade, with the demographic breakdowns (specification: Note 1 of the upload times; S1 Exit
Date Note 1; School of Record; Resident Status; Ethnicity/Race Notes 3-4; Limited English Notes 1-2;
Economic Disadv; Homeless; Migrant; S2 SCRAM dates).

Who counts (`students`): the enrollment `cross_lea.school_of_record_frame` picks for the SSID on the count
date (entry on or before it, exit after it or blank; School of Record N and resident status X take no part;
across LEAs the most recent entry date wins), unless that enrollment's resident status is A, F or J (not
counted in membership). The detail (one row per student, the columns that put the student in each count)
is computed first; the counts are its group-by, so the detail always sums to the counts. A charter school's
rows carry its maximum enrollment and whether the school's count is over it (`charters`).

For charters, the district-of-residence breakdown (S1 District of Residence: "intended use is for LEAs with
numbers other than 01-40, 42, such as charter schools"; the same LEAs `charter_summary` reports): on the same
row, one fixed column per regular district, `residence_01` ... `residence_40`, `residence_42`, and
`residence_not_given` (blank or not a regular district: a row to correct, counted, never dropped); they sum
to `students`. On a regular district's rows they are null (not applicable, not zero). Fixed columns keep the
csv one row per LEA, school and grade with a stable header a state data office can load as is.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from ..engine.context import count_date
from ..engine.rules import expr as E
from ..reference.model import Reference, load_reference
from ..spec import Period, spec_for
from ..spec.codes_2013 import REGULAR_DISTRICTS
from ..store.cross_lea import parse_s1, school_of_record_frame
from . import inputs
from .charters import reference_in_force, with_charter_caps
from .suppression import mark_small_counts

if TYPE_CHECKING:
    from ..store.db import Store

NOT_IN_MEMBERSHIP = ("A", "F", "J")  # Resident Status Note 1 (X never reaches here: enrollments() drops it)
ELL_CODES = ("Y", "O")  # Limited English Note 2: counted as ELL
ELL_MONITORED = "F"  # counted only within its two-year monitoring window (Note 1)
ECONOMIC_CODES = ("F", "R", "Y")  # free lunch, reduced price, otherwise economically disadvantaged
HOMELESS_CODES = ("1", "2", "3", "4", "5")  # 0 is "not homeless"
RACES = ("american_indian", "asian", "black", "pacific_islander", "white")  # race_<name> fields, in order
# the federal categories (Ethnicity/Race Note 4), in the column order of the report
FEDERAL = ("hispanic", *RACES, "two_or_more_races", "race_not_reported")
# the S1 fields besides cross_lea.S1_FIELDS the report reads
EXTRA = ("grade_level", "ethnicity", *[f"race_{r}" for r in RACES], "limited_english", "ell_monitored_entry_date",
         "economic_disadv", "migrant", "homeless", "district_of_residence")
KEY = ["lea_number", "school_number", "grade_level"]
FLAGS = ["male", "female", *FEDERAL, "ethnic_minority", "ell", "economically_disadvantaged",
         "special_education", "homeless", "migrant"]
COUNT_COLUMNS = ["students", *FLAGS]
# charters only (null elsewhere): students by District of Residence, a column per regular district
RESIDENCE_COLUMNS = [*[f"residence_{d}" for d in REGULAR_DISTRICTS], "residence_not_given"]
# the detail: who, then the raw codes that decided each flag, then the flags (never SSN or phone number)
DETAIL_COLUMNS = [*KEY, "student_number", "ssid", "last_name", "first_name", "entry_date", "exit_date",
                  "resident_status", "gender", "ethnicity", *[f"race_{r}" for r in RACES], "federal_race",
                  "limited_english", "ell_monitored_entry_date", "economic_disadv", "homeless_code",
                  "migrant_code", "district_of_residence", *FLAGS]
GRADE_ORDER = ["PK", "-1", *[f"{g:02d}" for g in range(13)]]


def count_day(school_year: int) -> dt.date:
    """October 1 of the year the school year starts, or the following Monday on a weekend."""
    return count_date(school_year - 1, 10, 1)


def ell_window_start(school_year: int) -> dt.date:
    """The first monitored entry date still counted as ELL: July 1 two school years before this one (Note 2's
    example: year end 2011 counts an 'F' whose ELL Monitored Entry Date is after 6/30/2008)."""
    return dt.date(school_year - 3, 7, 1)


def detail(records: pl.DataFrame, school_year: int, on: dt.date) -> pl.DataFrame:
    """One row per student counted on `on` (DETAIL_COLUMNS), from records of RECORD_SCHEMA + record_type."""
    s1 = parse_s1(records.filter(pl.col("record_type") == "S1").drop("record_type"), school_year)
    s1 = s1.collect().lazy()  # parsed once: read by the school of record and by the join back
    winners = school_of_record_frame(s1, on).lazy().select("lea", "record_key")
    layout = spec_for(school_year).layout("S1")
    extra = [pl.col("text").str.slice(layout.field(f).offset, layout.field(f).width).str.strip_chars(" ").alias(f)
             for f in EXTRA]
    counted = (s1.join(winners, on=["lea", "record_key"], how="inner")
               .with_columns(extra)
               .filter(~E.stripped("resident_status").is_in(NOT_IN_MEMBERSHIP)))
    races_y = pl.sum_horizontal([(pl.col(f"race_{r}") == "Y").cast(pl.Int32) for r in RACES])
    hispanic = pl.col("ethnicity") == "Y"
    federal = pl.when(hispanic).then(pl.lit("hispanic"))
    for r in RACES:
        federal = federal.when((races_y == 1) & (pl.col(f"race_{r}") == "Y")).then(pl.lit(r))
    federal = federal.when(races_y >= 2).then(pl.lit("two_or_more_races")).otherwise(pl.lit("race_not_reported"))
    monitored = pl.col("ell_monitored_entry_date").str.to_date("%Y%m%d", strict=False)
    ell = (pl.col("limited_english").is_in(ELL_CODES)
           | ((pl.col("limited_english") == ELL_MONITORED) & (monitored >= ell_window_start(school_year))))
    minority = hispanic | pl.any_horizontal([pl.col(f"race_{r}") == "Y" for r in RACES if r != "white"])
    sped = _special_education(records, school_year, on)
    out = (counted.with_columns(federal.alias("federal_race"))
           .join(sped, on=["lea", "student_number"], how="left")
           .select(pl.col("lea").alias("lea_number"), pl.col("school").alias("school_number"), "grade_level",
                   "student_number", "ssid", E.stripped("last_name").alias("last_name"),
                   E.stripped("first_name").alias("first_name"), E.stripped("entry_date").alias("entry_date"),
                   E.stripped("exit_date").alias("exit_date"), E.stripped("resident_status").alias("resident_status"),
                   E.stripped("gender").alias("gender"), "ethnicity", *[f"race_{r}" for r in RACES], "federal_race",
                   "limited_english", "ell_monitored_entry_date", "economic_disadv",
                   pl.col("homeless").alias("homeless_code"), pl.col("migrant").alias("migrant_code"),
                   "district_of_residence",
                   (E.stripped("gender") == "M").alias("male"), (E.stripped("gender") == "F").alias("female"),
                   *[(pl.col("federal_race") == c).alias(c) for c in FEDERAL],
                   minority.alias("ethnic_minority"), ell.alias("ell"),
                   pl.col("economic_disadv").is_in(ECONOMIC_CODES).alias("economically_disadvantaged"),
                   pl.col("_sped").fill_null(False).alias("special_education"),
                   pl.col("homeless").is_in(HOMELESS_CODES).alias("homeless"),
                   (pl.col("migrant") == "Y").alias("migrant")))
    return _ordered(out.collect(), ["student_number", "ssid"])


def _special_education(records: pl.DataFrame, school_year: int, on: dt.date) -> pl.LazyFrame:
    """(lea, student_number) of the students with an S2 (SCRAM) in membership on `on`: SCRAM entry on or
    before it, SCRAM exit after it or blank (the exit date is the day after the last day, as for S1)."""
    layout = spec_for(school_year).layout("S2")
    fields = [layout.field(f) for f in ("student_number", "scram_entry_date", "scram_exit_date")]
    day = pl.lit(on, dtype=pl.Date)
    s2 = (records.lazy().filter(pl.col("record_type") == "S2")
          .with_columns([pl.col("text").str.slice(f.offset, f.width).alias(f.id) for f in fields])
          .with_columns(E.derived_columns(fields)))
    return (s2.filter((E.date("scram_entry_date") <= day)
                      & (E.blank_trimmed("scram_exit_date") | (E.date("scram_exit_date") > day)))
            .select("lea", E.stripped("student_number").alias("student_number"))
            .unique().with_columns(pl.lit(True).alias("_sped")))


def counts(students: pl.DataFrame, reference: Reference | None = None) -> pl.DataFrame:
    """One row per LEA, school and grade: `students`, every breakdown (FLAGS), for charters the district of
    residence (RESIDENCE_COLUMNS), the school's charter cap and whether it is over it (`charters`; the shipped
    sample reference unless given) and `suppressed`."""
    residence = pl.col("district_of_residence")
    by_residence = [*[(residence == d).sum().cast(pl.Int64).alias(f"residence_{d}") for d in REGULAR_DISTRICTS],
                    (~residence.is_in(REGULAR_DISTRICTS).fill_null(False)).sum().cast(pl.Int64).alias("residence_not_given")]
    out = students.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("students"),
                                     *[pl.col(f).sum().cast(pl.Int64) for f in FLAGS], *by_residence)
    charter = ~pl.col("lea_number").is_in(REGULAR_DISTRICTS)  # a regular district reports no residence
    out = out.with_columns([pl.when(charter).then(pl.col(c)).alias(c) for c in RESIDENCE_COLUMNS])
    out = with_charter_caps(_ordered(out, []), reference or load_reference(None))
    return mark_small_counts(out, [*COUNT_COLUMNS, *RESIDENCE_COLUMNS])


def _ordered(frame: pl.DataFrame, then: list[str]) -> pl.DataFrame:
    grade = pl.col("grade_level").replace_strict(GRADE_ORDER, list(range(len(GRADE_ORDER))), default=99)
    return frame.sort([pl.col("lea_number"), pl.col("school_number"), grade, *[pl.col(c) for c in then]])


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The report for the state, one LEA or one of its schools: (counts, detail, facts)."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    school = school.strip() if school is not None else None
    on = count_day(school_year)
    types = ("S1", "S2")
    records = (inputs.finalized_records(store, school_year, Period.OCTOBER, types) if finalized
               else inputs.live_records(store, school_year, types, lea))
    students = detail(records, school_year, on)
    if lea is not None:
        students = students.filter(pl.col("lea_number") == lea)
    if school is not None:
        students = students.filter(pl.col("school_number") == school)
    facts: dict[str, object] = {"report": "october-1", "title": "October 1 Fall Enrollment",
                                "school_year": school_year, "count_date": on.isoformat(),
                                "scope": {"lea": lea, "school": school}, "finalized": finalized,
                                "ell_monitored_on_or_after": ell_window_start(school_year).isoformat(),
                                "students": students.height}
    return counts(students, reference_in_force(store)), students, facts
