"""Level 1 rules of the S2 record (SCRAM: special education).

The helpers below are shared with the S3 (Youth in Custody) record, whose entry, exit and membership
fields work the same way.
"""

from __future__ import annotations

from ...spec.layouts_2013 import S2
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Rule

SECTION = S2.section
MAX_MEMBERSHIP = 180  # 180-day-equivalent days


def student_number_zero(rt: str, section: str, base: str) -> Rule:
    return rule(
        f"{rt}.student_number.zero", rt, ["student_number"],
        "Student Number '{student_number}' is zero; send the LEA's student number",
        f"{section}: Student Number",
        lambda ctx: E.left_justified_digits("student_number") & (E.integer("student_number") == 0),
        title="Student number not zero",
        examples=[ex({"student_number": "0000000"}, {"student_number": base})],
    )


def entry_date_future(rt: str, section: str, entry: str, name: str, passing: str) -> Rule:
    return rule(
        f"{rt}.{entry}.future", rt, [entry],
        f"{name} '{{{entry}}}' is after the as-of date {{ctx_as_of}}",
        f"{section}: {name}",
        lambda ctx: E.date(entry) > E.lit_date(ctx.as_of),
        severity=WARNING, title=f"{name} not in the future",
        examples=[ex({entry: "20121002"}, {entry: passing})],
    )


def exit_pair_rules(rt: str, section: str, entry: str, exit_: str, reason: str, program: str) -> list[Rule]:
    """Exit date not before the entry date; exit date and exit reason both present or both blank."""
    entry_name, exit_name, reason_name = f"{program} Entry Date", f"{program} Exit Date", f"{program} Exit Reason"
    return [
        rule(f"{rt}.{exit_}.before_entry", rt, [exit_, entry],
             f"{exit_name} '{{{exit_}}}' is before the {entry_name} '{{{entry}}}'",
             f"{section}: {exit_name}",
             lambda ctx: E.date(exit_) < E.date(entry),
             title=f"{exit_name} not before the entry date",
             examples=[ex({entry: "20121001", exit_: "20120930", reason: "A"},
                          {entry: "20120930", exit_: "20120930", reason: "A"})]),
        rule(f"{rt}.{exit_}.with_reason", rt, [exit_, reason],
             f"{exit_name} is blank but {reason_name} is '{{{reason}}}': a valid date must be present "
             f"if {reason_name} is entered",
             f"{section}: {exit_name}",
             lambda ctx: E.blank(exit_) & E.present(reason),
             title=f"{exit_name} present with an exit reason",
             examples=[ex({exit_: "", reason: "A"}, {exit_: "20121001", reason: "A"})]),
        rule(f"{rt}.{reason}.with_date", rt, [reason, exit_],
             f"{reason_name} is blank but {exit_name} is '{{{exit_}}}': a valid {reason_name} must be entered "
             f"if {exit_name} is entered",
             f"{section}: {reason_name}",
             lambda ctx: E.blank(reason) & E.present(exit_),
             title=f"{reason_name} present with an exit date",
             examples=[ex({exit_: "20121001", reason: " "}, {exit_: "20121001", reason: "S"})]),
    ]


def membership_maximum(rt: str, section: str, membership: str, name: str, note: str) -> Rule:
    return rule(
        f"{rt}.{membership}.maximum", rt, [membership],
        f"{name} '{{{membership}}}' is more than {MAX_MEMBERSHIP} (180-day-equivalent days)",
        f"{section}: {name} ({note})",
        lambda ctx: E.all_digits(membership) & (E.integer(membership) > MAX_MEMBERSHIP),
        title=f"{name} at most {MAX_MEMBERSHIP}",
        examples=[ex({membership: "181"}, {membership: "180"})],
    )


def rules() -> list[Rule]:
    return [
        *field_rules(S2),
        student_number_zero("S2", SECTION, "7171717"),
        # -- SCRAM entry date: services may have begun years ago, so no window, only not after "today"
        entry_date_future("S2", SECTION, "scram_entry_date", "SCRAM Entry Date", "20121001"),
        # -- SCRAM exit date and reason ---------------------------------------------------------
        rule("S2.scram_exit_date.window", "S2", ["scram_exit_date"],
             "SCRAM Exit Date '{scram_exit_date}' is outside the school year {ctx_year_start} - {ctx_year_end}",
             f"{SECTION}: SCRAM Exit Date",
             lambda ctx: ~E.date("scram_exit_date").is_between(E.lit_date(ctx.year_start), E.lit_date(ctx.year_end)),
             title="SCRAM Exit Date within the school year",
             examples=[ex({"scram_exit_date": "20120630", "scram_exit_reason": "A"},
                          {"scram_exit_date": "20120701", "scram_exit_reason": "A"}),
                       ex({"scram_exit_date": "20130701", "scram_exit_reason": "A"},
                          {"scram_exit_date": "20130630", "scram_exit_reason": "A"})]),
        *exit_pair_rules("S2", SECTION, "scram_entry_date", "scram_exit_date", "scram_exit_reason", "SCRAM"),
        # -- SCRAM membership -------------------------------------------------------------------
        membership_maximum("S2", SECTION, "scram_membership", "SCRAM Membership", "Note 1"),
    ]
