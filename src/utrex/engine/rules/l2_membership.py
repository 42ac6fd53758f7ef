"""Level 2: the membership arithmetic of a student and a school (180-day equivalents as reported).

The file reports every membership already in 180-day equivalents (Note 5, `utrex.equivalence`); these
rules compare the reported values across a student's records: school membership (S1) plus self-contained
(time C) SCRAM or YIC membership within 180, resource SCRAM membership within school membership, days
attended within school plus self-contained membership, a school's attendance against its membership, and
the total membership across a student's schools of record within 180 + 10 x transfers.

A student's records are matched on the school and the student number as written (as in `l2_links`); a blank
School Membership reads as 000 (S1 School Membership Note 4) and 'PVT' / 'HSC' are no number: those
records take no part. Readings that depart from the letter are in docs/spec-decisions.md.
"""

from __future__ import annotations

import polars as pl

from ...spec.layouts_2013 import S1, S2, S3
from ..context import Context
from ..tables import Tables
from . import expr as E
from .common import STUDENT, WARNING, fex, rule2
from .model import Rule

LIMIT = 180


def s1_membership() -> pl.Expr:
    """S1 School Membership as a number: blank is 0 (Note 4); PVT, HSC and anything not digits is null."""
    return (pl.when(E.blank("school_membership")).then(pl.lit(0, dtype=pl.Int64))
            .otherwise(E.integer("school_membership")))


def self_contained(time: pl.Expr) -> pl.Expr:
    return time.str.strip_chars(" ") == "C"


def s1_totals(t: Tables, of: pl.LazyFrame) -> pl.LazyFrame:
    """Per school and student of `of` (S2 or S3 records): the S1 membership (sum over the student's
    enrollments in the school; null when one of them is PVT/HSC or not a number) and the student's grade (the
    highest of them). Only the students of `of` are summed: grouping every S1 costs several times more."""
    return (t.get("S1").join(of.select(STUDENT), on=STUDENT, how="semi")
            .with_columns(s1_membership().alias("_m"))
            .group_by(STUDENT)
            .agg(pl.when(pl.col("_m").null_count() == 0).then(pl.col("_m").sum()).alias("_s1_membership"),
                 pl.col("_grade").max().alias("_s1_grade")))


def self_contained_totals(t: Tables) -> pl.LazyFrame:
    """Per school and student: the self-contained (time C) SCRAM and YIC membership."""
    s2 = (t.get("S2").filter(self_contained(pl.col("time")))
          .group_by(STUDENT).agg(pl.col("scram_membership__int").sum().alias("_sc_scram")))
    s3 = (t.get("S3").filter(self_contained(pl.col("time")))
          .group_by(STUDENT).agg(pl.col("yic_membership__int").sum().alias("_sc_yic")))
    return (s2.join(s3, on=STUDENT, how="full", coalesce=True)
            .with_columns(pl.col("_sc_scram").fill_null(0), pl.col("_sc_yic").fill_null(0)))


def _self_contained_over(code: str, membership: str, total: str):  # noqa: ANN201 - a check2 callable
    def check(t: Tables, ctx: Context) -> pl.LazyFrame:
        sc = self_contained_totals(t).select(*STUDENT, pl.col(total).alias("_self_contained"))
        records = t.get(code).filter(self_contained(pl.col("time")) & pl.col(f"{membership}__int").is_not_null())
        return (records.join(s1_totals(t, records), on=STUDENT, how="inner")
                .join(sc, on=STUDENT, how="inner")
                .filter(pl.col("_s1_membership").is_not_null())
                .with_columns((pl.col("_s1_membership") + pl.col("_self_contained")).alias("_total"))
                .filter(pl.col("_total") > LIMIT))
    return check


def resource_over_school(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Resource (time A or B) SCRAM membership above the school membership; Pre-K is left out (its Time is
    ignored, S2 Time)."""
    resource = t.get("S2").filter(~self_contained(pl.col("time")) & pl.col("scram_membership__int").is_not_null())
    return (resource.join(s1_totals(t, resource), on=STUDENT, how="inner")
            .filter(pl.col("_s1_membership").is_not_null() & (pl.col("_s1_grade") >= 0)
                    & (pl.col("scram_membership__int") > pl.col("_s1_membership"))))


def attended_over_membership(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Days attended (summed over the student's enrollments in the school) above school plus self-contained
    SCRAM and YIC membership; enrollments with blank Days Attended (October, December) take no part."""
    s1 = t.get("S1")
    totals = (s1.with_columns(s1_membership().alias("_m"))
              .group_by(STUDENT)
              .agg(pl.when(pl.col("_m").null_count() == 0).then(pl.col("_m").sum()).alias("_s1_membership"),
                   pl.col("days_attended__int").sum().alias("_attended"),
                   pl.col("days_attended__int").is_not_null().any().alias("_reported"))
              .join(self_contained_totals(t), on=STUDENT, how="left")
              .with_columns((pl.col("_s1_membership") + pl.col("_sc_scram").fill_null(0)
                             + pl.col("_sc_yic").fill_null(0)).alias("_membership"))
              .filter(pl.col("_reported") & pl.col("_membership").is_not_null()
                      & (pl.col("_attended") > pl.col("_membership"))))
    return (s1.filter(pl.col("days_attended__int").is_not_null())
            .join(totals.select(*STUDENT, "_attended", "_s1_membership", "_sc_scram", "_sc_yic", "_membership"),
                  on=STUDENT, how="inner"))


def school_attendance(t: Tables) -> pl.LazyFrame:
    """Per school: total days attended and total membership (regular plus self-contained) of the students
    with Days Attended reported."""
    per_student = (t.get("S1").with_columns(s1_membership().alias("_m"))
                   .group_by(STUDENT)
                   .agg(pl.col("_m").sum().alias("_m"),
                        pl.col("days_attended__int").sum().alias("_a"),
                        pl.col("days_attended__int").is_not_null().any().alias("_reported"))
                   .filter(pl.col("_reported"))
                   .join(self_contained_totals(t), on=STUDENT, how="left")
                   .with_columns((pl.col("_m") + pl.col("_sc_scram").fill_null(0)
                                  + pl.col("_sc_yic").fill_null(0)).alias("_m")))
    return (per_student.group_by("_k_school")
            .agg(pl.col("_a").sum().alias("_attended"), pl.col("_m").sum().alias("_membership")))


def school_attendance_low(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("SC").join(school_attendance(t), on="_k_school", how="inner")
            .filter((pl.col("_attended") > 0) & (pl.col("_attended") * 2 < pl.col("_membership")))
            .with_columns((pl.col("_attended") * 100 / pl.col("_membership")).round(1).alias("_percent")))


def school_attendance_zero(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("SC").join(school_attendance(t), on="_k_school", how="inner")
            .filter((pl.col("_attended") == 0) & (pl.col("_membership") > 0)))


def total_over_transfers(t: Tables, ctx: Context) -> pl.LazyFrame:
    """The student's enrollments at schools of record (School of Record blank) in the file, in entry-date
    order: a transfer is an enrollment at another school than the one before it. A student with one such
    enrollment (most) has no transfer and needs no sort."""
    s1 = (t.get("S1").filter(E.blank("school_of_record")).with_columns(s1_membership().alias("_m"))
          .with_columns(pl.len().over("_k_student").alias("_enrollments")))
    single = (s1.filter((pl.col("_enrollments") == 1) & (pl.col("_m") > LIMIT))
              .with_columns(pl.col("_m").alias("_total"), pl.lit(0, dtype=pl.Int64).alias("_transfers"),
                            pl.lit(LIMIT, dtype=pl.Int64).alias("_limit")))
    several = s1.filter(pl.col("_enrollments") > 1)
    per_student = (several.sort("_k_student", "entry_date__date", "_line")
                   .with_columns((pl.col("_k_school") != pl.col("_k_school").shift(1).over("_k_student"))
                                 .fill_null(False).cast(pl.Int64).alias("_moved"))
                   .group_by("_k_student")
                   .agg(pl.col("_m").sum().alias("_total"), pl.col("_moved").sum().alias("_transfers"))
                   .with_columns((LIMIT + 10 * pl.col("_transfers")).alias("_limit"))
                   .filter(pl.col("_total") > pl.col("_limit")))
    over = several.join(per_student, on="_k_student", how="inner")
    return pl.concat([single, over.select(single.collect_schema().names())], how="vertical")


def _s1(**kw: str) -> tuple[str, dict[str, str]]:
    return ("S1", kw)


PRIVATE_OR_HOME = ("PVT", "HSC")


def _s1_private_or_home(t: Tables, s2: pl.LazyFrame) -> pl.LazyFrame:
    """Per school and student of `s2`: whether every S1 enrollment (`_all`) or none (`_none`) has School
    Membership PVT or HSC, and the first such value (for the message)."""
    membership = E.stripped("school_membership")
    flag = membership.is_in(list(PRIVATE_OR_HOME))
    return (t.get("S1").join(s2.select(STUDENT), on=STUDENT, how="semi")
            .group_by(STUDENT)
            .agg(flag.all().alias("_all"), (~flag).all().alias("_none"),
                 membership.sort_by(~flag, "_line").first().alias("_s1_school_membership")))


def scram_membership_not_000(t: Tables, ctx: Context) -> pl.LazyFrame:
    """SCRAM Membership other than 000 for a student whose S1 School Membership is PVT or HSC (every S1 of
    the student in the school; a student with both kinds of enrollment is left alone)."""
    s2 = t.get("S2").filter(E.all_digits("scram_membership") & (pl.col("scram_membership") != "000"))
    return (s2.join(_s1_private_or_home(t, s2).filter(pl.col("_all")), on=STUDENT, how="inner"))


def scram_membership_000(t: Tables, ctx: Context) -> pl.LazyFrame:
    """SCRAM Membership 000 for a student whose S1 School Membership is not PVT or HSC (on every S1 of the
    student in the school)."""
    s2 = t.get("S2").filter(pl.col("scram_membership") == "000")
    return (s2.join(_s1_private_or_home(t, s2).filter(pl.col("_none")), on=STUDENT, how="inner"))


def _transfer_example():  # noqa: ANN202 - a FileExample
    """Student "1234" of the specification (S1 record, multiple enrollments): A 8/24-10/5, B 10/6-10/20,
    A 10/21-12/1, B from 12/5: four enrollments at schools of record, three transfers, a limit of 210."""
    base = {"student_number": "1234", "days_attended": "010"}

    def body(last: str) -> list[tuple[str, dict[str, str]]]:
        return [_s1(**base, entry_date="20120824", exit_date="20121005", exit_code="TD", school_membership="030"),
                _s1(**base, entry_date="20121021", exit_date="20121201", exit_code="TD", school_membership="030"),
                ("SC", {"school_number": "791"}),
                _s1(**base, school_number="791", entry_date="20121006", exit_date="20121020", exit_code="TD",
                    school_membership="010"),
                _s1(**base, school_number="791", entry_date="20121205", school_membership=last)]

    return fex(body("150"), body("110"), line=7, period="year-end")


def rules() -> list[Rule]:
    return [
        rule2("S2.scram_membership.pvt_hsc_not_000", "S2", ["scram_membership"],
              "SCRAM Membership '{scram_membership}' for a student whose S1 School Membership in school "
              "{_k_school} is '{_s1_school_membership}': it must be 000 when School Membership is PVT or HSC",
              f"{S2.section}: SCRAM Membership", scram_membership_not_000,
              title="SCRAM membership 000 for PVT and HSC students", tags=["membership"],
              examples=[fex([("SC", {"school_number": "995"}), _s1(school_number="995", school_membership="PVT"),
                             ("S2", {"school_number": "995", "scram_membership": "010"})],
                            [("SC", {"school_number": "995"}), _s1(school_number="995", school_membership="PVT"),
                             ("S2", {"school_number": "995", "scram_membership": "000"})],
                            line=5)]),
        rule2("S2.scram_membership.000_not_pvt_hsc", "S2", ["scram_membership"],
              "SCRAM Membership '000' for a student whose S1 School Membership in school {_k_school} is "
              "'{_s1_school_membership}': SCRAM Membership cannot be 000 unless School Membership is PVT or HSC",
              f"{S2.section}: SCRAM Membership", scram_membership_000,
              title="SCRAM membership not 000 for enrolled students", tags=["membership"],
              examples=[fex([_s1(school_membership="100"), ("S2", {"scram_membership": "000"})],
                            [_s1(school_membership="100"), ("S2", {"scram_membership": "010"})],
                            line=4)]),
        rule2("S2.scram_membership.self_contained_over_180", "S2", ["scram_membership", "time"],
              "Self-contained SCRAM membership {_self_contained} (time C) plus School Membership {_s1_membership} "
              "of the student's S1 in school {_k_school} is {_total}: school membership plus self-contained "
              "SCRAM membership cannot exceed 180 (180-day equivalent days)",
              f"{S1.section}: School Membership, Note 3; {S2.section}: SCRAM Membership",
              _self_contained_over("S2", "scram_membership", "_sc_scram"),
              title="School plus self-contained SCRAM membership at most 180", tags=["membership"],
              examples=[fex([_s1(school_membership="100"), ("S2", {"time": "C", "scram_membership": "081"})],
                            [_s1(school_membership="100"), ("S2", {"time": "C", "scram_membership": "080"})],
                            line=4)]),
        rule2("S3.yic_membership.self_contained_over_180", "S3", ["yic_membership", "time"],
              "Self-contained YIC membership {_self_contained} (time C) plus School Membership {_s1_membership} "
              "of the student's S1 in school {_k_school} is {_total}: school membership plus self-contained "
              "YIC membership cannot exceed 180 (180-day equivalent days)",
              f"{S1.section}: School Membership, Note 3; {S3.section}: YIC Membership, Note; Time, Note 2",
              _self_contained_over("S3", "yic_membership", "_sc_yic"),
              title="School plus self-contained YIC membership at most 180", tags=["membership"],
              examples=[fex([_s1(school_membership="150"), ("S3", {"time": "C", "yic_membership": "031"})],
                            [_s1(school_membership="150"), ("S3", {"time": "C", "yic_membership": "030"})],
                            line=4)]),
        rule2("S2.scram_membership.resource_over_school", "S2", ["scram_membership", "time"],
              "Resource SCRAM membership '{scram_membership}' (time '{time}') is more than the student's School "
              "Membership {_s1_membership} in school {_k_school}: resource membership cannot be greater than "
              "school membership (S1)",
              f"{S2.section}: SCRAM Membership", resource_over_school,
              title="Resource SCRAM membership at most school membership", tags=["membership"],
              examples=[fex([_s1(school_membership="045"), ("S2", {"time": "B", "scram_membership": "046"})],
                            [_s1(school_membership="045"), ("S2", {"time": "B", "scram_membership": "045"})],
                            line=4)]),
        rule2("S1.days_attended.over_membership", "S1", ["days_attended", "school_membership"],
              "Days Attended {_attended} of the student in school {_k_school} is more than its membership "
              "{_membership} (school {_s1_membership} + self-contained SCRAM {_sc_scram} + self-contained YIC "
              "{_sc_yic}): days attended cannot be greater than school plus self-contained membership",
              f"{S1.section}: Days Attended", attended_over_membership,
              title="Days attended at most school plus self-contained membership", tags=["membership"],
              examples=[fex([_s1(school_membership="045", days_attended="046")],
                            [_s1(school_membership="045", days_attended="045")], line=3),
                        fex([_s1(school_membership="100", days_attended="150"),
                             ("S2", {"time": "C", "scram_membership": "049"})],
                            [_s1(school_membership="100", days_attended="150"),
                             ("S2", {"time": "C", "scram_membership": "050"})], line=3)]),
        rule2("SC.days_attended.below_half", "SC", ["school_number"],
              "Students of school {_k_school} attended {_attended} days in total, {_percent}% of their total "
              "membership {_membership} (regular plus self-contained): under 50% of membership is suspicious",
              f"{S1.section}: Days Attended, Note 1", school_attendance_low, severity=WARNING,
              title="School attendance at least half of membership", tags=["membership"],
              examples=[fex([_s1(school_membership="100", days_attended="049")],
                            [_s1(school_membership="100", days_attended="050")], line=2)]),
        rule2("SC.days_attended.zero", "SC", ["school_number"],
              "Students of school {_k_school} attended 0 days in total against a total membership of "
              "{_membership}: the sum of Days Attended for a school cannot be 0",
              f"{S1.section}: Days Attended, Note 2", school_attendance_zero,
              title="School attendance not zero", tags=["membership"],
              examples=[fex([_s1(school_membership="045", days_attended="000")],
                            [_s1(school_membership="045", days_attended="001")], line=2),
                        fex([_s1(school_membership="045", days_attended="000")],
                            [_s1(school_membership="045", days_attended="")], line=2)]),
        rule2("S1.school_membership.over_transfers", "S1", ["school_membership", "school_of_record"],
              "Total 180-day membership {_total} of student '{_k_student}' over {_enrollments} enrollments at "
              "schools of record is more than 180 + 10 x {_transfers} transfers = {_limit}",
              f"{S1.section}: Record Type S1 (multiple enrollments, 180 + 10 x transfers)", total_over_transfers,
              title="Membership across schools of record within 180 + 10 x transfers", tags=["membership"],
              examples=[_transfer_example(),
                        fex([_s1(school_membership="100"), ("SC", {"school_number": "791"}),
                             _s1(school_number="791", school_membership="100")],
                            [_s1(school_membership="100"), ("SC", {"school_number": "791"}),
                             _s1(school_number="791", school_membership="000", days_attended="000", school_of_record="N")],
                            line=5)]),
    ]
