"""Level 1 rules of the S3 record (Youth in Custody).

Entry, exit and membership work as on the S2 record and share its helpers; unlike the SCRAM Exit Date,
the specification gives the YIC Exit Date no school-year window, so none is checked here.
"""

from __future__ import annotations

from ...spec.layouts_2013 import S3
from .common import field_rules
from .model import Rule
from .s2 import entry_date_future, exit_pair_rules, membership_maximum, student_number_zero

SECTION = S3.section


def rules() -> list[Rule]:
    return [
        *field_rules(S3),
        student_number_zero("S3", SECTION, "7171717"),
        entry_date_future("S3", SECTION, "yic_entry_date", "YIC Entry Date", "20121001"),
        *exit_pair_rules("S3", SECTION, "yic_entry_date", "yic_exit_date", "yic_exit_reason", "YIC"),
        membership_maximum("S3", SECTION, "yic_membership", "YIC Membership", "Note"),
    ]
