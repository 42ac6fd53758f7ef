"""The reporting periods as data: the 2012-13 specification's (Note 1) and the later state policy.

The specification gives the count dates (October 1 and December 1, a weekend moving them to the
following Monday), the days the state analyses the data (on or after October 16, December 16 and
July 8) and that extensions are granted "through a specific date". It names no due date: the due date
here is the day before the analysis (docs/spec-decisions.md, "Reporting periods and finalize").
"""

from __future__ import annotations

from .model import Deadline, Period, PeriodDates, PeriodPolicy, SchoolDate

NOTE_1 = "UTREx Clearinghouse File Specification 2012-13, Note 1 (mandatory upload times)"
DAVID_ROBERTS = "David Roberts (Year-End and October Fall Enrollment extensions)"
HEIDI_BAUERLE = "Heidi Bauerle (December Special Education extensions)"

OCTOBER_2013 = PeriodDates(
    Period.OCTOBER, "October Fall Enrollment count", count=SchoolDate(10, 1),
    due=Deadline(SchoolDate(10, 15)), analysis=SchoolDate(10, 16), extensions_by=DAVID_ROBERTS)
DECEMBER_2013 = PeriodDates(
    Period.DECEMBER, "December Special Ed count", count=SchoolDate(12, 1),
    due=Deadline(SchoolDate(12, 15)), analysis=SchoolDate(12, 16), extensions_by=HEIDI_BAUERLE)
# Year-End reports all activity of the school year: its "count date" is the school year's last day, not moved
YEAR_END_2013 = PeriodDates(
    Period.YEAR_END, "Year-End", count=SchoolDate(6, 30), weekend_moves_count=False,
    due=Deadline(SchoolDate(7, 7, after_end=True)), analysis=SchoolDate(7, 8, after_end=True),
    extensions_by=DAVID_ROBERTS)

POLICY_2013 = PeriodPolicy(
    name="2012-13",
    description="The 2012-13 specification: each period due the day before the state's analysis; "
                "extensions through a date granted per LEA",
    source=NOTE_1,
    periods=(OCTOBER_2013, DECEMBER_2013, YEAR_END_2013),
    extensions=True,
)

POLICY_NO_EXTENSIONS = PeriodPolicy(
    name="no-extensions",
    description="The later state policy: no extensions; the October update due 7 business days after "
                "October 1, revisions until October 15; December and Year-End as in 2012-13",
    source="Later state policy (issue 4, item 8)",
    periods=(
        PeriodDates(Period.OCTOBER, OCTOBER_2013.title, count=SchoolDate(10, 1),
                    due=Deadline(SchoolDate(10, 1), business_days_after=7),
                    revise_until=Deadline(SchoolDate(10, 15)), analysis=SchoolDate(10, 16)),
        DECEMBER_2013,
        YEAR_END_2013,
    ),
    extensions=False,
)

POLICIES: dict[str, PeriodPolicy] = {p.name: p for p in (POLICY_2013, POLICY_NO_EXTENSIONS)}
