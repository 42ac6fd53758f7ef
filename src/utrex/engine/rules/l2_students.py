"""Level 2: one student, one identity, one enrollment at a time.

A student number identifies one person within the LEA: repeated, in the same school (a separate
enrollment) or in another school of the LEA, it must carry the same last name, first name, birth date,
gender and SSID. An SSN belongs to one student within a school. A student's S1 enrollments in one school
are separate records with at least one day between an exit date and the next entry date; enrollments in
two schools of record that overlap are a warning (a transfer written late); S3 (Youth in Custody)
enrollments of a student may not overlap. Resident status X records (last year's seniors, a completion
update) are no enrollment this year and take no part in the enrollment rules.
"""

from __future__ import annotations

import polars as pl

from ...spec.layouts_2013 import S1, S3
from ..context import Context
from ..tables import Tables
from . import expr as E
from .common import STUDENT, WARNING, fex, rule2
from .model import Rule

IDENTITY = ["last_name", "first_name", "birth_date", "gender", "ssid"]
_trimmed = E.stripped


def _person() -> pl.Expr:
    return pl.concat_str([_trimmed(c) for c in IDENTITY], separator="|")


def _repeated(frame: pl.LazyFrame, keys: str | list[str]) -> pl.LazyFrame:
    """Only the records whose keys occur more than once: the few that a cross-record rule has to compare
    (most students have one record), so the sorts and joins after it run on a small frame."""
    return frame.filter(pl.len().over(keys) > 1)


def _identity_conflict(over: list[str]):  # noqa: ANN201 - a check2 callable
    """Records whose person differs from the first record (by line) of the same student number in `over`."""
    def check(t: Tables, ctx: Context) -> pl.LazyFrame:
        s1 = _repeated(t.get("S1"), over).with_columns(_person().alias("_person"))
        first = (s1.sort("_line").group_by(over, maintain_order=True)
                 .agg(pl.col("_line").first().alias("first_line"), pl.col("_person").first().alias("_first_person"),
                      *[_trimmed(c).first().alias(f"first_{c}") for c in IDENTITY]))
        return (s1.join(first, on=over, how="inner")
                .filter(pl.col("_person") != pl.col("_first_person"))
                .with_columns(pl.concat_str([pl.when(_trimmed(c) != pl.col(f"first_{c}"))
                                             .then(pl.lit(f"{c} '") + _trimmed(c) + pl.lit("' vs '")
                                                   + pl.col(f"first_{c}") + pl.lit("'"))
                                             for c in IDENTITY], separator="; ", ignore_nulls=True)
                              .alias("differences")))
    return check


def _in_other_school(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Across schools: compared with the student number's first record in another school."""
    s1 = _repeated(t.get("S1"), "_k_student").with_columns(_person().alias("_person"))
    firsts = (s1.sort("_line").group_by(STUDENT, maintain_order=True)
              .agg(pl.col("_line").first().alias("first_line"), pl.col("_person").first().alias("_first_person"),
                   pl.col("school_number").first().alias("first_school")))
    lea_first = firsts.sort("first_line").group_by("_k_student", maintain_order=True).agg(
        pl.all().first()).rename({"_k_school": "_first_k_school"})
    return (s1.join(lea_first, on="_k_student", how="inner")
            .filter((pl.col("_k_school") != pl.col("_first_k_school")) & (pl.col("_person") != pl.col("_first_person"))))


def ssn_repeated(t: Tables, ctx: Context) -> pl.LazyFrame:
    s1 = t.get("S1").with_columns(_trimmed("ssn").alias("_ssn")).filter(
        (pl.col("_ssn") != "") & ~pl.col("_ssn").str.contains(r"^0+$"))
    owners = (s1.sort("_line").group_by(["_k_school", "_ssn"], maintain_order=True)
              .agg(pl.col("_k_student").first().alias("first_student"), pl.col("_line").first().alias("first_line")))
    return (s1.join(owners, on=["_k_school", "_ssn"], how="inner")
            .filter(pl.col("_k_student") != pl.col("first_student")))


def _enrollments(t: Tables) -> pl.LazyFrame:
    return (t.get("S1").filter(_trimmed("resident_status") != "X")
            .with_columns(pl.col("entry_date__date").alias("_entry"), pl.col("exit_date__date").alias("_exit"))
            .filter(pl.col("_entry").is_not_null()))


def _after_previous(e: pl.LazyFrame, strict: bool, *carry: str) -> pl.LazyFrame:
    """Each enrollment (`_entry`, `_exit`) against the one before it by entry date of the student in the school:
    kept where it starts before the previous one ended (`strict`: or on its exit date) or that one is open.
    `carry` columns of the previous enrollment come along as `prev_<name>`; `prev_line` always does."""
    keys = STUDENT
    prev_exit = pl.col("_exit").shift(1).over(keys)
    meets = prev_exit >= pl.col("_entry") if strict else prev_exit > pl.col("_entry")
    return (_repeated(e, keys).sort([*keys, "_entry", "_line"])
            .with_columns(meets.alias("_meets"), prev_exit.is_null().alias("_open"),
                          pl.col("_line").shift(1).over(keys).alias("prev_line"),
                          *[pl.col(c).shift(1).over(keys).alias(f"prev_{c}") for c in carry],
                          pl.col("_line").rank("ordinal").over(keys).alias("_n"))
            .filter((pl.col("_n") > 1) & (pl.col("_open") | pl.col("_meets"))))


def enrollment_overlap(t: Tables, ctx: Context) -> pl.LazyFrame:
    """The next entry in a school must come at least a day after the previous exit."""
    return (_after_previous(_enrollments(t), True, "exit_date")
            .with_columns(pl.when(pl.col("prev_exit_date").str.strip_chars(" ") == "")
                          .then(pl.lit("(none: still enrolled)")).otherwise(pl.col("prev_exit_date")).alias("prev_exit")))


def schools_of_record_overlap(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Enrollments of one student (student number) as school of record in two schools that share a day. An
    exit date is the day after the last day of membership, so an enrollment covers [entry, exit): a transfer
    whose new entry date is the old exit date does not overlap."""
    e = (_repeated(_enrollments(t).filter(E.blank("school_of_record")), "_k_student")
         .select("_line", "_k_school", "_k_student", "_entry", "_exit", "school_number", "student_number",
                 "entry_date", "exit_date", "_k_lea", "_k_ssid"))
    other = e.select(pl.col("_k_student"), pl.col("_k_school").alias("_o_school"), pl.col("_entry").alias("_o_entry"),
                     pl.col("_exit").alias("_o_exit"), pl.col("school_number").alias("other_school"),
                     pl.col("_line").alias("other_line"))
    far = pl.date(9999, 12, 31)
    return (e.join(other, on="_k_student", how="inner")
            .filter((pl.col("_o_school") != pl.col("_k_school")) & (pl.col("other_line") < pl.col("_line"))
                    & (pl.col("_entry") < pl.coalesce("_o_exit", far))
                    & (pl.col("_o_entry") < pl.coalesce("_exit", far)))
            .unique(subset=["_line"], keep="first", maintain_order=True))


def yic_overlap(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Only one S3 active at a time; the YIC exit date is the day after the last day, so a new S3 may start
    on it."""
    e = (t.get("S3").with_columns(pl.col("yic_entry_date__date").alias("_entry"),
                                  pl.col("yic_exit_date__date").alias("_exit"))
         .filter(pl.col("_entry").is_not_null()))
    return _after_previous(e, False)


def _s1(**kw: str) -> tuple[str, dict[str, str]]:
    return ("S1", kw)


SECOND = {"entry_date": "20121001", "exit_date": ""}
FIRST_CLOSED = {"exit_date": "20120928", "exit_code": "TS"}


def rules() -> list[Rule]:
    return [
        rule2("S1.student_number.identity_school", "S1", ["student_number", *IDENTITY],
              "Student number '{student_number}' is already used in school {school_number} by another person "
              "(line {first_line}): {differences}. A repeated student number must be the same student "
              "(last name, first name, birth date, gender and SSID agree)",
              f"{S1.section}: Student Number; multiple enrollments", _identity_conflict(STUDENT),
              title="A student number is one person within a school", tags=["identity"],
              examples=[fex([_s1(**FIRST_CLOSED), _s1(**SECOND, first_name="JAMES")],
                            [_s1(**FIRST_CLOSED), _s1(**SECOND)], line=4)]),
        rule2("S1.student_number.identity_lea", "S1", ["student_number", *IDENTITY],
              "Student number '{student_number}' names another person in school {first_school} (line {first_line}); "
              "a student number identifies one student across the schools of the LEA",
              f"{S1.section}: Student Number", _in_other_school,
              title="A student number is one person within the LEA", tags=["identity"],
              examples=[fex([_s1(**FIRST_CLOSED), ("SC", {"school_number": "791"}),
                             _s1(**SECOND, school_number="791", birth_date="19990101")],
                            [_s1(**FIRST_CLOSED), ("SC", {"school_number": "791"}), _s1(**SECOND, school_number="791")],
                            line=5)]),
        rule2("S1.ssn.repeated", "S1", ["ssn"],
              "SSN '{ssn}' is already reported in school {school_number} for student number '{first_student}' "
              "(line {first_line}); an SSN belongs to one student within a school",
              f"{S1.section}: SSN", ssn_repeated,
              title="SSN unique within a school", tags=["identity"],
              examples=[fex([_s1(ssn="528123456"), _s1(student_number="7171718", ssn="528123456", ssid="1234567891")],
                            [_s1(ssn="528123456"), _s1(student_number="7171718", ssn="528123457", ssid="1234567891")],
                            line=4)]),
        rule2("S1.entry_date.overlap", "S1", ["entry_date", "exit_date"],
              "Entry Date '{entry_date}' of student number '{student_number}' is not after the exit date "
              "{prev_exit} of the student's enrollment on line {prev_line} in this school: enrollments in one "
              "school are separate records with at least one day between an exit and the next entry",
              f"{S1.section}: Entry Date; multiple enrollments (student '1234' example)", enrollment_overlap,
              title="No overlapping enrollments in one school", tags=["enrollment"],
              examples=[fex([_s1(exit_date="", exit_code=""), _s1(**SECOND)], [_s1(**FIRST_CLOSED), _s1(**SECOND)],
                            line=4),
                        fex([_s1(exit_date="20121001", exit_code="TS"), _s1(**SECOND)],
                            [_s1(exit_date="20120930", exit_code="TS"), _s1(**SECOND)], line=4)]),
        rule2("S1.entry_date.schools_of_record_overlap", "S1", ["entry_date", "exit_date", "school_of_record"],
              "Student number '{student_number}' is enrolled as school of record here from {entry_date} and in "
              "school {other_school} (line {other_line}) over the same days; a student has one school of "
              "record at a time",
              f"{S1.section}: School of Record; Entry Date", schools_of_record_overlap, severity=WARNING,
              title="One school of record at a time", tags=["enrollment"],
              examples=[fex([_s1(exit_date="", exit_code=""), ("SC", {"school_number": "791"}),
                             _s1(**SECOND, school_number="791")],
                            [_s1(**FIRST_CLOSED), ("SC", {"school_number": "791"}), _s1(**SECOND, school_number="791")],
                            line=5)]),
        rule2("S3.yic_entry_date.overlap", "S3", ["yic_entry_date", "yic_exit_date"],
              "YIC Entry Date '{yic_entry_date}' of student number '{student_number}' is not after the exit of "
              "the student's YIC enrollment on line {prev_line} (an exit date is the day after the last day): only one S3 "
              "may be active for a student at a time",
              f"{S3.section}: YIC Entry Date", yic_overlap,
              title="No overlapping Youth in Custody enrollments", tags=["enrollment"],
              examples=[fex([("S1", {}), ("S3", {"yic_exit_date": "", "yic_exit_reason": ""}),
                             ("S3", {"yic_entry_date": "20120920"})],
                            [("S1", {}), ("S3", {"yic_exit_date": "20120920"}), ("S3", {"yic_entry_date": "20120920"})],
                            line=5)]),
    ]
