"""Level 1 rules of the I1 (Incident) record.

The incident id rules are shared with the I2 record, which carries the same id. Readings of unclear
passages are recorded in docs/spec-decisions.md.
"""

from __future__ import annotations

from ...spec.layouts_2013 import I1
from . import expr as E
from .common import WARNING, ex, field_rules, rule
from .model import Rule

SECTION = I1.section


def incident_id_zero(rt: str, section: str) -> Rule:
    """1 to 9999999999: the ten columns hold the upper bound, so only zero remains to be checked."""
    return rule(
        f"{rt}.incident_id.zero", rt, ["incident_id"],
        "Incident ID '{incident_id}' is zero; it must be a number from 1 to 9999999999",
        f"{section}: Incident ID",
        lambda ctx: E.left_justified_digits("incident_id") & (E.integer("incident_id") == 0),
        title="Incident ID not zero",
        examples=[ex({"incident_id": "0000000000"}, {"incident_id": "10001"})],
    )


def rules() -> list[Rule]:
    date = E.date("incident_date")
    return [
        *field_rules(I1),
        incident_id_zero("I1", SECTION),
        rule("I1.incident_date.future", "I1", ["incident_date"],
             "Incident Date '{incident_date}' is after the as-of date {ctx_as_of}; an incident cannot be in the future",
             f"{SECTION}: Incident Date",
             lambda ctx: date > E.lit_date(ctx.as_of),
             title="Incident Date not in the future",
             examples=[ex({"incident_date": "20121002"}, {"incident_date": "20121001"})]),
        # Outside the school year but not in the future (that is the rule above): advisory.
        rule("I1.incident_date.window", "I1", ["incident_date"],
             "Incident Date '{incident_date}' is outside the school year {ctx_year_start} - {ctx_year_end}; "
             "incidents are reported in the submissions of the year they occurred",
             f"{SECTION}: Incident Date",
             lambda ctx: (date < E.lit_date(ctx.year_start))
             | ((date > E.lit_date(ctx.year_end)) & (date <= E.lit_date(ctx.as_of))),
             severity=WARNING, title="Incident Date within the school year",
             examples=[ex({"incident_date": "20120630"}, {"incident_date": "20120701"}),
                       ex({"incident_date": "20130701"}, {"incident_date": "20130630"}, period="year-end")]),
    ]
