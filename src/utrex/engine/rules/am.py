"""Level 1 rules of the AM (Course Membership) record.

Generic field rules come from `field_rules`; the rules here add what the specification states for one AM
record on its own. Checks that need the AC record or the student's S1 are Level 2 (see
docs/spec-decisions.md).
"""

from __future__ import annotations

import polars as pl

from ...spec.codes_2013 import GRADE_EARNED_WORDS
from ...spec.layouts_2013 import AM
from . import expr as E
from .ac import course_section_length
from .common import ex, field_rules, rule
from .model import Rule
from .s2 import student_number_zero

SECTION = AM.section
MAX_GRADE = 4000  # 4.000 with the implied decimal
NUMERIC_GRADE = r"^[0-9]{4} $"  # four digits in columns 54-57, column 58 blank


def cite(field_name: str, note: str = "") -> str:
    return f"{SECTION}: {field_name}" + (f" ({note})" if note else "")


def grade_word() -> pl.Expr:
    """A pass/fail/no-grade word, left justified, in any letter case (the table itself writes 'Pass', 'Fail')."""
    return pl.col("grade_earned").str.strip_chars_end(" ").str.to_uppercase().is_in(list(GRADE_EARNED_WORDS))


def numeric_grade() -> pl.Expr:
    """The numeric grade (null unless four digits, left justified)."""
    c = pl.col("grade_earned")
    return pl.when(c.str.contains(NUMERIC_GRADE)).then(c.str.slice(0, 4).cast(pl.Int64, strict=False))


def rules() -> list[Rule]:
    return [
        *field_rules(AM),
        student_number_zero("AM", SECTION, "7171717"),
        # -- course number: matched with the AC's Course & Section, so validated like it
        course_section_length("AM", "course_number", "Course Number", SECTION),
        # -- course entry and exit dates
        rule("AM.course_entry_date.after_year_end", "AM", ["course_entry_date"],
             "Course Entry Date '{course_entry_date}' is after the end of the school year ({ctx_year_end})",
             cite("Course Entry Date"),
             lambda ctx: E.date("course_entry_date") > E.lit_date(ctx.year_end),
             title="Course Entry Date not after the school year",
             examples=[ex({"course_entry_date": "20130701"}, {"course_entry_date": "20130630"})]),
        rule("AM.course_exit_date.window", "AM", ["course_exit_date"],
             "Course Exit Date '{course_exit_date}' is outside the current school year {ctx_year_start} - "
             "{ctx_year_end}",
             cite("Course Exit Date"),
             lambda ctx: ~E.date("course_exit_date").is_between(E.lit_date(ctx.year_start), E.lit_date(ctx.year_end)),
             title="Course Exit Date within the school year",
             examples=[ex({"course_exit_date": "20120630"}, {"course_exit_date": "20120701",
                                                             "course_entry_date": "20120701"}),
                       ex({"course_exit_date": "20130701"}, {"course_exit_date": "20130630"})]),
        rule("AM.course_exit_date.before_entry", "AM", ["course_exit_date", "course_entry_date"],
             "Course Exit Date '{course_exit_date}' is before Course Entry Date '{course_entry_date}'",
             cite("Course Exit Date"),
             lambda ctx: E.date("course_exit_date") < E.date("course_entry_date"),
             title="Course Exit Date not before the entry date",
             examples=[ex({"course_entry_date": "20121001", "course_exit_date": "20120930"},
                          {"course_entry_date": "20121001", "course_exit_date": "20121001"})]),
        # -- credits
        rule("AM.credit_earned.above_attempted", "AM", ["credit_earned", "credits_attempted"],
             "Credit Earned '{credit_earned}' is more than Credits Attempted '{credits_attempted}' (implied decimal "
             "after the first digit); credit earned cannot exceed credit attempted",
             cite("Credits Earned"),
             lambda ctx: E.all_digits("credit_earned") & E.all_digits("credits_attempted")
             & (E.integer("credit_earned") > E.integer("credits_attempted")),
             title="Credit Earned not above Credits Attempted",
             examples=[ex({"credits_attempted": "0500", "credit_earned": "0750"},
                          {"credits_attempted": "0500", "credit_earned": "0500"})]),
        # -- grade earned
        rule("AM.grade_earned.format", "AM", ["grade_earned"],
             "Grade Earned '{grade_earned}' is not allowed; allowed: four digits 0000-4000 (implied decimal after the "
             "first digit, leading and trailing zeros included), P or PASS, F or FAIL, N, NG or NOGRD, left "
             "justified, or blank",
             cite("Grade Earned"),
             lambda ctx: E.present("grade_earned") & ~pl.col("grade_earned").str.contains(NUMERIC_GRADE)
             & ~grade_word(),
             title="Grade Earned format", tags=["format"],
             examples=[ex({"grade_earned": "35"}, {"grade_earned": "3500"}),
                       ex({"grade_earned": "A-"}, {"grade_earned": "Pass"}),
                       ex({"grade_earned": " 3500"}, {"grade_earned": "NOGRD"})]),
        rule("AM.grade_earned.range", "AM", ["grade_earned"],
             f"Grade Earned '{{grade_earned}}' is above {MAX_GRADE} (4.000); numeric grades are 0000 to {MAX_GRADE}",
             cite("Grade Earned"),
             lambda ctx: numeric_grade() > MAX_GRADE,
             title="Grade Earned at most 4.000",
             examples=[ex({"grade_earned": "4001"}, {"grade_earned": "4000"})]),
    ]
