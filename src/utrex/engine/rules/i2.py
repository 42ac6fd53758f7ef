"""Level 1 rules of the I2 (Incident Association) record.

Generic field rules come from `field_rules`; the infraction code rules are re-declared so that the codes
retired in SY 2012 (16-23) get their own finding, and Number of Days has its own format. Readings of
unclear passages are recorded in docs/spec-decisions.md.
"""

from __future__ import annotations

import polars as pl

from ...spec.codes_2013 import INFRACTION, RETIRED_INFRACTIONS
from ...spec.layouts_2013 import I2
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .i1 import incident_id_zero
from .model import Rule
from .s2 import student_number_zero

SECTION = I2.section
MAX_DAYS = 180
WEAPON_INFRACTION = "29"  # 'Weapon': needs a weapon other than 9 'None'
NO_WEAPON = "9"
SECONDARY = (1, 2, 3, 4)
INFRACTIONS = [c for c in INFRACTION.values() if c.strip()]
DAYS_PATTERN = r"^ *[0-9]{1,3} *$"  # whole days; "doesn't need to be complete" (revision of June 7, 2010)

SKIP = (
    "I2.number_of_days.format",  # leading zeros optional
    "I2.pi_infraction_type.code",  # retired codes reported by their own rule
    *(f"I2.si{k}_infraction_type.code" for k in SECONDARY),
)


def cite(field_name: str, note: str = "") -> str:
    return f"{SECTION}: {field_name}" + (f" ({note})" if note else "")


def val(fid: str) -> pl.Expr:
    return pl.col(fid).str.strip_chars_end(" ")


# -- infraction type, weapon and role ---------------------------------------------------------------------


def infraction_rules(fid: str, name: str, cited: str) -> list[Rule]:
    return [
        rule(f"I2.{fid}.code", "I2", [fid],
             f"{name} '{{{fid}}}' is not allowed; allowed: 01-15 and 24-29 (two digits, leading zero included)",
             cite(cited),
             lambda ctx: E.present(fid) & ~val(fid).is_in(INFRACTIONS) & ~val(fid).is_in(list(RETIRED_INFRACTIONS)),
             title=f"{name} code", tags=["code"],
             examples=[ex({fid: "30"}, {fid: "04"}), ex({fid: "4 "}, {fid: "04"})]),
        rule(f"I2.{fid}.retired", "I2", [fid],
             f"{name} '{{{fid}}}' is no longer available: infraction types 16-23 were retired in SY 2012; report "
             "29 (Weapon) with the weapon in the weapon field",
             cite(cited, "Starting in SY 2012"),
             lambda ctx: val(fid).is_in(list(RETIRED_INFRACTIONS)),
             title=f"{name} not a retired code", tags=["code"],
             examples=[ex({fid: "16"}, {fid: "27"}), ex({fid: "23"}, {fid: "24"})]),
    ]


def weapon_infraction(infraction: str, weapon: str, prefix: str) -> Rule:
    return rule(
        f"I2.{weapon}.weapon_infraction", "I2", [weapon, infraction],
        f"{prefix} Weapon is 9 (None) but {prefix} Infraction Type is 29 (Weapon); give the weapon used",
        cite("PI Infraction Type"),
        lambda ctx: (val(infraction) == WEAPON_INFRACTION) & (val(weapon) == NO_WEAPON),
        title=f"{prefix} Weapon given for a weapon infraction",
        examples=[ex({infraction: WEAPON_INFRACTION, weapon: NO_WEAPON, f"{prefix.lower()}_role": "O"},
                     {infraction: WEAPON_INFRACTION, weapon: "5", f"{prefix.lower()}_role": "O"})],
    )


def secondary_rules(k: int) -> list[Rule]:
    p = f"SI{k}"
    inf, weapon, role = f"si{k}_infraction_type", f"si{k}_weapon", f"si{k}_role"
    full = {inf: "10", weapon: "9", role: "O"}
    earlier = {f: v for j in range(1, k) for f, v in
               {f"si{j}_infraction_type": "11", f"si{j}_weapon": "9", f"si{j}_role": "O"}.items()}
    out = [
        *infraction_rules(inf, f"{p} Infraction Type", f"{p} Infraction Type"),
        rule(f"I2.{weapon}.required", "I2", [weapon, inf],
             f"{p} Weapon is blank but {p} Infraction Type is '{{{inf}}}'; the weapon is required with a secondary "
             "infraction (9 for none)",
             cite(f"{p} Weapon"),
             lambda ctx: E.present(inf) & E.blank(weapon),
             title=f"{p} Weapon with {p} Infraction Type", tags=["required"],
             examples=[ex({**earlier, inf: "10", weapon: ""}, {**earlier, **full})]),
        rule(f"I2.{weapon}.without_infraction", "I2", [weapon, inf],
             f"{p} Weapon '{{{weapon}}}' is given but {p} Infraction Type is blank",
             cite(f"{p} Weapon"),
             lambda ctx: E.present(weapon) & E.blank(inf),
             severity=WARNING, title=f"{p} Weapon only with {p} Infraction Type",
             examples=[ex({inf: "", weapon: "9", role: ""}, {inf: "", weapon: "", role: ""})]),
        weapon_infraction(inf, weapon, p),
        rule(f"I2.{role}.required", "I2", [role, inf, weapon],
             f"{p} Role is blank but {p} Infraction Type '{{{inf}}}' and {p} Weapon '{{{weapon}}}' are given; the "
             "role is required with them",
             cite(f"{p} Role"),
             lambda ctx: E.present(inf) & E.present(weapon) & E.blank(role),
             title=f"{p} Role with {p} Infraction Type and Weapon", tags=["required"],
             examples=[ex({**earlier, inf: "10", weapon: "9", role: ""}, {**earlier, **full})]),
        # Infraction present but weapon blank is the weapon's finding, not a second one here.
        rule(f"I2.{role}.without_infraction", "I2", [role, inf],
             f"{p} Role '{{{role}}}' is given but {p} Infraction Type is blank; a role needs its infraction and weapon",
             cite(f"{p} Role"),
             lambda ctx: E.present(role) & E.blank(inf),
             title=f"{p} Role only with {p} Infraction Type",
             examples=[ex({inf: "", weapon: "", role: "O"}, {inf: "", weapon: "", role: ""})]),
    ]
    if k > 1:
        prev = f"si{k - 1}_infraction_type"
        out.insert(2, rule(
            f"I2.{inf}.without_previous", "I2", [inf, prev],
            f"{p} Infraction Type '{{{inf}}}' is given but SI{k - 1} Infraction Type is blank; secondary infractions "
            "are filled in order",
            cite(f"{p} Infraction Type"),
            lambda ctx: E.present(inf) & E.blank(prev),
            title=f"{p} Infraction Type only after SI{k - 1}",
            examples=[ex({prev: "", **full}, {**earlier, **full})]))
    return out


# -- discipline method and number of days --------------------------------------------------------------


def discipline_rules() -> list[Rule]:
    days = E.integer("number_of_days")
    return [
        rule("I2.number_of_days.format", "I2", ["number_of_days"],
             f"Number of Days '{{number_of_days}}' must be a whole number of days from 0 to {MAX_DAYS} (digits; "
             "leading zeros optional); half days are accepted only from SY 2013-14",
             cite("Number of Days"),
             lambda ctx: E.present("number_of_days") & ~pl.col("number_of_days").str.contains(DAYS_PATTERN),
             title="Number of Days format", tags=["format"],
             examples=[ex({"number_of_days": "2.5"}, {"number_of_days": "3"}),
                       ex({"number_of_days": "AAA"}, {"number_of_days": " 03"})]),
        rule("I2.number_of_days.maximum", "I2", ["number_of_days"],
             f"Number of Days '{{number_of_days}}' is more than {MAX_DAYS}",
             cite("Number of Days"),
             lambda ctx: days > MAX_DAYS,
             title=f"Number of Days at most {MAX_DAYS}",
             examples=[ex({"number_of_days": "181"}, {"number_of_days": "180"})]),
        rule("I2.number_of_days.zero_with_method", "I2", ["number_of_days", "discipline_method"],
             "Number of Days is '{number_of_days}' but Discipline Method is '{discipline_method}'; 000 is valid only "
             "when Discipline Method is blank: give the days the suspension or expulsion was in effect",
             cite("Number of Days"),
             lambda ctx: (days == 0) & E.present("discipline_method"),
             title="Number of Days given for a suspension or expulsion",
             examples=[ex({"discipline_method": "S", "number_of_days": "000"},
                          {"discipline_method": "S", "number_of_days": "001"})]),
        rule("I2.discipline_method.with_days", "I2", ["discipline_method", "number_of_days"],
             "Discipline Method is blank but Number of Days is '{number_of_days}'; when the number of days is not "
             "zero the Discipline Method must be S (suspended) or E (expelled)",
             cite("Number of Days"),
             lambda ctx: E.blank("discipline_method") & (days > 0),
             title="Discipline Method given with a number of days",
             examples=[ex({"discipline_method": "", "number_of_days": "003"},
                          {"discipline_method": "", "number_of_days": "000"})]),
        rule("I2.in_school.no_discipline", "I2", ["in_school", "discipline_method"],
             "In School is 'Y' but Discipline Method is blank; use 'N' when there was no discipline",
             cite("In School"),
             lambda ctx: (val("in_school") == "Y") & E.blank("discipline_method"),
             severity=WARNING, title="In School 'N' without discipline",
             examples=[ex({"in_school": "Y", "discipline_method": "", "number_of_days": "000"},
                          {"in_school": "N", "discipline_method": "", "number_of_days": "000"})]),
    ]


def rules() -> list[Rule]:
    return [
        *field_rules(I2, skip=SKIP),
        incident_id_zero("I2", SECTION),
        student_number_zero("I2", SECTION, "7171717"),
        *discipline_rules(),
        *infraction_rules("pi_infraction_type", "PI Infraction Type", "PI Infraction Type"),
        weapon_infraction("pi_infraction_type", "pi_weapon", "PI"),
        *(r for k in SECONDARY for r in secondary_rules(k)),
    ]
