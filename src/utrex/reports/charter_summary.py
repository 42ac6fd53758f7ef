"""Clearinghouse Summary per charter school (issue 5, item 4): the students of each charter school by
district of residence, the counts the USOE forwards to each district's business officials (specification:
S1 District of Residence, its Note: "District of Residence counts are displayed on the Clearinghouse
Summary Reports for each charter school").

Who counts: the October 1 membership (`october_1.detail`: the school of record on the count date, resident
statuses A, F and J out), at the charter LEAs: an LEA whose number is not a regular district (01-40, 42),
the LEAs District of Residence is "intended" for. A row per charter LEA, school and district of residence;
`shared_with` is the regular district the row goes to, blank when the field names no regular district
(blank or invalid: nobody to share it with, so it is a row to correct, kept and shown, never dropped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..spec import Period
from . import inputs, october_1
from .suppression import mark_small_counts

if TYPE_CHECKING:
    from ..store.db import Store

REGULAR_DISTRICTS = (*[f"{n:02d}" for n in range(1, 41)], "42")  # District of Residence valid codes
KEY = ["lea_number", "school_number", "district_of_residence"]
DETAIL_COLUMNS = [*KEY, "grade_level", "student_number", "ssid", "last_name", "first_name", "entry_date",
                  "exit_date", "resident_status", "shared_with"]


def detail(records: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """One row per charter-school student in October 1 membership (DETAIL_COLUMNS)."""
    members = october_1.detail(records, school_year, october_1.count_day(school_year))
    return (members.filter(~pl.col("lea_number").is_in(REGULAR_DISTRICTS))
            .with_columns(pl.when(pl.col("district_of_residence").is_in(REGULAR_DISTRICTS))
                          .then(pl.col("district_of_residence")).otherwise(pl.lit("")).alias("shared_with"))
            .select(DETAIL_COLUMNS)
            .sort(KEY + ["student_number"]))


def counts(students: pl.DataFrame) -> pl.DataFrame:
    """One row per charter LEA, school and district of residence: `students`, `shared_with`, `suppressed`."""
    out = (students.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("students"),
                                      pl.col("shared_with").first())
           .sort(KEY))
    return mark_small_counts(out, ["students"])


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The summary for every charter school, one charter LEA or one of its schools: (counts, detail, facts).
    The school of record is decided across LEAs, so every LEA's S1 records are read (inputs.live_records)."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    school = school.strip() if school is not None else None
    types = ("S1",)
    records = (inputs.finalized_records(store, school_year, Period.OCTOBER, types) if finalized
               else inputs.live_records(store, school_year, types, lea))
    students = detail(records, school_year)
    if lea is not None:
        students = students.filter(pl.col("lea_number") == lea)
    if school is not None:
        students = students.filter(pl.col("school_number") == school)
    facts: dict[str, object] = {"report": "charter-summary", "title": "Clearinghouse Summary per charter school",
                                "school_year": school_year,
                                "count_date": october_1.count_day(school_year).isoformat(),
                                "scope": {"lea": lea, "school": school}, "finalized": finalized,
                                "students": students.height}
    return counts(students), students, facts
