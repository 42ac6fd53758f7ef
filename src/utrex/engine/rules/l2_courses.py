"""Level 2: the course master (AC) and course membership (AM) records of a school together.

Course and Section plus Period identify a class of a school; a Course and Section on several periods is a
block class: a CTE one (CIP code present) keeps every period, a non-CTE one keeps only its lowest period and
that period's AM records (the others are ignored, with a warning). A K-5 student has one AM for any span of
time; at Year-End a student with more than 10 days of membership has an AM with Aggregate Membership above
zero; credits are required for grades 9-12. The student's grade is the grade of the student's S1 in the
same school. Readings that depart from the letter are in docs/spec-decisions.md.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ...spec import Period
from ...spec.layouts_2013 import AC, AM
from ..context import Context
from ..tables import Tables
from . import expr as E
from .common import STUDENT, WARNING, fex, rule2
from .l2_membership import s1_membership, self_contained_totals
from .model import Rule

CLASS = ["_k_school", "_course", "_period"]
K5 = (0, 5)  # grades 00-05, grade 03 included (docs/spec-decisions.md, "The K-5 list that omits grade 03")
HIGH_SCHOOL = (9, 12)
RESIDENT_ELSEWHERE = ("C", "X")  # enrolled in another state; not enrolled this year (exit update only)
CIP = {"cip_code": "480506", "semester_length": "1"}  # a CTE class (AC rule examples)


def ac_class() -> list[pl.Expr]:
    return [pl.col("course_section").str.strip_chars(" ").alias("_course"),
            pl.col("period").str.strip_chars(" ").alias("_period")]


def am_class() -> list[pl.Expr]:
    return [pl.col("course_number").str.strip_chars(" ").alias("_course"),
            pl.col("period").str.strip_chars(" ").alias("_period")]


def ac_duplicate(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("AC").with_columns(ac_class())
            .with_columns(pl.col("_line").min().over(CLASS).alias("_first_line"))
            .filter(pl.col("_line") > pl.col("_first_line")))


def ignored_block_periods(t: Tables) -> pl.LazyFrame:
    """The AC rows of non-CTE block classes other than the lowest period, with the period kept."""
    course = ["_k_school", "_course"]
    return (t.get("AC").with_columns(ac_class())
            .with_columns(pl.col("_period").min().over(course).alias("_kept_period"),
                          E.present("cip_code").any().over(course).alias("_cte"))
            .filter(~pl.col("_cte") & (pl.col("_period") != pl.col("_kept_period"))))


def ac_block_ignored(t: Tables, ctx: Context) -> pl.LazyFrame:
    return ignored_block_periods(t)


def am_block_ignored(t: Tables, ctx: Context) -> pl.LazyFrame:
    ignored = ignored_block_periods(t).select(*CLASS, "_kept_period").unique(subset=CLASS)
    return t.get("AM").with_columns(am_class()).join(ignored, on=CLASS, how="inner")


def s1_grades(t: Tables) -> pl.LazyFrame:
    return t.get("S1").group_by(STUDENT).agg(pl.col("_grade").max().alias("_s1_grade"))


def k5_overlap(t: Tables, ctx: Context) -> pl.LazyFrame:
    """AM records of a K-5 student whose span [entry, exit) overlaps that of an earlier AM of the student in
    the school; the ignored periods of non-CTE block classes take no part."""
    open_end = ctx.year_end + dt.timedelta(days=1)
    ignored = ignored_block_periods(t).select(CLASS).unique()
    k5 = s1_grades(t).filter(pl.col("_s1_grade").is_between(*K5))
    # the K-5 join first: it leaves a tenth of the AM rows for the three-string-column anti join
    am = (t.get("AM").join(k5, on=STUDENT, how="inner").with_columns(am_class())
          .join(ignored, on=CLASS, how="anti")
          .filter(pl.col("course_entry_date__date").is_not_null() & (pl.len().over(STUDENT) > 1))
          .with_columns(pl.col("course_exit_date__date").fill_null(E.lit_date(open_end)).alias("_end")))
    other = am.select(*STUDENT, pl.col("_line").alias("_other_line"), pl.col("_course").alias("_other_course"),
                      pl.col("_period").alias("_other_period"),
                      pl.col("course_entry_date__date").alias("_other_entry"), pl.col("_end").alias("_other_end"))
    return (am.join(other, on=STUDENT, how="inner")
            .filter((pl.col("_other_line") < pl.col("_line"))
                    & (pl.col("course_entry_date__date") < pl.col("_other_end"))
                    & (pl.col("_other_entry") < pl.col("_end")))
            .sort("_line", "_other_line")
            .unique(subset=["_line"], keep="first", maintain_order=True)
            .drop("_other_entry", "_other_end", "_end"))


def no_am_year_end(t: Tables, ctx: Context) -> pl.LazyFrame:
    """At Year-End: students (over all their S1 records in the file) with more than 10 days of school plus
    self-contained membership and no AM with Aggregate Membership above zero. Pre-K students and students
    attending in another state (Resident Status C) are exempt; X records (exit update only) take no part."""
    if ctx.period != Period.YEAR_END:
        return t.get("S1").filter(pl.lit(False))
    s1 = t.get("S1").filter(~E.stripped_in("resident_status", RESIDENT_ELSEWHERE))
    regular = (s1.with_columns(s1_membership().fill_null(0).alias("_m"))
               .group_by("_k_student").agg(pl.col("_m").sum().alias("_regular"),
                                           (pl.col("_grade") >= 0).any().alias("_school_age")))
    sc = (self_contained_totals(t).group_by("_k_student")
          .agg((pl.col("_sc_scram") + pl.col("_sc_yic")).sum().alias("_self_contained")))
    am = (t.get("AM").group_by("_k_student")
          .agg(pl.col("aggregate_memb__int").fill_null(0).sum().alias("_am_membership")))
    students = (regular.join(sc, on="_k_student", how="left").join(am, on="_k_student", how="left")
                .with_columns((pl.col("_regular") + pl.col("_self_contained").fill_null(0)).alias("_membership"),
                              pl.col("_am_membership").fill_null(0))
                .filter(pl.col("_school_age") & (pl.col("_membership") > 10) & (pl.col("_am_membership") == 0)))
    return s1.join(students.select("_k_student", "_membership", "_am_membership"), on="_k_student", how="inner")


def credits_required(t: Tables, ctx: Context) -> pl.LazyFrame:
    high = s1_grades(t).filter(pl.col("_s1_grade").is_between(*HIGH_SCHOOL))
    return (t.get("AM").join(high, on=STUDENT, how="inner")
            .filter(E.blank("credits_attempted") | E.blank("credit_earned")))


def _block(cte: bool = False) -> list[tuple[str, dict[str, str]]]:
    extra = CIP if cte else {}
    am = {"actual_membership": "040"} if cte else {}
    return [("AC", dict(extra)), ("AC", {**extra, "period": "02"}), ("S1", {}), ("AM", dict(am)),
            ("AM", {**am, "period": "02"})]


def _k5(second: dict[str, str], grade: str = "03") -> list[tuple[str, dict[str, str]]]:
    student = {"grade_level": grade, "birth_date": f"{2012 - 5 - int(grade)}0315", "cumulative_gpa": ""}
    credits = {"credits_attempted": "", "credit_earned": "", "grade_earned": ""}
    return [("AC", {"course_section": "HR03A", "course_title": "HOMEROOM"}),
            ("AC", {"course_section": "HR03B", "course_title": "HOMEROOM"}),
            ("S1", student),
            ("AM", {**credits, "course_number": "HR03A", "course_exit_date": "20130101"}),
            ("AM", {**credits, "course_number": "HR03B", **second})]


def rules() -> list[Rule]:
    return [
        rule2("AC.period.duplicate", "AC", ["course_section", "period"],
              "Course & Section '{course_section}' with Period '{period}' is already defined by the AC on line "
              "{_first_line} in school {_k_school}: course and section plus period must be unique within a school",
              f"{AC.section}: Note (Course and Section plus Period)", ac_duplicate,
              title="Course and section plus period unique within a school", tags=["duplicate"],
              examples=[fex([("AC", {}), ("AC", {}), ("S1", {}), ("AM", {})],
                            [("AC", {}), ("AC", {"course_section": "MATH1002"}), ("S1", {}), ("AM", {})], line=4),
                        fex([("AC", CIP), ("AC", CIP), ("S1", {}), ("AM", {"actual_membership": "040"})],
                            [("AC", CIP), ("AC", {**CIP, "period": "02"}), ("S1", {}),
                             ("AM", {"actual_membership": "040"})], line=4)]),
        rule2("AC.period.block_ignored", "AC", ["course_section", "period", "cip_code"],
              "Course & Section '{course_section}' is a non-CTE block class (no CIP code) also reported for period "
              "{_kept_period}: only the AC with the lowest period ({_kept_period}) and its AM records are kept; "
              "this AC for period '{period}' is ignored",
              f"{AC.section}: Note (Non-CTE Block Classes)", ac_block_ignored, severity=WARNING,
              title="Non-CTE block classes keep only the lowest period", tags=["block-class"],
              examples=[fex(_block()[:4], _block(cte=True)[:4], line=4),
                        fex(_block()[:4], [("AC", {}), ("AC", {"course_section": "MATH1002", "period": "02"}),
                                           ("S1", {}), ("AM", {})], line=4)]),
        rule2("AM.period.block_ignored", "AM", ["course_number", "period"],
              "Course '{course_number}' period '{period}' belongs to a non-CTE block class kept only for period "
              "{_kept_period}: this AM is ignored; the AM of period {_kept_period} must cover the whole block class",
              f"{AM.section}: Note 3 (Block Classes)", am_block_ignored, severity=WARNING,
              title="AM records of ignored block-class periods", tags=["block-class"],
              examples=[fex(_block(), _block(cte=True), line=7)]),
        rule2("AM.course_entry_date.k5_overlap", "AM", ["course_number", "period", "course_entry_date",
                                                        "course_exit_date"],
              "This AM ({course_entry_date} to {course_exit_date}) overlaps the AM on line {_other_line} (course "
              "'{_other_course}' period '{_other_period}') of a grade {_s1_grade} student: students in grades "
              "00-05 can have only one AM record for any period of time",
              f"{AM.section}: Note 1", k5_overlap,
              title="One AM at a time for grades K-5", tags=["schedule"],
              examples=[fex(_k5({}), _k5({"course_entry_date": "20130101"}), line=7),
                        fex(_k5({}), _k5({}, grade="06"), line=7)]),
        rule2("S1.school_membership.no_am_year_end", "S1", ["school_membership"],
              "The student has {_membership} days of school plus self-contained membership but its AM records "
              "total {_am_membership} days of Aggregate Membership: at Year-End every student with more than 10 "
              "days of membership needs at least one AM with Aggregate Membership above zero",
              f"{AM.section}: Note 2", no_am_year_end,
              title="At Year-End a student in membership has an AM", tags=["schedule"],
              examples=[fex([("S1", {})], [("AC", {}), ("S1", {}), ("AM", {})], line=3, period="year-end"),
                        fex([("AC", {}), ("S1", {}), ("AM", {"aggregate_memb": "000"})],
                            [("AC", {}), ("S1", {"school_membership": "010", "days_attended": "010"}),
                             ("AM", {"aggregate_memb": "000"})], line=4, period="year-end"),
                        fex([("S1", {})], [("S1", {"resident_status": "C"})], line=3, period="year-end")]),
        rule2("AM.credits_attempted.required_9_12", "AM", ["credits_attempted", "credit_earned"],
              "Credits Attempted '{credits_attempted}' and Credit Earned '{credit_earned}' for a grade {_s1_grade} "
              "student: both are required for grades 9-12 (four digits, '0000' is ok)",
              f"{AM.section}: Credits Attempted; Credits Earned", credits_required,
              title="Credits required for grades 9-12", tags=["required"],
              examples=[fex([("AC", {}), ("S1", {}), ("AM", {"credits_attempted": "", "credit_earned": ""})],
                            [("AC", {}), ("S1", {"grade_level": "08", "birth_date": "19990315", "cumulative_gpa": ""}),
                             ("AM", {"credits_attempted": "", "credit_earned": ""})], line=5),
                        fex([("AC", {}), ("S1", {}), ("AM", {"credit_earned": ""})],
                            [("AC", {}), ("S1", {}), ("AM", {"credit_earned": "0000"})], line=5)]),
    ]
