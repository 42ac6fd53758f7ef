"""Level 2: records that hang on another record of the same file.

S2, S3, AM and I2 records belong to a student enrolled (S1) in the same school; an AM belongs to a course
(AC) of its school by course-and-section and period; an I2 belongs to an incident (I1) that precedes it;
an Incident ID names one incident within the LEA (revision of April 20, 2011) and every incident has at
least one I2. Students are matched on the school and the student number as written (blanks trimmed);
incidents on the number (0000010001 is 10001).
"""

from __future__ import annotations

import polars as pl

from ...spec.layouts_2013 import AM, I1, I2, S2, S3
from ..context import Context
from ..tables import Tables
from .common import STUDENT, fex, rule2
from .model import Rule


def incident() -> pl.Expr:
    return pl.col("incident_id").str.strip_chars(" ").str.strip_chars_start("0").alias("_incident")


def course_key(course_field: str) -> list[pl.Expr]:
    return [pl.col(course_field).str.strip_chars(" ").alias("_course"),
            pl.col("period").str.strip_chars(" ").alias("_period")]


def without_s1(code: str):  # noqa: ANN201 - a check2 callable
    def check(t: Tables, ctx: Context) -> pl.LazyFrame:
        # no unique(): an anti join only asks whether a match exists (deduplicating first doubles the cost)
        return t.get(code).join(t.get("S1").select(STUDENT), on=STUDENT, how="anti")
    return check


def am_without_ac(t: Tables, ctx: Context) -> pl.LazyFrame:
    ac = t.get("AC").select(pl.col("_k_school"), *course_key("course_section")).unique()
    return (t.get("AM").with_columns(course_key("course_number"))
            .join(ac, on=["_k_school", "_course", "_period"], how="anti"))


def i2_without_prior_i1(t: Tables, ctx: Context) -> pl.LazyFrame:
    first = t.get("I1").group_by(incident()).agg(pl.col("_line").min().alias("_i1_line"))
    return (t.get("I2").with_columns(incident()).join(first, on="_incident", how="left")
            .filter(pl.col("_i1_line").is_null() | (pl.col("_i1_line") > pl.col("_line"))))


def i1_repeated(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("I1").with_columns(incident())
            .with_columns(pl.col("_line").min().over("_incident").alias("first_line"))
            .filter(pl.col("_line") > pl.col("first_line")))


def i1_without_i2(t: Tables, ctx: Context) -> pl.LazyFrame:
    i2 = t.get("I2").select(incident()).unique()
    return t.get("I1").with_columns(incident()).join(i2, on="_incident", how="anti")


def _student_rule(code: str, section: str) -> Rule:
    return rule2(
        f"{code}.student_number.no_s1", code, ["student_number"],
        f"No S1 record for student number '{{student_number}}' in school {{_k_school}}: every {code} record "
        "needs the student's S1 record in the same school of the same file",
        f"{section}: Student Number", without_s1(code),
        title=f"{code} matches an S1 of the same student and school", tags=["link"],
        examples=[fex([("S1", {}), (code, {"student_number": "9999"})], [("S1", {}), (code, {})], line=4),
                  fex([("S1", {}), ("SC", {"school_number": "791"}), ("S1", {"school_number": "791"}),
                       (code, {"school_number": "791", "student_number": "9999"})],
                      [("S1", {}), (code, {})], line=6)],
    )


def rules() -> list[Rule]:
    return [
        _student_rule("S2", S2.section),
        _student_rule("S3", S3.section),
        _student_rule("AM", AM.section),
        _student_rule("I2", I2.section),
        rule2("AM.course_number.no_ac", "AM", ["course_number", "period"],
              "No AC record for course '{course_number}' period '{period}' in school {_k_school}: every AM needs "
              "a matching AC (Course Master) record in the upload",
              f"{AM.section}: Note 1", am_without_ac,
              title="AM matches an AC on course and section plus period", tags=["link"],
              examples=[fex([("AC", {}), ("S1", {}), ("AM", {"period": "02"})],
                            [("AC", {}), ("S1", {}), ("AM", {})], line=5),
                        fex([("AC", {}), ("S1", {}), ("AM", {"course_number": "MATH1002"})],
                            [("AC", {"course_section": "MATH1002"}), ("S1", {}), ("AM", {"course_number": "MATH1002"})],
                            line=5)]),
        rule2("I2.incident_id.no_i1", "I2", ["incident_id"],
              "Incident ID '{incident_id}' has no I1 record before this I2: each I2 must follow the I1 of its incident",
              f"{I2.section}: Incident ID", i2_without_prior_i1,
              title="I2 follows a matching I1", tags=["link"],
              examples=[fex([("S1", {}), ("I1", {}), ("I2", {"incident_id": "10002"})],
                            [("S1", {}), ("I1", {}), ("I2", {})], line=5),
                        fex([("S1", {}), ("I2", {}), ("I1", {})],
                            [("S1", {}), ("I1", {"incident_id": "0000010001"}), ("I2", {})], line=4)]),
        rule2("I1.incident_id.repeated", "I1", ["incident_id"],
              "Incident ID '{incident_id}' is already used by the I1 on line {first_line}: an Incident ID names one "
              "incident within the LEA",
              f"{I1.section}: Incident ID (revision of April 20, 2011: unique within the LEA)", i1_repeated,
              title="Incident ID unique within the LEA", tags=["duplicate"],
              examples=[fex([("S1", {}), ("I1", {}), ("I2", {}), ("SC", {"school_number": "791"}),
                             ("I1", {"school_number": "791"}), ("I2", {"school_number": "791"})],
                            [("S1", {}), ("I1", {}), ("I2", {}), ("I1", {"incident_id": "10002"}),
                             ("I2", {"incident_id": "10002"})], line=7)]),
        rule2("I1.incident_id.no_i2", "I1", ["incident_id"],
              "Incident ID '{incident_id}' has no I2 record: every incident needs an I2 for each student involved",
              f"{I1.section}: Incident ID", i1_without_i2,
              title="Every I1 has at least one I2", tags=["link"],
              examples=[fex([("S1", {}), ("I1", {}), ("I2", {}), ("I1", {"incident_id": "10002"})],
                            [("S1", {}), ("I1", {}), ("I2", {})], line=6)]),
    ]

