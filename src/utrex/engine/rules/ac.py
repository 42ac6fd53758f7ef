"""Level 1 rules of the AC (Course Master) record.

Generic field rules come from `field_rules`; those whose meaning the specification changes are skipped and
declared here. Readings of unclear passages are recorded in docs/spec-decisions.md.
"""

from __future__ import annotations

import polars as pl

from ...spec.codes_2013 import COLLEGE_LEAS, PRE_K_CORE_CODE
from ...spec.layouts_2013 import AC
from ..context import Context
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Example, Rule

SECTION = AC.section
MIN_COURSE_LENGTH = 2
SSN_LENGTH = 9  # "if it contains 9 characters, it will be assumed to be an SSN"
CONCURRENT_MARK = "13"  # core code positions 7-8 of a concurrent enrollment course
COLLEGES = list(COLLEGE_LEAS)
CE = {"core_code": "01020013001"}  # a concurrent enrollment core code of the sample reference

SKIP = (
    "AC.teacher1_id.required",  # may be blank for the Pre-K core code (Note 3)
    "AC.cycle.format",  # one character A-Z or 0-9: a clearer message than the generic one
)


def cite(field_name: str, note: str = "") -> str:
    return f"{SECTION}: {field_name}" + (f" ({note})" if note else "")


def course_section_length(rt: str, fid: str, name: str, section: str) -> Rule:
    """At least two characters; shared with the AM course number, which must match it."""
    return rule(
        f"{rt}.{fid}.length", rt, [fid],
        f"{name} '{{{fid}}}' is shorter than {MIN_COURSE_LENGTH} characters; the course and section number "
        f"must be at least {MIN_COURSE_LENGTH} characters",
        f"{section}: {name}",
        lambda ctx: pl.col(fid).str.contains(r"^[A-Za-z0-9]+ *$") & (E.stripped(fid).str.len_chars() < MIN_COURSE_LENGTH),
        title=f"{name} at least {MIN_COURSE_LENGTH} characters",
        examples=[ex({fid: "M"}, {fid: "M1"})],
    )


def concurrent(ctx: Context) -> pl.Expr:
    """A well-formed core code with '13' in positions 7 and 8 (a malformed one is its format rule's finding)."""
    return E.all_digits("core_code") & (pl.col("core_code").str.slice(6, 2) == CONCURRENT_MARK)


def not_concurrent(ctx: Context) -> pl.Expr:
    return E.all_digits("core_code") & (pl.col("core_code").str.slice(6, 2) != CONCURRENT_MARK)


# -- where taught --------------------------------------------------------------------------------------


def _school_ok(ctx: Context) -> pl.Expr:
    """The where-taught school is a school of the where-taught LEA, or '0' + a college/ATC number."""
    dist, schl = pl.col("where_taught_dist"), pl.col("where_taught_schl")
    college_school = dist.is_in(COLLEGES) & (schl == pl.lit("0") + dist)
    return college_school | (dist + schl).is_in(ctx.school_keys)


def where_taught_rules() -> list[Rule]:
    both = E.all_digits("where_taught_dist") & E.all_digits("where_taught_schl")
    return [
        rule("AC.where_taught_dist.with_school", "AC", ["where_taught_dist", "where_taught_schl"],
             "Where Taught Dist is blank but Where Taught Schl is '{where_taught_schl}': the LEA of the school "
             "where the class is taught must be given with the school",
             cite("Where Taught Dist"),
             lambda ctx: E.blank("where_taught_dist") & E.present("where_taught_schl"),
             title="Where Taught Dist given with Where Taught Schl",
             examples=[ex({"where_taught_dist": "", "where_taught_schl": "704"},
                          {"where_taught_dist": "14", "where_taught_schl": "704"})]),
        rule("AC.where_taught_schl.with_dist", "AC", ["where_taught_schl", "where_taught_dist"],
             "Where Taught Schl is blank but Where Taught Dist is '{where_taught_dist}': both must be blank "
             "(taught at this school) or both given",
             cite("Where Taught Schl"),
             lambda ctx: E.blank("where_taught_schl") & E.present("where_taught_dist"),
             title="Where Taught Schl given with Where Taught Dist",
             examples=[ex({"where_taught_dist": "14", "where_taught_schl": ""},
                          {"where_taught_dist": "", "where_taught_schl": ""})]),
        rule("AC.where_taught_dist.reference", "AC", ["where_taught_dist"],
             "Where Taught Dist '{where_taught_dist}' is neither an LEA in the state's LEA list nor a college or "
             "ATC number (44-65, listed at the end of the AC record)",
             cite("Where Taught Dist"),
             lambda ctx: E.all_digits("where_taught_dist")
             & ~pl.col("where_taught_dist").is_in(sorted(set(ctx.lea_numbers) | set(COLLEGES))),
             title="Where Taught Dist is an LEA, college or ATC", tags=["reference"],
             examples=[ex({"where_taught_dist": "41", "where_taught_schl": "704"},
                          {"where_taught_dist": "49", "where_taught_schl": "049"})]),
        rule("AC.where_taught_schl.reference", "AC", ["where_taught_schl", "where_taught_dist"],
             "Where Taught Schl '{where_taught_schl}' is not a school of LEA '{where_taught_dist}' in the state's "
             "school list",
             cite("Where Taught Schl"),
             lambda ctx: both & pl.col("where_taught_dist").is_in(ctx.lea_numbers) & ~_school_ok(ctx),
             title="Where Taught Schl is a school of the LEA", tags=["reference"],
             examples=[ex({"where_taught_dist": "14", "where_taught_schl": "999"},
                          {"where_taught_dist": "14", "where_taught_schl": "704"})]),
        rule("AC.where_taught_schl.college", "AC", ["where_taught_schl", "where_taught_dist"],
             "Where Taught Schl '{where_taught_schl}' does not match college/ATC '{where_taught_dist}': the school "
             "number of a college or ATC is '0' followed by its number (e.g. 049 for Salt Lake Community College)",
             cite("Where Taught Schl"),
             lambda ctx: both & pl.col("where_taught_dist").is_in([c for c in COLLEGES if c not in ctx.lea_numbers])
             & ~_school_ok(ctx),
             title="Where Taught Schl of a college or ATC", tags=["reference"],
             examples=[ex({"where_taught_dist": "49", "where_taught_schl": "050"},
                          {"where_taught_dist": "49", "where_taught_schl": "049"})]),
        rule("AC.where_taught_schl.own_school", "AC", ["where_taught_schl", "where_taught_dist"],
             "Where Taught Dist/Schl '{where_taught_dist}' '{where_taught_schl}' is the reporting school itself; "
             "leave both blank when the class is taught at this school",
             cite("Where Taught Schl"),
             lambda ctx: (pl.col("where_taught_dist") == pl.lit(ctx.lea_number))
             & (pl.col("where_taught_schl") == pl.col("_school_ctx")),
             severity=WARNING, title="Where Taught Schl is another school",
             examples=[ex({"where_taught_dist": "14", "where_taught_schl": "790"},
                          {"where_taught_dist": "14", "where_taught_schl": "704"})]),
    ]


# -- teachers --------------------------------------------------------------------------------------------


def teacher_rules(fid: str, name: str, passing: dict[str, str]) -> list[Rule]:
    """Not zero, not 9 characters (an SSN), not zero filled; the format itself is the generic rule."""
    digits = E.left_justified_digits(fid)
    length = E.stripped(fid).str.len_chars()
    return [
        rule(f"AC.{fid}.zero", "AC", [fid],
             f"{name} '{{{fid}}}' is all zeros; give the CACTUS ID of the teacher",
             cite(name),
             lambda ctx: digits & (E.integer(fid) == 0),
             title=f"{name} not zero",
             examples=[ex({fid: "0000"}, passing)]),
        rule(f"AC.{fid}.ssn", "AC", [fid],
             f"{name} '{{{fid}}}' has {SSN_LENGTH} characters and is taken to be a Social Security Number; SSNs "
             "are no longer allowed: give the CACTUS ID",
             cite(name),
             lambda ctx: digits & (length == SSN_LENGTH) & (E.integer(fid) != 0),
             title=f"{name} not an SSN",
             examples=[ex({fid: "528123456"}, {**passing, fid: "52812345"})]),
        rule(f"AC.{fid}.zero_filled", "AC", [fid],
             f"{name} '{{{fid}}}' begins with zero; CACTUS IDs are left justified and not zero filled",
             cite(name),
             lambda ctx: digits & pl.col(fid).str.starts_with("0") & (E.integer(fid) != 0) & (length != SSN_LENGTH),
             severity=WARNING, title=f"{name} not zero filled",
             examples=[ex({fid: "0345678"}, passing)]),
    ]


def same_teacher(fid: str, name: str, other: str, other_name: str, example: Example) -> Rule:
    return rule(
        f"AC.{fid}.same_as_{other.removesuffix('_id')}", "AC", [fid, other],
        f"{name} '{{{fid}}}' is the same as {other_name}; each teacher of the class is given once",
        cite(name),
        lambda ctx: E.present(fid) & (E.stripped(fid) == E.stripped(other)),
        title=f"{name} differs from {other_name}",
        examples=[example],
    )


T1, T2, T3 = {"teacher1_id": "123456"}, {"teacher2_id": "234567"}, {"teacher3_id": "345678"}


def teachers() -> list[Rule]:
    return [
        rule("AC.teacher1_id.required", "AC", ["teacher1_id", "core_code"],
             "Teacher 1 ID is blank; it is required in every update unless the core code is the regular ed "
             f"Pre-K code {PRE_K_CORE_CODE} (Core Code is '{{core_code}}')",
             cite("Teacher 1 ID", "Note 3"),
             lambda ctx: E.blank("teacher1_id") & (pl.col("core_code") != PRE_K_CORE_CODE),
             title="Teacher 1 ID required", tags=["required"],
             examples=[ex({"teacher1_id": "", "core_code": "02020000001"},
                          {"teacher1_id": "", "core_code": PRE_K_CORE_CODE})]),
        *teacher_rules("teacher1_id", "Teacher 1 ID", T1),
        *teacher_rules("teacher2_id", "Teacher 2 ID", T2),
        *teacher_rules("teacher3_id", "Teacher 3 ID", {**T2, **T3}),
        same_teacher("teacher2_id", "Teacher 2 ID", "teacher1_id", "Teacher 1 ID",
                     ex({**T1, "teacher2_id": "123456"}, {**T1, **T2})),
        same_teacher("teacher3_id", "Teacher 3 ID", "teacher1_id", "Teacher 1 ID",
                     ex({**T1, **T2, "teacher3_id": "123456"}, {**T1, **T2, **T3})),
        same_teacher("teacher3_id", "Teacher 3 ID", "teacher2_id", "Teacher 2 ID",
                     ex({**T1, **T2, "teacher3_id": "234567"}, {**T1, **T2, **T3})),
        rule("AC.teacher3_id.without_teacher2", "AC", ["teacher3_id", "teacher2_id"],
             "Teacher 3 ID '{teacher3_id}' is given but Teacher 2 ID is blank; give the second teacher first",
             cite("Teacher 3 ID"),
             lambda ctx: E.present("teacher3_id") & E.blank("teacher2_id"),
             title="Teacher 3 ID only with Teacher 2 ID",
             examples=[ex({"teacher2_id": "", **T3}, {**T2, **T3})]),
    ]


# -- CTE, core code, concurrent enrollment, setting ---------------------------------------------------------


def core_code_rules() -> list[Rule]:
    def unknown(ctx: Context) -> pl.Expr:
        if not ctx.reference.core_codes:
            return pl.lit(False)  # no core code list loaded: nothing to compare with
        return E.all_digits("core_code") & ~pl.col("core_code").is_in(ctx.active_core_codes + ctx.inactive_core_codes)

    def setting_required(ctx: Context) -> pl.Expr:
        above_6 = [c for c, high in ctx.core_code_grade_high.items() if high > 6]
        return E.blank("instruct_setting") & pl.col("core_code").is_in(above_6)

    return [
        rule("AC.core_code.reference", "AC", ["core_code"],
             "Core Code '{core_code}' is not in the state's core code list (CACTUS)",
             cite("Core Code"),
             unknown,
             title="Core code known", tags=["reference"],
             examples=[ex({"core_code": "02029999999"}, {"core_code": "02020000001"})]),
        rule("AC.core_code.inactive", "AC", ["core_code"],
             "Core Code '{core_code}' is an inactive core code; it must be an ACTIVE core code",
             cite("Core Code"),
             lambda ctx: pl.col("core_code").is_in(ctx.inactive_core_codes),
             title="Core code active", tags=["reference"],
             examples=[ex({"core_code": "99990000001"}, {"core_code": "02020000001"})]),
        # -- CTE: a CIP code marks a CTE class
        rule("AC.semester_length.with_cip", "AC", ["semester_length", "cip_code"],
             "Semester Length is blank but CIP Code Number is '{cip_code}': CTE classes must give the semester length",
             cite("Semester Length"),
             lambda ctx: E.blank("semester_length") & E.present("cip_code"),
             title="Semester Length given for CTE classes",
             examples=[ex({"cip_code": "480506", "semester_length": ""},
                          {"cip_code": "480506", "semester_length": "1"})]),
        rule("AC.semester_length.without_cip", "AC", ["semester_length", "cip_code"],
             "Semester Length '{semester_length}' is given but CIP Code Number is blank; semester length is "
             "reported for CTE classes only",
             cite("Semester Length"),
             lambda ctx: E.present("semester_length") & E.blank("cip_code"),
             severity=WARNING, title="Semester Length only for CTE classes",
             examples=[ex({"cip_code": "", "semester_length": "1"}, {"cip_code": "", "semester_length": ""})]),
        # -- concurrent enrollment: '13' in positions 7-8 of the core code
        rule("AC.college_granting_cr.required", "AC", ["college_granting_cr", "core_code"],
             "College Granting Credit is blank but Core Code '{core_code}' is a concurrent enrollment course ('13' in "
             "positions 7-8); give the college granting the credit (49, 50, 52, 53, 54, 56, 57, 58 or 59)",
             cite("College Granting CR"),
             lambda ctx: concurrent(ctx) & E.blank("college_granting_cr"),
             title="College Granting Credit for concurrent enrollment", tags=["required"],
             examples=[ex({**CE, "college_granting_cr": ""},
                          {**CE, "college_granting_cr": "49", "where_taught_campus": "H"})]),
        rule("AC.college_granting_cr.not_concurrent", "AC", ["college_granting_cr", "core_code"],
             "College Granting Credit '{college_granting_cr}' is given but Core Code '{core_code}' is not a "
             "concurrent enrollment course ('13' in positions 7-8); leave it blank",
             cite("College Granting CR"),
             lambda ctx: not_concurrent(ctx) & E.present("college_granting_cr"),
             severity=WARNING, title="College Granting Credit only for concurrent enrollment",
             examples=[ex({"core_code": "02020000001", "college_granting_cr": "49"},
                          {"core_code": "02020000001", "college_granting_cr": ""})]),
        rule("AC.where_taught_campus.required", "AC", ["where_taught_campus", "core_code"],
             "Where Taught Campus is blank but Core Code '{core_code}' is a concurrent enrollment course ('13' in "
             "positions 7-8); give C (college campus) or H (high school campus)",
             cite("Where Taught Campus"),
             lambda ctx: concurrent(ctx) & E.blank("where_taught_campus"),
             title="Where Taught Campus for concurrent enrollment", tags=["required"],
             examples=[ex({**CE, "where_taught_campus": ""},
                          {**CE, "college_granting_cr": "49", "where_taught_campus": "C"})]),
        rule("AC.where_taught_campus.not_concurrent", "AC", ["where_taught_campus", "core_code"],
             "Where Taught Campus '{where_taught_campus}' is given but Core Code '{core_code}' is not a concurrent "
             "enrollment course ('13' in positions 7-8); it is blank for other courses",
             cite("Where Taught Campus"),
             lambda ctx: not_concurrent(ctx) & E.present("where_taught_campus"),
             severity=WARNING, title="Where Taught Campus only for concurrent enrollment",
             examples=[ex({"core_code": "02020000001", "where_taught_campus": "H"},
                          {"core_code": "02020000001", "where_taught_campus": ""})]),
        # -- instructional setting
        rule("AC.instruct_setting.required", "AC", ["instruct_setting", "core_code"],
             "Instructional Setting is blank but Core Code '{core_code}' is for grades above 6; give the setting "
             "(BC, CC, ED, AV, ON, IS, FF or OP)",
             cite("Instruct Setting"),
             setting_required,
             title="Instructional Setting for grades above 6", tags=["required"],
             examples=[ex({"core_code": "02020000001", "instruct_setting": ""},
                          {"core_code": "22060000006", "instruct_setting": ""})]),
    ]


def rules() -> list[Rule]:
    return [
        *field_rules(AC, skip=SKIP),
        course_section_length("AC", "course_section", "Course & Section", SECTION),
        *where_taught_rules(),
        *teachers(),
        *core_code_rules(),
        rule("AC.cycle.format", "AC", ["cycle"],
             "Cycle '{cycle}' must be one letter (A-Z) or digit (0-9)",
             cite("Cycle"),
             lambda ctx: E.present("cycle") & ~pl.col("cycle").str.contains(r"^[A-Za-z0-9]$"),
             title="Cycle format", tags=["format"],
             examples=[ex({"cycle": "#"}, {"cycle": "7"})]),
    ]
