"""Level 1 rules of the S1 (Student) record.

Generic field rules come from `field_rules`; the ones whose meaning the specification changes are
skipped and declared here. Readings of unclear passages are recorded in docs/spec-decisions.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import polars as pl

from ...spec import Period
from ...spec.codes_2013 import EARLY_GRADUATE_EXIT_CODES, REGULAR_DISTRICTS
from ...spec.layouts_2013 import S1
from ..context import Context
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Example, Rule, Severity

SECTION = S1.section
DEC, YE = Period.DECEMBER, Period.YEAR_END

# Generic rules replaced below (same id, the specification's semantics).
SKIP = (
    "S1.ssn.format",  # exactly nine digits, not merely left-justified digits
    "S1.grade_level.required",  # still read on resident status X records
    "S1.school_membership.required",  # blank is read as 000 (Note 4)
    "S1.school_membership.format",  # PVT / HSC allowed
    "S1.cumulative_gpa.format",  # 0000-4000 or NGPA
    "S1.district_of_residence.code",  # clearer message: 01-40 or 42
)

OG_COMPLETION = ("GR", "G3", "GM", "CT", "AO")
EARLY_GRAD_COMPLETION = ("GR", "G3")
SENIOR_ONLY_COMPLETION = ("G3", "CT", "DO", "RT")
ELL = ("Y", "O", "F")
HOMELESS_YES = ("1", "2", "3", "4", "5")
RESIDENT_ABROAD = ("A", "F", "J")  # no permanent address in a Utah district
EARLY = list(EARLY_GRADUATE_EXIT_CODES)


def cite(field_name: str, note: str = "") -> str:
    return f"{SECTION}: {field_name}" + (f", {note}" if note else "")


def r(
    id: str,
    fields: Iterable[str],
    message: str,
    citation: str,
    check: Callable[[Context], pl.Expr],
    examples: Iterable[Example],
    *,
    severity: Severity = Severity.ERROR,
    title: str = "",
    x: bool = False,
    tags: Iterable[str] = (),
) -> Rule:
    return rule(id, "S1", fields, message, citation, check, severity=severity, title=title, tags=tags,
                examples=examples, applies_to_resident_x=x)


# -- expression helpers --------------------------------------------------------------------------------


def val(fid: str) -> pl.Expr:
    """The field without trailing blanks (codes are compared this way)."""
    return pl.col(fid).str.strip_chars_end(" ")


def one_of(fid: str, values: Iterable[str]) -> pl.Expr:
    return val(fid).is_in(list(values))


def when(flag: bool) -> pl.Expr:
    return pl.lit(flag)


def grade_in(low: int, high: int) -> pl.Expr:
    return E.grade().is_between(low, high)


def grade_outside(low: int, high: int) -> pl.Expr:
    """A readable grade outside low..high (an unreadable grade is the grade code rule's finding)."""
    return E.grade().is_not_null() & ~E.grade().is_between(low, high)


def age(ctx: Context) -> pl.Expr:
    """Age in whole years on September 1 at the start of the school year (null unless the date parsed)."""
    return E.age_on(E.date("birth_date"), ctx.prior_september_1)


def membership_zero() -> pl.Expr:
    """School membership reads as zero: blank is transformed to 000 (School Membership, Note 4)."""
    return E.blank("school_membership") | (pl.col("school_membership") == "000")


def exited() -> pl.Expr:
    return E.present("exit_code") | E.present("exit_date")


def day(d: dt.date) -> pl.Expr:
    return E.lit_date(d)


CHARTER = {"di": {"lea_number": "70"}, "sc": {"lea_number": "70", "school_number": "150"}}
CHARTER_S1 = {"lea_number": "70", "school_number": "150"}
NO_MIGRANT_LEA = {"di": {"lea_number": "01"}, "sc": {"lea_number": "01"}}


# -- identity -----------------------------------------------------------------------------------------


def identity_rules() -> list[Rule]:
    ssn_name = "Social Security Number"
    return [
        r("S1.student_number.zero", ["student_number"],
          "Student Number '{student_number}' is zero; a student record may not carry student number zero",
          cite("Student Number"),
          lambda ctx: E.integer("student_number") == 0,
          [ex({"student_number": "0000000000"}, {"student_number": "7171717"})],
          title="Student number not zero", x=True),
        r("S1.ssn.format", ["ssn"],
          "Social Security Number '{ssn}' must be exactly 9 digits (or blank)",
          cite(ssn_name),
          lambda ctx: E.present("ssn") & ~pl.col("ssn").str.contains(r"^[0-9]{9}$"),
          [ex({"ssn": "12345"}, {"ssn": "", "grade_level": "12"})],
          title="SSN nine digits", tags=["format"]),
        r("S1.ssn.zero_prefix", ["ssn"],
          "Social Security Number '{ssn}' is invalid: it begins with 000 (an SSN of zero is not allowed either)",
          cite(ssn_name),
          lambda ctx: pl.col("ssn").str.contains(r"^000[0-9]{6}$"),
          [ex({"ssn": "000123456"}, {"ssn": "528123456", "grade_level": "12"})],
          title="SSN does not begin with 000"),
        r("S1.ssn.below_grade_12", ["ssn", "grade_level"],
          "Social Security Number given for a grade {grade_level} student; SSNs are submitted only for 12th-grade "
          "CTE students and SSNs below grade 12 are deleted",
          cite(ssn_name),
          lambda ctx: E.present("ssn") & grade_outside(12, 12),
          [ex({"ssn": "528123456", "grade_level": "10"}, {"ssn": "528123456", "grade_level": "12"})],
          severity=WARNING, title="SSN only for 12th grade"),
        r("S1.concentrator.ssn", ["concentrator", "ssn", "grade_level"],
          "CTE Concentrator '{concentrator}' is given for a 12th grader without a Social Security Number; "
          "CTE requests an SSN for every concentrator",
          cite("Concentrator"),
          lambda ctx: E.present("concentrator") & E.blank("ssn") & grade_in(12, 12),
          [ex({"concentrator": "510000", "ssn": "", "grade_level": "12"},
              {"concentrator": "510000", "ssn": "528123456", "grade_level": "12"})],
          severity=WARNING, title="Concentrator has an SSN"),
    ]


# -- birth date and age ---------------------------------------------------------------------------------


def age_rules() -> list[Rule]:
    bd = "Birth Date"
    return [
        r("S1.birth_date.future", ["birth_date"],
          "Birth Date '{birth_date}' is today ({ctx_as_of}) or in the future",
          cite(bd),
          lambda ctx: E.date("birth_date") >= day(ctx.as_of),
          [ex({"birth_date": "20121001"}, {"birth_date": "20090930"}, as_of="2012-10-01")],
          title="Birth date in the past"),
        r("S1.birth_date.under_3", ["birth_date", "migrant"],
          "Birth Date '{birth_date}' makes the student younger than 3 on {ctx_sep1}; only migrant students "
          "(Migrant 'Y') may be under 3",
          cite(bd, "Note"),
          lambda ctx: (age(ctx) < 3) & (val("migrant") != "Y"),
          [ex({"birth_date": "20090902", "migrant": ""}, {"birth_date": "20090901", "migrant": ""})],
          title="Age at least 3 unless migrant"),
        r("S1.birth_date.over_23", ["birth_date"],
          "Birth Date '{birth_date}' makes the student older than 23 on {ctx_sep1}",
          cite(bd),
          lambda ctx: age(ctx) > 23,
          [ex({"birth_date": "19880901"}, {"birth_date": "19880902"})],
          title="Age not over 23"),
        r("S1.school_membership.migrant_under_3", ["school_membership", "birth_date", "migrant"],
          "School Membership '{school_membership}' for a migrant student under 3 on {ctx_sep1} "
          "(Birth Date '{birth_date}'); migrant students under 3 must have zero membership",
          cite(bd, "Note"),
          lambda ctx: (age(ctx) < 3) & (val("migrant") == "Y") & ~membership_zero(),
          [ex({"school_membership": "010", "birth_date": "20100315", "migrant": "Y"},
              {"school_membership": "000", "birth_date": "20100315", "migrant": "Y"})],
          title="Migrant under 3 has zero membership"),
        r("S1.grade_level.pk_age_6", ["grade_level", "birth_date"],
          "Grade Level '{grade_level}' (Pre-K) for a student 6 or older on {ctx_sep1} (Birth Date '{birth_date}')",
          f"{SECTION}: Grade Level (Revisions, February 06, 2009)",
          lambda ctx: (E.grade() == -1) & (age(ctx) >= 6),
          [ex({"grade_level": "PK", "birth_date": "20060901"}, {"grade_level": "PK", "birth_date": "20060902"})],
          title="Pre-K under 6"),
    ]


# -- ethnicity and race ----------------------------------------------------------------------------------

RACES = ["race_american_indian", "race_asian", "race_black", "race_pacific_islander", "race_white"]


def race_rules() -> list[Rule]:
    return [
        r("S1.race_american_indian.at_least_one_race", RACES,
          "No race is 'Y'; at least one of American Indian/Alaskan Native, Asian, Black, Pacific Islander "
          "or White must be 'Y'",
          cite("Ethnicity/Race Notes", "Note 1"),
          lambda ctx: pl.all_horizontal([val(f) != "Y" for f in RACES]),
          [ex({f: "" for f in RACES}, {**{f: "" for f in RACES}, "race_asian": "Y"})],
          title="At least one race"),
        r("S1.tribal_affiliation.required", ["tribal_affiliation", "race_american_indian"],
          "Tribal Affiliation is blank for an American Indian/Alaskan Native student; it is required when "
          "American Indian/Alaskan Native is 'Y'",
          cite("Tribal Affiliation", "Note 1"),
          lambda ctx: E.blank("tribal_affiliation") & (val("race_american_indian") == "Y"),
          [ex({"tribal_affiliation": "", "race_american_indian": "Y"},
              {"tribal_affiliation": "U", "race_american_indian": "Y"})],
          title="Tribal affiliation for American Indian"),
    ]


# -- grade level -----------------------------------------------------------------------------------------


def grade_rules() -> list[Rule]:
    gl = "Grade Level"

    def out_of_range(ctx: Context) -> pl.Expr:
        key = pl.col("lea_number") + pl.col("school_number")
        low = key.replace_strict(ctx.school_grade_low, default=None, return_dtype=pl.Int64)
        high = key.replace_strict(ctx.school_grade_high, default=None, return_dtype=pl.Int64)
        return E.grade().is_not_null() & low.is_not_null() & ((E.grade() < low) | (E.grade() > high))

    return [
        r("S1.grade_level.required", ["grade_level"],
          "Grade Level is blank; it is required in every update",
          cite(gl),
          lambda ctx: E.blank("grade_level"),
          [ex({"grade_level": ""}, {"grade_level": "10"})],
          title="Grade Level required", tags=["required"], x=True),
        r("S1.grade_level.school_range", ["grade_level", "lea_number", "school_number"],
          "Grade Level '{grade_level}' is outside the grade range CACTUS lists for school {school_number} "
          "of LEA {lea_number}",
          cite(gl, "Note 2"),
          out_of_range,
          [ex({"grade_level": "10", "lea_number": "14", "school_number": "104"},
              {"grade_level": "03", "lea_number": "14", "school_number": "104"},
              sc={"school_number": "104"})],
          title="Grade within the school's range"),
    ]


# -- entry, exit and exit codes ----------------------------------------------------------------------------


def enrollment_rules() -> list[Rule]:
    ec = "Exit Code"
    return [
        r("S1.entry_date.after_year_end", ["entry_date"],
          "Entry Date '{entry_date}' is after the end of the school year ({ctx_year_end})",
          cite("Entry Date"),
          lambda ctx: E.date("entry_date") > day(ctx.year_end),
          [ex({"entry_date": "20130701"}, {"entry_date": "20130630"})],
          title="Entry date not after the school year"),
        r("S1.exit_date.window", ["exit_date"],
          "Exit Date '{exit_date}' is outside the school year {ctx_year_start} - {ctx_year_end}",
          cite("Exit Date"),
          lambda ctx: E.date("exit_date").is_not_null()
          & ~E.date("exit_date").is_between(day(ctx.year_start), day(ctx.year_end)),
          [ex({"exit_date": "20130701"}, {"exit_date": "20130630"}),
           ex({"exit_date": "20120630"}, {"exit_date": "20120701", "entry_date": "20120701"})],
          title="Exit date within the school year"),
        r("S1.exit_date.before_entry", ["exit_date", "entry_date"],
          "Exit Date '{exit_date}' is before Entry Date '{entry_date}'",
          cite("Exit Date"),
          lambda ctx: E.date("exit_date") < E.date("entry_date"),
          [ex({"exit_date": "20120901", "entry_date": "20120902"},
              {"exit_date": "20120902", "entry_date": "20120902"})],
          title="Exit date not before entry date"),
        r("S1.exit_code.required", ["exit_code", "exit_date"],
          "Exit Code is blank but Exit Date is '{exit_date}'; an exit date needs an exit code",
          cite(ec),
          lambda ctx: E.blank("exit_code") & E.present("exit_date"),
          [ex({"exit_code": "", "exit_date": "20121015"}, {"exit_code": "TS", "exit_date": "20121015"})],
          title="Exit code with an exit date", tags=["required"]),
        r("S1.exit_date.required", ["exit_date", "exit_code"],
          "Exit Date is blank but Exit Code is '{exit_code}'; an exit code needs an exit date",
          cite("Exit Date"),
          lambda ctx: E.blank("exit_date") & E.present("exit_code"),
          [ex({"exit_date": "", "exit_code": "TS"}, {"exit_date": "20121015", "exit_code": "TS"})],
          title="Exit date with an exit code", tags=["required"]),
        r("S1.exit_code.wp_grade", ["exit_code", "grade_level"],
          "Exit Code 'WP' (Withdrawn from Preschool) with Grade Level '{grade_level}'; WP requires grade PK",
          cite(ec, "Note 11"),
          lambda ctx: (val("exit_code") == "WP") & grade_outside(-1, -1),
          [ex({"exit_code": "WP", "grade_level": "10"}, {"exit_code": "WP", "grade_level": "PK"})],
          title="WP only for Pre-K"),
        r("S1.exit_code.ch_charter_only", ["exit_code"],
          "Exit Code 'CH' (Charter to Home School) is restricted to charter LEAs; LEA {ctx_lea} is a district "
          "and must use TH",
          cite(ec, "Note 14"),
          lambda ctx: (val("exit_code") == "CH") & when(not ctx.is_charter),
          [ex({"exit_code": "CH"}, {"exit_code": "TH"})],
          title="CH only for charters", x=True),
        r("S1.exit_code.td_charter", ["exit_code"],
          "Exit Code 'TD' (Transferred within the LEA) is reported by charter LEA {ctx_lea}; charter schools "
          "may not use TD",
          cite(ec, "Note 9"),
          lambda ctx: (val("exit_code") == "TD") & when(ctx.is_charter),
          [ex({"exit_code": "TD", **CHARTER_S1}, {"exit_code": "TS", **CHARTER_S1}, **CHARTER)],
          severity=WARNING, title="TD not for charters", x=True),
        r("S1.exit_code.og_completion", ["exit_code", "hs_completion_status"],
          "Exit Code 'OG' (Other Graduate) with High School Completion Status '{hs_completion_status}'; "
          "OG requires GR, G3, GM, CT or AO",
          cite(ec, "Note 5"),
          lambda ctx: (val("exit_code") == "OG") & ~one_of("hs_completion_status", OG_COMPLETION),
          [ex({"exit_code": "OG", "hs_completion_status": ""}, {"exit_code": "OG", "hs_completion_status": "AO"})],
          title="OG needs a completion status", x=True),
        r("S1.exit_code.early_graduate_completion", ["exit_code", "hs_completion_status"],
          "Early graduate Exit Code '{exit_code}' with High School Completion Status '{hs_completion_status}'; "
          "early graduates (Q1, Q2, Q3, T1, T2, 11) must have GR or G3",
          cite("High Schl Compl Status", "Note 5"),
          lambda ctx: one_of("exit_code", EARLY) & ~one_of("hs_completion_status", EARLY_GRAD_COMPLETION),
          [ex({"exit_code": "Q2", "hs_completion_status": "GG"}, {"exit_code": "Q2", "hs_completion_status": "GR"})],
          title="Early graduates need GR or G3", x=True),
    ]


# -- school membership and school of record ------------------------------------------------------------------


def membership_rules() -> list[Rule]:
    sm = "School Membership"
    return [
        r("S1.school_membership.format", ["school_membership"],
          "School Membership '{school_membership}' must be 3 digits (right justified, zero filled), PVT or HSC",
          cite(sm),
          lambda ctx: E.present("school_membership")
          & ~pl.col("school_membership").str.contains(r"^([0-9]{3}|PVT|HSC)$"),
          [ex({"school_membership": "45"}, {"school_membership": ""})],
          title="School membership format", tags=["format"]),
        r("S1.school_membership.max_180", ["school_membership"],
          "School Membership '{school_membership}' exceeds 180 (180-day equivalent days)",
          cite(sm),
          lambda ctx: E.integer("school_membership") > 180,
          [ex({"school_membership": "181"}, {"school_membership": "180"})],
          title="Membership at most 180"),
        r("S1.school_membership.pvt_hsc_school", ["school_membership", "school_number"],
          "School Membership '{school_membership}' at school {school_number}; PVT is submitted only under school "
          "995 (private) and HSC only under school 990 (home)",
          cite(sm, "Note 2"),
          lambda ctx: ((pl.col("school_membership") == "PVT") & (pl.col("school_number") != "995"))
          | ((pl.col("school_membership") == "HSC") & (pl.col("school_number") != "990")),
          [ex({"school_membership": "PVT", "school_number": "790"},
              {"school_membership": "HSC", "school_number": "990"}, sc={"school_number": "990"})],
          title="PVT at 995, HSC at 990"),
        r("S1.part_time.pvt_hsc", ["part_time", "school_membership"],
          "Part-Time '{part_time}' with School Membership '{school_membership}'; Part-Time must be blank for "
          "PVT or HSC",
          cite("Part Time"),
          lambda ctx: E.present("part_time") & one_of("school_membership", ["PVT", "HSC"]),
          [ex({"part_time": "P", "school_membership": "PVT"}, {"part_time": "", "school_membership": "PVT"})],
          title="Part-time blank for PVT/HSC"),
        r("S1.school_membership.not_school_of_record", ["school_membership", "school_of_record"],
          "School Membership '{school_membership}' at a school that is NOT the school of record (School of "
          "Record 'N'); such schools receive no membership and must report 000",
          cite("School of Record", "Note 1"),
          lambda ctx: (val("school_of_record") == "N") & (E.integer("school_membership") > 0),
          [ex({"school_membership": "045", "school_of_record": "N"},
              {"school_membership": "000", "school_of_record": "N"})],
          title="No membership outside the school of record"),
    ]


# -- high school completion status and part time ----------------------------------------------------------------


def completion_rules() -> list[Rule]:
    hs = "High Schl Compl Status"
    part_time_hp = one_of("part_time", ["H", "P"])
    return [
        r("S1.hs_completion_status.required_senior",
          ["hs_completion_status", "grade_level", "school_of_record", "exit_code", "exit_date", "part_time"],
          "High School Completion Status is blank for a grade 12 student at the school of record who has not "
          "exited; it is required in the Year-End update",
          cite(hs),
          lambda ctx: when(ctx.period == YE) & E.blank("hs_completion_status") & (E.grade() == 12)
          & E.blank("school_of_record") & ~exited() & ~part_time_hp,
          [ex({"hs_completion_status": "", "grade_level": "12", "school_of_record": "", "exit_code": "",
               "exit_date": "", "part_time": ""},
              {"hs_completion_status": "GR", "grade_level": "12", "school_of_record": "", "exit_code": "",
               "exit_date": "", "part_time": ""}, period="year-end")],
          title="Seniors need a completion status at Year-End", tags=["required"]),
        r("S1.hs_completion_status.seniors_only", ["hs_completion_status", "grade_level", "exit_code"],
          "High School Completion Status '{hs_completion_status}' with Grade Level '{grade_level}'; only seniors "
          "(grade 12) can be G3, CT, DO or RT",
          cite(hs),
          # G3 stays open to early graduates in any grade: Note 5 requires GR or G3 of them (exit code 11 too)
          lambda ctx: grade_outside(12, 12) & one_of("hs_completion_status", SENIOR_ONLY_COMPLETION)
          & ~((val("hs_completion_status") == "G3") & one_of("exit_code", EARLY)),
          [ex({"hs_completion_status": "CT", "grade_level": "11", "exit_code": ""},
              {"hs_completion_status": "CT", "grade_level": "12", "exit_code": ""}),
           ex({"hs_completion_status": "G3", "grade_level": "11", "exit_code": "OG"},
              {"hs_completion_status": "G3", "grade_level": "11", "exit_code": "11"})],
          title="G3, CT, DO, RT only for seniors", x=True),
        r("S1.hs_completion_status.gm_military", ["hs_completion_status", "military_child"],
          "High School Completion Status 'GM' requires Military Child 'Y' (found '{military_child}')",
          cite(hs, "Note 9"),
          lambda ctx: (val("hs_completion_status") == "GM") & (val("military_child") != "Y"),
          [ex({"hs_completion_status": "GM", "military_child": ""},
              {"hs_completion_status": "GM", "military_child": "Y"})],
          title="GM only for military children"),
        r("S1.hs_completion_status.rt_exited", ["hs_completion_status", "exit_code"],
          "High School Completion Status 'RT' (Retained Senior) with Exit Code '{exit_code}'; retained seniors "
          "cannot be exited",
          cite(hs, "Note 3"),
          lambda ctx: (val("hs_completion_status") == "RT") & E.present("exit_code"),
          [ex({"hs_completion_status": "RT", "exit_code": "TS"}, {"hs_completion_status": "RT", "exit_code": ""})],
          title="Retained seniors not exited", x=True),
        r("S1.hs_completion_status.part_time_senior", ["hs_completion_status", "part_time", "grade_level"],
          "High School Completion Status '{hs_completion_status}' for a Part-Time '{part_time}' senior; it must "
          "be blank for part-time home-schooled or private-school seniors",
          cite(hs, "Note 10"),
          lambda ctx: part_time_hp & (E.grade() == 12) & E.present("hs_completion_status"),
          [ex({"part_time": "H", "hs_completion_status": "GR", "grade_level": "12"},
              {"part_time": "H", "hs_completion_status": "", "grade_level": "12"})],
          title="No completion status for part-time H/P seniors"),
        r("S1.exit_code.part_time_senior", ["exit_code", "part_time", "grade_level"],
          "Exit Code is blank for a Part-Time '{part_time}' senior at Year-End; part-time home-schooled or "
          "private-school seniors must be exited (TH or TP)",
          cite("Exit Code", "Note 1"),
          lambda ctx: when(ctx.period == YE) & part_time_hp & (E.grade() == 12) & E.blank("exit_code"),
          [ex({"part_time": "P", "exit_code": "", "grade_level": "12"},
              {"part_time": "P", "exit_code": "TP", "grade_level": "12", "exit_date": "20130605"},
              period="year-end")],
          title="Part-time H/P seniors exited at Year-End", tags=["required"]),
        r("S1.exit_code.part_time_senior_th_tp", ["exit_code", "part_time", "grade_level"],
          "Exit Code '{exit_code}' for a Part-Time '{part_time}' senior; it should be TH or TP",
          cite("Exit Code", "Note 1; High Schl Compl Status, Note 10"),
          lambda ctx: part_time_hp & (E.grade() == 12) & E.present("exit_code") & ~one_of("exit_code", ["TH", "TP"]),
          [ex({"exit_code": "WD", "part_time": "H", "grade_level": "12"},
              {"exit_code": "TH", "part_time": "H", "grade_level": "12"})],
          severity=WARNING, title="Part-time H/P seniors exit TH or TP"),
    ]


# -- CTE ------------------------------------------------------------------------------------------------------


def cte_rules() -> list[Rule]:
    return [
        r("S1.concentrator.program_area", ["concentrator"],
          "CTE Concentrator '{concentrator}' should be the two-digit program area followed by 0000 (e.g. 510000)",
          cite("Concentrator", "Note"),
          lambda ctx: pl.col("concentrator").str.contains(r"^[0-9]{6}$") & (pl.col("concentrator").str.slice(2) != "0000"),
          [ex({"concentrator": "510801"}, {"concentrator": "510000"})],
          severity=WARNING, title="Concentrator is program area + 0000"),
        r("S1.voc_academ_disadv.grade", ["voc_academ_disadv", "grade_level"],
          "Voc. Academically Disadvantaged 'D' with Grade Level '{grade_level}'; D is for grades 9-12 only",
          cite("Voc-Academ Disadv"),
          lambda ctx: (val("voc_academ_disadv") == "D") & grade_outside(9, 12),
          [ex({"voc_academ_disadv": "D", "grade_level": "08"}, {"voc_academ_disadv": "D", "grade_level": "09"})],
          title="Voc. disadvantaged only grades 9-12"),
        r("S1.voc_academ_disadv.gpa", ["voc_academ_disadv", "cumulative_gpa"],
          "Voc. Academically Disadvantaged 'D' with Cumulative GPA '{cumulative_gpa}'; D means a cumulative GPA "
          "of 1.99 or below",
          cite("Voc-Academ Disadv"),
          lambda ctx: (val("voc_academ_disadv") == "D") & (E.integer("cumulative_gpa") > 1990),
          [ex({"voc_academ_disadv": "D", "cumulative_gpa": "3250"}, {"voc_academ_disadv": "D", "cumulative_gpa": "1990"})],
          severity=WARNING, title="Voc. disadvantaged GPA at most 1.99"),
    ]


# -- English language learners ------------------------------------------------------------------------------------


def ell_rules() -> list[Rule]:
    nl, pl_name = "ELL Native Language", "ELL Parent Language"
    med = "ELL Monitored Entry Date"

    def before_this_year(ctx: Context) -> dt.date:
        return ctx.year_start - dt.timedelta(days=1)  # June 30 of the year the school year starts

    return [
        r("S1.ell_native_language.required", ["ell_native_language", "limited_english"],
          "ELL Native Language is blank for Limited English '{limited_english}'; it is required for Y, O and F "
          "(except in the December 1 update)",
          cite(nl),
          lambda ctx: when(ctx.period != DEC) & E.blank("ell_native_language") & one_of("limited_english", ELL),
          [ex({"ell_native_language": "", "limited_english": "Y"},
              {"ell_native_language": "SPA", "limited_english": "Y"})],
          title="Native language for ELL", tags=["required"]),
        r("S1.ell_parent_language.required", ["ell_parent_language", "limited_english"],
          "ELL Parent Language is blank for Limited English '{limited_english}'; it is required for Y, O and F",
          cite("Limited English"),
          lambda ctx: E.blank("ell_parent_language") & one_of("limited_english", ELL),
          [ex({"ell_parent_language": "", "limited_english": "O"},
              {"ell_parent_language": "SPA", "limited_english": "O"})],
          title="Parent language for ELL", tags=["required"]),
        r("S1.ell_native_language.code", ["ell_native_language"],
          "ELL Native Language '{ell_native_language}' is not on the state language code list",
          cite(nl),
          lambda ctx: E.present("ell_native_language") & ~val("ell_native_language").is_in(ctx.language_codes),
          [ex({"ell_native_language": "QQ#"}, {"ell_native_language": "SPA"})],
          title="Native language code", tags=["code"]),
        r("S1.ell_native_language.english", ["ell_native_language"],
          "ELL Native Language is 'ENG'; English is not valid as a native language of an English language learner",
          cite(nl, "Note"),
          lambda ctx: pl.col("ell_native_language") == "ENG",
          [ex({"ell_native_language": "ENG"}, {"ell_native_language": "VIE"})],
          title="Native language not English"),
        r("S1.ell_parent_language.code", ["ell_parent_language"],
          "ELL Parent Language '{ell_parent_language}' is not on the state language code list",
          cite(pl_name),
          lambda ctx: E.present("ell_parent_language") & ~val("ell_parent_language").is_in(ctx.language_codes),
          [ex({"ell_parent_language": "QQ#"}, {"ell_parent_language": "ENG"})],
          title="Parent language code", tags=["code"]),
        r("S1.ell_instruction_type.required", ["ell_instruction_type", "limited_english"],
          "ELL Instruction Type is blank for Limited English '{limited_english}'; it is required for Y and O",
          cite("ELL Instruction Type"),
          lambda ctx: E.blank("ell_instruction_type") & one_of("limited_english", ["Y", "O"]),
          [ex({"ell_instruction_type": "", "limited_english": "Y"},
              {"ell_instruction_type": "ESL", "limited_english": "Y"})],
          title="Instruction type for ELL", tags=["required"]),
        r("S1.ell_monitored_entry_date.required", ["ell_monitored_entry_date", "limited_english"],
          "ELL Monitored Entry Date is blank for Limited English 'F'; fluent students need the date they entered "
          "monitoring",
          cite(med),
          lambda ctx: E.blank("ell_monitored_entry_date") & (val("limited_english") == "F"),
          [ex({"ell_monitored_entry_date": "", "limited_english": "F"},
              {"ell_monitored_entry_date": "20120630", "limited_english": "F"})],
          title="Monitored entry date for F", tags=["required"]),
        r("S1.ell_monitored_entry_date.blank", ["ell_monitored_entry_date", "limited_english"],
          "ELL Monitored Entry Date '{ell_monitored_entry_date}' with Limited English '{limited_english}'; it must "
          "be blank unless Limited English is 'F'",
          cite(med),
          lambda ctx: E.present("ell_monitored_entry_date") & (val("limited_english") != "F"),
          [ex({"ell_monitored_entry_date": "20120630", "limited_english": "Y"},
              {"ell_monitored_entry_date": "", "limited_english": "Y"})],
          title="Monitored entry date only for F"),
        r("S1.ell_monitored_entry_date.prior_year", ["ell_monitored_entry_date", "limited_english"],
          "ELL Monitored Entry Date '{ell_monitored_entry_date}' is not in a school year before the one starting "
          "{ctx_year_start}",
          cite("Limited English"),
          lambda ctx: (val("limited_english") == "F") & (E.date("ell_monitored_entry_date") > day(before_this_year(ctx))),
          [ex({"ell_monitored_entry_date": "20120701", "limited_english": "F"},
              {"ell_monitored_entry_date": "20120630", "limited_english": "F"})],
          title="Monitored entry in a prior school year"),
        r("S1.ell_monitored_entry_date.june_30", ["ell_monitored_entry_date", "limited_english"],
          "ELL Monitored Entry Date '{ell_monitored_entry_date}' is after 2008-06-30 and so must be June 30 of a "
          "year (YYYY0630)",
          cite(med, "Note"),
          lambda ctx: (val("limited_english") == "F") & (E.date("ell_monitored_entry_date") > day(dt.date(2008, 6, 30)))
          & (pl.col("ell_monitored_entry_date").str.slice(4, 4) != "0630"),
          [ex({"ell_monitored_entry_date": "20110815", "limited_english": "F"},
              {"ell_monitored_entry_date": "20110630", "limited_english": "F"})],
          title="Monitored entry date is YYYY0630"),
    ]


# -- residence, contact, programs ---------------------------------------------------------------------------------


def residence_rules() -> list[Rule]:
    dr = "District of Residence"
    return [
        r("S1.zip_code.utah", ["zip_code", "resident_status"],
          "Student Zip Code '{zip_code}' does not start with 84; only non-Utah residents (Resident Status 'A') "
          "may have a zip code outside Utah",
          cite("Student Zip code"),
          lambda ctx: pl.col("zip_code").str.contains(r"^[0-9]{5}$") & ~pl.col("zip_code").str.starts_with("84")
          & (val("resident_status") != "A"),
          [ex({"zip_code": "90210", "resident_status": "U"}, {"zip_code": "90210", "resident_status": "A"})],
          title="Utah zip code"),
        r("S1.migrant.lea_not_allowed", ["migrant"],
          "Migrant 'Y' from LEA {ctx_lea}, which is not one of the LEAs allowed to submit migrant students",
          cite("Migrant", "Note 1"),
          lambda ctx: (val("migrant") == "Y") & when(not ctx.migrant_allowed),
          [ex({"migrant": "Y", "lea_number": "01"}, {"migrant": "", "lea_number": "01"}, **NO_MIGRANT_LEA)],
          title="Migrant only in allowed LEAs"),
        r("S1.district_of_residence.code", ["district_of_residence"],
          "District of Residence '{district_of_residence}' is not a regular Utah district number (01-40 or 42, "
          "with the leading zero)",
          cite(dr),
          lambda ctx: E.present("district_of_residence") & ~pl.col("district_of_residence").is_in(REGULAR_DISTRICTS),
          [ex({"district_of_residence": "41"}, {"district_of_residence": "42"})],
          title="District of residence code", tags=["code"]),
        r("S1.district_of_residence.required", ["district_of_residence", "resident_status"],
          "District of Residence is blank; charter LEA {ctx_lea} must report the district of every Utah-resident "
          "student (Resident Status '{resident_status}')",
          cite(dr),
          lambda ctx: when(ctx.is_charter) & E.blank("district_of_residence")
          & ~one_of("resident_status", RESIDENT_ABROAD),
          [ex({"district_of_residence": "", "resident_status": "U", **CHARTER_S1},
              {"district_of_residence": "02", "resident_status": "U", **CHARTER_S1}, **CHARTER)],
          title="District of residence for charters", tags=["required"]),
        r("S1.days_attended.max_180", ["days_attended"],
          "Days Attended '{days_attended}' exceeds 180 (180-day equivalent days)",
          cite("Days Attended"),
          lambda ctx: E.integer("days_attended") > 180,
          [ex({"days_attended": "181"}, {"days_attended": "180"})],
          title="Days attended at most 180"),
        r("S1.homeless.december_blank", ["homeless"],
          "Homeless is blank in the December 1 update; December 1 homeless counts replace the point-in-time counts",
          cite("Homeless"),
          lambda ctx: when(ctx.period == DEC) & E.blank("homeless"),
          [ex({"homeless": ""}, {"homeless": "0"}, period="december")],
          severity=WARNING, title="Homeless reported for December 1"),
        r("S1.accompanied.required", ["accompanied", "homeless"],
          "Accompanied Student is blank for Homeless '{homeless}'; it is required when Homeless is not '0'",
          cite("Accompanied Student"),
          lambda ctx: E.blank("accompanied") & one_of("homeless", HOMELESS_YES),
          [ex({"accompanied": "", "homeless": "2"}, {"accompanied": "Y", "homeless": "2"})],
          title="Accompanied for homeless students", tags=["required"]),
        r("S1.accompanied.not_homeless", ["accompanied", "homeless"],
          "Accompanied Student '{accompanied}' with Homeless '0'; it must be blank when Homeless is '0'",
          cite("Accompanied Student"),
          lambda ctx: E.present("accompanied") & (val("homeless") == "0"),
          [ex({"accompanied": "N", "homeless": "0"}, {"accompanied": "", "homeless": "0"})],
          title="Accompanied blank when not homeless"),
        r("S1.first_enroll_us.future", ["first_enroll_us"],
          "First Enrolled in U.S. School '{first_enroll_us}' is after the as-of date {ctx_as_of}",
          cite("Immigrant", "Note 2"),
          lambda ctx: E.date("first_enroll_us") > day(ctx.as_of),
          [ex({"first_enroll_us": "20121002"}, {"first_enroll_us": "20121001"}, as_of="2012-10-01")],
          title="First enrolled in U.S. not in the future"),
        r("S1.first_enroll_us.required", ["first_enroll_us", "immigrant"],
          "First Enrolled in U.S. School is blank for an immigrant student; it is required when Immigrant is 'Y'",
          cite("Immigrant", "Note 2"),
          lambda ctx: E.blank("first_enroll_us") & (val("immigrant") == "Y"),
          [ex({"first_enroll_us": "", "immigrant": "Y"}, {"first_enroll_us": "20100825", "immigrant": "Y"})],
          title="First enrolled in U.S. for immigrants", tags=["required"]),
        r("S1.immigrant.age", ["immigrant", "birth_date"],
          "Immigrant 'Y' for a student aged outside 3-21 on {ctx_sep1} (Birth Date '{birth_date}'); an immigrant "
          "is aged 3-21",
          cite("Immigrant"),
          lambda ctx: (val("immigrant") == "Y") & ~age(ctx).is_between(3, 21),
          [ex({"immigrant": "Y", "birth_date": "19900831"}, {"immigrant": "Y", "birth_date": "19900902"})],
          severity=WARNING, title="Immigrant aged 3-21"),
    ]


# -- SSID, GPA, special education, kindergarten, reading ---------------------------------------------------------


def ssid_not_located(ctx: Context) -> pl.Expr:
    if not ctx.ssids_loaded:
        return pl.lit(False)
    key = pl.concat_str([E.stripped("ssid"), pl.lit("|" + ctx.lea_number)])
    return E.integer("ssid").is_not_null() & ~key.is_in(ctx.active_ssid_locations)


def other_rules() -> list[Rule]:
    ssid = "Statewide Student ID"
    rgl = {
        "read_grade_level_mid": ("Read Grade Level", frozenset({YE})),
        "reading_intervention": ("Reading Intervention", frozenset({YE})),
        "read_grade_level_fall": ("Read Grade Level - Fall", frozenset({DEC, YE})),
        "read_grade_level_spring": ("Read Grade Level - Spring", frozenset({YE})),
    }
    out = [
        r("S1.ssid.minimum", ["ssid"],
          "Statewide Student ID '{ssid}' must be a number greater than 1,000,000",
          cite(ssid),
          lambda ctx: E.integer("ssid") <= 1_000_000,
          [ex({"ssid": "1000000"}, {"ssid": "1000001"})],
          title="SSID above 1,000,000", x=True),
        r("S1.ssid.location", ["ssid"],
          "Statewide Student ID '{ssid}' is not active with a location row for LEA {ctx_lea} in the SSID database",
          cite(ssid, "Note"),
          ssid_not_located,
          # Breaks only with an SSID reference (ssids.csv) that lacks 9999999 for LEA 14.
          [ex({"ssid": "9999999"}, {"ssid": "1234567"}, reference="ssids"), ex({"ssid": "3456789"}, {"ssid": "1234567"}, reference="ssids")],
          title="SSID active at the LEA", x=True),
        r("S1.cumulative_gpa.format", ["cumulative_gpa"],
          "Cumulative GPA '{cumulative_gpa}' must be 0000-4000 (implied decimal after the first digit) or NGPA",
          cite("Cumulative GPA"),
          lambda ctx: E.present("cumulative_gpa")
          & ~((pl.col("cumulative_gpa").str.contains(r"^[0-9]{4}$") & (E.integer("cumulative_gpa") <= 4000))
              | (pl.col("cumulative_gpa") == "NGPA")),
          [ex({"cumulative_gpa": "4001"}, {"cumulative_gpa": "NGPA"}), ex({"cumulative_gpa": "325"})],
          title="Cumulative GPA format", tags=["format"]),
        r("S1.cumulative_gpa.required", ["cumulative_gpa", "grade_level"],
          "Cumulative GPA is blank for a grade {grade_level} student; it is required at Year-End for grades 9-12",
          cite("Cumulative GPA"),
          lambda ctx: when(ctx.period == YE) & E.blank("cumulative_gpa") & grade_in(9, 12),
          [ex({"cumulative_gpa": "", "grade_level": "09"}, {"cumulative_gpa": "NGPA", "grade_level": "09"},
              period="year-end")],
          title="Cumulative GPA at Year-End", tags=["required"]),
        r("S1.special_ed_exit_date.after_exit", ["special_ed_exit_date", "exit_date"],
          "Special Ed Exit Date '{special_ed_exit_date}' is after the school Exit Date '{exit_date}'",
          cite("Special Ed Exit Date"),
          lambda ctx: E.date("special_ed_exit_date") > E.date("exit_date"),
          [ex({"special_ed_exit_date": "20121116", "exit_date": "20121115", "exit_code": "TS"},
              {"special_ed_exit_date": "20121115", "exit_date": "20121115", "exit_code": "TS"})],
          title="Special ed exit not after school exit"),
        r("S1.special_ed_exit_date.future", ["special_ed_exit_date"],
          "Special Ed Exit Date '{special_ed_exit_date}' is after the as-of date {ctx_as_of}",
          cite("Special Ed Exit Date"),
          lambda ctx: E.date("special_ed_exit_date") > day(ctx.as_of),
          [ex({"special_ed_exit_date": "20121002"}, {"special_ed_exit_date": "20121001"}, as_of="2012-10-01")],
          title="Special ed exit not in the future"),
        r("S1.kindergarten_type.required", ["kindergarten_type", "grade_level"],
          "Kindergarten Type is blank for a kindergarten student (Grade Level 00)",
          cite("Kindergarten Type"),
          lambda ctx: E.blank("kindergarten_type") & (E.grade() == 0),
          [ex({"kindergarten_type": "", "grade_level": "00"}, {"kindergarten_type": "FN", "grade_level": "00"})],
          title="Kindergarten type for grade 00", tags=["required"]),
        r("S1.kindergarten_type.not_kindergarten", ["kindergarten_type", "grade_level"],
          "Kindergarten Type '{kindergarten_type}' with Grade Level '{grade_level}'; it must be blank unless the "
          "grade is 00",
          cite("Kindergarten Type"),
          lambda ctx: E.present("kindergarten_type") & grade_outside(0, 0),
          [ex({"kindergarten_type": "FN", "grade_level": "01"}, {"kindergarten_type": "", "grade_level": "01"})],
          title="Kindergarten type only for grade 00"),
    ]
    for fid, (name, periods) in rgl.items():
        words = "December 1 and Year-End updates" if DEC in periods else "the Year-End update"
        first = "december" if DEC in periods else "year-end"
        out.append(r(
            f"S1.{fid}.required", [fid, "grade_level"],
            f"{name} is blank for a grade {{grade_level}} student; it is required for grades 1-3 in {words}",
            cite(name),
            lambda ctx, fid=fid, periods=periods: when(ctx.period in periods) & E.blank(fid) & grade_in(1, 3),
            [ex({fid: "", "grade_level": "02"}, {fid: "N", "grade_level": "02"}, period=first)],
            title=f"{name} for grades 1-3", tags=["required"],
        ))
        out.append(r(
            f"S1.{fid}.not_grade_1_3", [fid, "grade_level"],
            f"{name} '{{{fid}}}' with Grade Level '{{grade_level}}'; it must be blank outside grades 1-3",
            cite(name),
            lambda ctx, fid=fid: E.present(fid) & grade_outside(1, 3),
            [ex({fid: "Y", "grade_level": "04"}, {fid: "", "grade_level": "04"})],
            title=f"{name} only grades 1-3",
        ))
    return out


# -- resident status X (Note 3) ----------------------------------------------------------------------------------


def resident_x_rules() -> list[Rule]:
    return [
        r("S1.resident_status.x_exit_update", ["resident_status", "exit_code", "hs_completion_status"],
          "Resident Status 'X' (exit status change) with neither an Exit Code nor a High School Completion "
          "Status; an X record exists only to update one of them",
          cite("Resident Status", "Note 3"),
          lambda ctx: (pl.col("resident_status") == "X") & E.blank("exit_code") & E.blank("hs_completion_status"),
          [ex({"resident_status": "X", "exit_code": "", "hs_completion_status": ""},
              {"resident_status": "X", "exit_code": "", "hs_completion_status": "GR", "grade_level": "12"})],
          title="X records carry an exit update", x=True),
    ]


def rules() -> list[Rule]:
    return [
        *field_rules(S1, skip=SKIP),
        *identity_rules(),
        *age_rules(),
        *race_rules(),
        *grade_rules(),
        *enrollment_rules(),
        *membership_rules(),
        *completion_rules(),
        *cte_rules(),
        *ell_rules(),
        *residence_rules(),
        *other_rules(),
        *resident_x_rules(),
    ]
