"""Level 2: dependencies between record types.

A value on one record that requires (or forbids) a record of another type for the same student: High School
Completion Status 'G3' needs a SCRAM record (S1 Note 6) and 'AO' a SCRAM Exit Reason 'D' (S1 Note 8), which in
turn needs 'AO' (S2 Note); a hearing officer removal needs a SCRAM record (I2); a Special Ed Exit Date needs
every S2 exited on or before it (S1); a student in kindergarten or above under 5 needs an S2 (S1 Birth Date);
a student with an S2 should have a phone number (S1); an ES record excludes an S1 of the student on or before
October 1 (ES); a charter school's October count stays within its approved maximum (SC School Number); an S2's
Disability Type 'DD', Regular Percent and Environment fit the age and grade on the student's S1 (S2).

A student is matched on the student number as written (blanks trimmed) across the LEA's file: the spec speaks
of "a SCRAM record associated with the student", not of one enrollment, so a student's S2 in any school of the
file counts (the phone number rule alone pairs the S1 and S2 of one school). Readings that depart from the
letter are in docs/spec-decisions.md.
"""

from __future__ import annotations

import polars as pl

from ...spec import Period
from ...spec.codes_2013 import ENVIRONMENT_K12, ENVIRONMENT_PK
from ...spec.layouts_2013 import ES, I2, S1, S2, SC
from ..context import Context
from ..tables import Tables
from . import expr as E
from .common import WARNING, fex, rule2
from .model import Rule

STUDENT = "_k_student"


def _students(t: Tables, code: str, where: pl.Expr | None = None) -> pl.LazyFrame:
    """The student numbers with a record of `code` (matching `where`) anywhere in the file (repeated: the
    callers anti-join on them, which needs no unique())."""
    frame = t.get(code)
    if where is not None:
        frame = frame.filter(where)
    return frame.select(STUDENT)


def _code(field_id: str, value: str) -> pl.Expr:
    return E.stripped(field_id) == value


def g3_without_s2(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("S1").filter(_code("hs_completion_status", "G3"))
            .join(_students(t, "S2"), on=STUDENT, how="anti"))


def ao_without_exit_d(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("S1").filter(_code("hs_completion_status", "AO"))
            .join(_students(t, "S2", _code("scram_exit_reason", "D")), on=STUDENT, how="anti"))


def exit_d_without_ao(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("S2").filter(_code("scram_exit_reason", "D"))
            .join(_students(t, "S1", _code("hs_completion_status", "AO")), on=STUDENT, how="anti"))


def hearing_officer_without_s2(t: Tables, ctx: Context) -> pl.LazyFrame:
    return (t.get("I2").filter(_code("hearing_officer_removal", "Y"))
            .join(_students(t, "S2"), on=STUDENT, how="anti"))


def s2_after_special_ed_exit(t: Tables, ctx: Context) -> pl.LazyFrame:
    """S2 records of a student whose S1 carries a Special Ed Exit Date (the latest when several do) that have
    no SCRAM Exit Date or one after it."""
    exited = (t.get("S1").filter(E.date("special_ed_exit_date").is_not_null())
              .group_by(STUDENT).agg(E.date("special_ed_exit_date").max().alias("_sped_exit"))
              .with_columns(pl.col("_sped_exit").dt.strftime("%Y%m%d").alias("_special_ed_exit")))
    return (t.get("S2").join(exited, on=STUDENT, how="inner")
            .filter(E.date("scram_exit_date").is_null() | (E.date("scram_exit_date") > pl.col("_sped_exit"))))


def under_5_without_s2(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Kindergarten or above, no S2 of the student in the file, under 5 on the prior September 1 (4 is allowed
    with Military Child 'Y')."""
    age = E.age_on(E.date("birth_date"), ctx.prior_september_1)
    military = _code("military_child", "Y")
    return (t.get("S1").filter((E.grade() >= 0) & E.date("birth_date").is_not_null()
                               & ((age < 4) | ((age == 4) & ~military)))
            .join(_students(t, "S2"), on=STUDENT, how="anti"))


def s2_without_phone(t: Tables, ctx: Context) -> pl.LazyFrame:
    s2 = t.get("S2").select("_k_school", STUDENT)  # a semi join needs no unique()
    return t.get("S1").filter(E.blank("phone_number")).join(s2, on=["_k_school", STUDENT], how="semi")


def es_with_early_s1(t: Tables, ctx: Context) -> pl.LazyFrame:
    """ES records of a student with an S1 entered on or before October 1 (the count date)."""
    es = t.get("ES")
    s1 = (t.get("S1").filter(E.date("entry_date") <= E.lit_date(ctx.october_1))
          .join(es.select(STUDENT), on=STUDENT, how="semi")  # only the ES students: a few next to every S1
          .group_by(STUDENT).agg(pl.col("_line").min().alias("_s1_line")))
    return es.join(s1, on=STUDENT, how="inner")


def charter_over_maximum(t: Tables, ctx: Context) -> pl.LazyFrame:
    """October update: students (distinct student numbers) with an S1 at the school as school of record (School
    of Record blank) in membership on October 1 (entered on or before it, no exit date or one after it), above
    the school's approved maximum enrollment. Only schools with a maximum in the reference (charters)."""
    maxima = [(lea, num, s.charter_max_enrollment) for (lea, num), s in ctx.reference.schools.items()
              if s.charter_max_enrollment is not None]
    sc = t.get("SC").with_columns(E.stripped("school_number").alias("_school"))
    if ctx.period != Period.OCTOBER or not maxima:
        return sc.filter(pl.lit(False))
    limits = pl.LazyFrame({"_k_lea": [m[0] for m in maxima], "_school": [m[1] for m in maxima],
                           "_maximum": [m[2] for m in maxima]},
                          schema={"_k_lea": pl.Utf8, "_school": pl.Utf8, "_maximum": pl.Int64})
    oct1 = E.lit_date(ctx.october_1)
    counts = (t.get("S1").filter(E.blank("school_of_record") & (E.date("entry_date") <= oct1)
                                 & (E.date("exit_date").is_null() | (E.date("exit_date") > oct1)))
              .group_by("_k_lea", pl.col("_k_school").alias("_school"))
              .agg(pl.col(STUDENT).n_unique().alias("_count")))
    return (sc.join(limits, on=["_k_lea", "_school"], how="inner")
            .join(counts, on=["_k_lea", "_school"], how="inner")
            .filter(pl.col("_count") > pl.col("_maximum")))


def s1_of_s2(t: Tables) -> pl.LazyFrame:
    """Per school and student: the lowest and highest S1 grade and the latest birth date (the S1 an S2 hangs on,
    `l2_links`), for the students with an S2 only (grouping every S1 costs several times more)."""
    return (t.get("S1").join(t.get("S2").select("_k_school", STUDENT), on=["_k_school", STUDENT], how="semi")
            .group_by("_k_school", STUDENT)
            .agg(E.grade().min().alias("_grade_min"), E.grade().max().alias("_grade_max"),
                 E.date("birth_date").max().alias("_birth")))


def _grade_words() -> pl.Expr:
    return (pl.when(pl.col("_grade_max") < 0).then(pl.lit("Pre-K"))
            .otherwise(pl.lit("K-12")).alias("_grade_words"))


def dd_over_7(t: Tables, ctx: Context) -> pl.LazyFrame:
    age = E.age_on(pl.col("_birth"), ctx.special_ed_age_date)
    return (t.get("S2").filter(_code("disability_type", "DD"))
            .join(s1_of_s2(t), on=["_k_school", STUDENT], how="inner")
            .with_columns(age.alias("_age"))
            .filter(pl.col("_age") > 7))


def regular_percent_by_grade(t: Tables, ctx: Context) -> pl.LazyFrame:
    """Blank for a Pre-K student, not blank above Pre-K; a student with both Pre-K and K-12 S1s in the school is
    left alone."""
    blank = E.blank("regular_percent")
    return (t.get("S2").join(s1_of_s2(t), on=["_k_school", STUDENT], how="inner")
            .filter(((pl.col("_grade_max") < 0) & ~blank) | ((pl.col("_grade_min") >= 0) & blank))
            .with_columns(_grade_words()))


def environment_by_grade(t: Tables, ctx: Context) -> pl.LazyFrame:
    env = E.stripped("environment")
    return (t.get("S2").join(s1_of_s2(t), on=["_k_school", STUDENT], how="inner")
            .filter(((pl.col("_grade_max") < 0) & ~env.is_in(list(ENVIRONMENT_PK)))
                    | ((pl.col("_grade_min") >= 0) & ~env.is_in(list(ENVIRONMENT_K12))))
            .with_columns(_grade_words(),
                          pl.when(pl.col("_grade_max") < 0).then(pl.lit(", ".join(ENVIRONMENT_PK)))
                          .otherwise(pl.lit(", ".join(ENVIRONMENT_K12))).alias("_allowed")))


# -- examples --------------------------------------------------------------------------------------------

CHARTER = {"di": {"lea_number": "70"}, "sc": {"lea_number": "70", "school_number": "100", "days_in_school_year": "180"}}


def _charter_body(n: int, **extra: str) -> list[tuple[str, dict[str, str]]]:
    return [("S1", {"lea_number": "70", "school_number": "100", "grade_level": "03", "birth_date": "20040315",
                    "student_number": str(100000 + i), "ssid": "", **extra}) for i in range(n)]


def _charter_example():  # noqa: ANN202 - a FileExample
    """Sample charter 70/100 (maximum 600): 601 students in membership on October 1 break it; 600 plus one
    that exited on October 1 (Exit Date is the day after the last day of membership) pass."""
    exited = _charter_body(1, exit_date="20121001", exit_code="TS")
    exited[0][1]["student_number"] = "999999"
    return fex(_charter_body(601), _charter_body(600) + exited, line=2, **CHARTER)


S1_SENIOR = {"grade_level": "12", "birth_date": "19940601"}
PK = {"grade_level": "PK", "birth_date": "20080315", "school_membership": "045", "days_attended": "040"}
PK_S2 = {"regular_percent": "", "environment": "C"}


def rules() -> list[Rule]:
    sped = f"{S1.section}: Special Ed Exit Date"
    return [
        rule2("S1.hs_completion_status.g3_no_s2", "S1", ["hs_completion_status"],
              "High School Completion Status '{hs_completion_status}' for student '{_k_student}' without an S2 "
              "(SCRAM) record in the file: 'G3' requires a special education record of the student",
              f"{S1.section}: High Schl Compl Status, Note 6", g3_without_s2,
              title="G3 needs an S2 record", tags=["dependency"],
              examples=[fex([("S1", {**S1_SENIOR, "hs_completion_status": "G3"})],
                            [("S1", {**S1_SENIOR, "hs_completion_status": "G3"}), ("S2", {})], line=3)]),
        rule2("S1.hs_completion_status.ao_no_exit_d", "S1", ["hs_completion_status"],
              "High School Completion Status '{hs_completion_status}' for student '{_k_student}' without an S2 "
              "record with SCRAM Exit Reason 'D': 'AO' (aged out) requires SCRAM Exit Reason 'D' (reached "
              "maximum age)",
              f"{S1.section}: High Schl Compl Status, Note 8", ao_without_exit_d,
              title="AO needs an S2 with exit reason D", tags=["dependency"],
              examples=[fex([("S1", {"hs_completion_status": "AO"}), ("S2", {})],
                            [("S1", {"hs_completion_status": "AO"}),
                             ("S2", {"scram_exit_date": "20120915", "scram_exit_reason": "D"})], line=3)]),
        rule2("S2.scram_exit_reason.d_without_ao", "S2", ["scram_exit_reason"],
              "SCRAM Exit Reason '{scram_exit_reason}' for student '{_k_student}' without an S1 with High School "
              "Completion Status 'AO': exit reason 'D' (reached maximum age) requires 'AO' (aged out)",
              f"{S2.section}: SCRAM Exit Reason, Note", exit_d_without_ao,
              title="S2 exit reason D needs AO on the S1", tags=["dependency"],
              examples=[fex([("S1", {}), ("S2", {"scram_exit_date": "20120915", "scram_exit_reason": "D"})],
                            [("S1", {"hs_completion_status": "AO"}),
                             ("S2", {"scram_exit_date": "20120915", "scram_exit_reason": "D"})], line=4)]),
        rule2("I2.hearing_officer_removal.no_s2", "I2", ["hearing_officer_removal"],
              "Hearing Officer Removal '{hearing_officer_removal}' for student '{_k_student}' without an S2 "
              "(SCRAM) record in the file: 'Y' applies only to students with a SCRAM record",
              f"{I2.section}: Hearing Officer Removal", hearing_officer_without_s2,
              title="Hearing officer removal needs an S2 record", tags=["dependency"],
              examples=[fex([("S1", {}), ("I1", {}), ("I2", {"hearing_officer_removal": "Y"})],
                            [("S1", {}), ("S2", {}), ("I1", {}), ("I2", {"hearing_officer_removal": "Y"})],
                            line=5)]),
        rule2("S2.scram_exit_date.special_ed_exit", "S2", ["scram_exit_date"],
              "SCRAM Exit Date '{scram_exit_date}' of student '{_k_student}' whose S1 Special Ed Exit Date is "
              "{_special_ed_exit}: once the student has exited special education every S2 must have a SCRAM Exit "
              "Date on or before the Special Ed Exit Date",
              sped, s2_after_special_ed_exit,
              title="S2 exited by the Special Ed Exit Date", tags=["dependency"],
              examples=[fex([("S1", {"special_ed_exit_date": "20120915"}), ("S2", {})],
                            [("S1", {"special_ed_exit_date": "20120915"}),
                             ("S2", {"scram_exit_date": "20120915", "scram_exit_reason": "A"})], line=4),
                        fex([("S1", {"special_ed_exit_date": "20120915"}),
                             ("S2", {"scram_exit_date": "20120916", "scram_exit_reason": "A"})],
                            [("S1", {"special_ed_exit_date": "20120916"}),
                             ("S2", {"scram_exit_date": "20120916", "scram_exit_reason": "A"})], line=4)]),
        rule2("S1.birth_date.under_5_no_s2", "S1", ["birth_date", "grade_level", "military_child"],
              "Birth Date '{birth_date}' makes the student in Grade Level '{grade_level}' younger than 5 on "
              "{ctx_sep1} and the student has no S2 record: in kindergarten or above a student without special "
              "education must be at least 5 (4 with Military Child 'Y', found '{military_child}')",
              f"{S1.section}: Birth Date", under_5_without_s2,
              title="Kindergarten or above under 5 needs an S2", tags=["dependency"],
              examples=[fex([("S1", {"grade_level": "00", "birth_date": "20070902"})],
                            [("S1", {"grade_level": "00", "birth_date": "20070901"})], line=3),
                        fex([("S1", {"grade_level": "00", "birth_date": "20080315"})],
                            [("S1", {"grade_level": "00", "birth_date": "20080315", "military_child": "Y"})],
                            line=3),
                        fex([("S1", {"grade_level": "00", "birth_date": "20090315"})],
                            [("S1", {"grade_level": "00", "birth_date": "20090315"}), ("S2", {})], line=3)]),
        rule2("S2.disability_type.dd_over_7", "S2", ["disability_type"],
              "Disability Type '{disability_type}' for a student aged {_age} on {ctx_sped_age_date} (S1 Birth "
              "Date): 'DD' (Developmental Delay) cannot be used for students older than 7",
              f"{S2.section}: Disability Type, Constraint", dd_over_7,
              title="Developmental Delay not above age 7", tags=["dependency"],
              examples=[fex([("S1", {"grade_level": "02", "birth_date": "20041201"}), ("S2", {"disability_type": "DD"})],
                            [("S1", {"grade_level": "02", "birth_date": "20041202"}), ("S2", {"disability_type": "DD"})],
                            line=4)]),
        rule2("S2.regular_percent.by_grade", "S2", ["regular_percent"],
              "Regular Percent '{regular_percent}' for a {_grade_words} student (S1 Grade Level): Regular Percent "
              "must be blank for Pre-K students and 1, 2 or 3 for all students above Pre-K",
              f"{S2.section}: Regular Percent", regular_percent_by_grade,
              title="Regular Percent blank exactly for Pre-K", tags=["dependency"],
              examples=[fex([("S1", {}), ("S2", {"regular_percent": ""})], [("S1", {}), ("S2", {})], line=4),
                        fex([("S1", PK), ("S2", {**PK_S2, "regular_percent": "1"})], [("S1", PK), ("S2", PK_S2)],
                            line=4)]),
        rule2("S2.environment.by_grade", "S2", ["environment"],
              "Environment '{environment}' for a {_grade_words} student (S1 Grade Level): allowed for the "
              "student's grade are {_allowed}",
              f"{S2.section}: Environment", environment_by_grade,
              title="Environment code fits the grade", tags=["dependency"],
              examples=[fex([("S1", {}), ("S2", {"environment": "C"})], [("S1", {}), ("S2", {})], line=4),
                        fex([("S1", PK), ("S2", {**PK_S2, "environment": "V"})], [("S1", PK), ("S2", PK_S2)],
                            line=4)]),
        rule2("S1.phone_number.s2_blank", "S1", ["phone_number"],
              "Phone Number is blank for student '{_k_student}', who has an S2 (SCRAM) record in school "
              "{_k_school}: there should be a phone number for each student with an S2 record",
              f"{S1.section}: Phone Number", s2_without_phone, severity=WARNING,
              title="Phone number for students with an S2", tags=["dependency"],
              examples=[fex([("S1", {"phone_number": ""}), ("S2", {})],
                            [("S1", {"phone_number": ""})], line=3),
                        fex([("S1", {"phone_number": ""}), ("S2", {})],
                            [("S1", {}), ("S2", {})], line=3)]),
        rule2("ES.student_number.s1_by_october_1", "ES", ["student_number"],
              "ES record for student number '{student_number}' while the S1 on line {_s1_line} enrolls the same "
              "student on or before October 1: a student with an ES record cannot also have an S1 record from "
              "the same LEA on or before October 1",
              f"{ES.section}: Constraint", es_with_early_s1,
              title="No ES and S1 on or before October 1 for one student", tags=["dependency"],
              examples=[fex([("S1", {}), ("ES", {"student_number": "7171717"})],
                            [("S1", {}), ("ES", {})], line=4),
                        fex([("S1", {"entry_date": "20121001"}), ("ES", {"student_number": "7171717"})],
                            [("S1", {"entry_date": "20121002"}), ("ES", {"student_number": "7171717"})],
                            line=4, as_of="2012-10-05")]),
        rule2("SC.school_number.charter_max_enrollment", "SC", ["school_number"],
              "Charter school {_school} has {_count} students in membership on October 1 as their school of "
              "record: the count cannot exceed the approved maximum enrollment of {_maximum}",
              f"{SC.section}: School Number", charter_over_maximum,
              title="Charter October count within the maximum enrollment", tags=["dependency", "reference"],
              examples=[_charter_example()]),
    ]
