"""Level 1 rules of the I1 (Incident) and I2 (Incident Association) records."""

from __future__ import annotations

import pytest

from utrex.testing import build

LINE = 3  # DI, SC, then the record under test
# The base I1's incident date (2012-10-15) is after the October as-of date (2012-10-01), so tests that do not
# test the date give the I1 a date inside the October extract.
I1_DATE = {"incident_date": "20120920"}
NO_SECONDARY = {f"si{k}_{f}": "" for k in (1, 2, 3, 4) for f in ("infraction_type", "weapon", "role")}


def findings_on(res, line: int = LINE, prefix: str = "") -> set[str]:
    f = res.findings
    return {r for r in f.filter(f["line"] == line)["rule"].to_list() if r.startswith(prefix)}


def run_one(run_text, code: str, overrides: dict[str, str], period: str = "october", **kw):
    if code == "I1":
        overrides = {**I1_DATE, **overrides}
    return run_text(build([(code, overrides)], period=period), **kw)


def severities(res, line: int = LINE) -> dict[str, str]:
    f = res.findings.filter(res.findings["line"] == line)
    return dict(zip(f["rule"].to_list(), f["severity"].to_list(), strict=True))


@pytest.mark.parametrize("code", ["I1", "I2"])
@pytest.mark.parametrize("period", ["october", "year-end", "monthly"])
def test_base_records_are_clean(run_text, code: str, period: str) -> None:
    assert findings_on(run_text(build([(code, {})], period=period))) == set()


# -- incident id (both records) --------------------------------------------------------------------

@pytest.mark.parametrize("code", ["I1", "I2"])
@pytest.mark.parametrize(("value", "expected"), [
    ("1", set()),
    ("9999999999", set()),  # the upper bound fills the ten columns
    ("0000010001", set()),  # zero filled: still digits from column 1
    ("0", {"incident_id.zero"}),
    ("0000000000", {"incident_id.zero"}),
    ("   10001", {"incident_id.format"}),
    ("10001A", {"incident_id.format"}),
    ("", {"incident_id.required"}),
])
def test_incident_id(run_text, code: str, value: str, expected: set[str]) -> None:
    res = run_one(run_text, code, {"incident_id": value})
    assert findings_on(res) == {f"{code}.{e}" for e in expected}


# -- I1 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("date", "period", "as_of", "expected"), [
    ("20121015", "year-end", None, set()),
    ("20120701", "october", None, set()),
    ("20121001", "october", None, set()),  # the extract date itself
    ("20121002", "october", None, {"I1.incident_date.future"}),
    ("20120630", "october", None, {"I1.incident_date.window"}),
    ("20130701", "year-end", None, {"I1.incident_date.window"}),  # after the year, before the extract
    ("20130801", "year-end", None, {"I1.incident_date.future"}),  # future only: reported once
    ("20121345", "october", None, {"I1.incident_date.date"}),
    ("", "october", None, {"I1.incident_date.required"}),
])
def test_incident_date(run_text, date: str, period: str, as_of: str | None, expected: set[str]) -> None:
    res = run_one(run_text, "I1", {"incident_date": date}, period=period, as_of=as_of)
    assert findings_on(res) == expected


def test_incident_date_severities(run_text) -> None:
    assert severities(run_one(run_text, "I1", {"incident_date": "20121002"})) == {"I1.incident_date.future": "error"}
    assert severities(run_one(run_text, "I1", {"incident_date": "20110915"})) == {"I1.incident_date.window": "warning"}


def test_i1_multi_fault_record(run_text) -> None:
    res = run_one(run_text, "I1", {"incident_id": "0", "gang_related": "X", "incident_date": "20121002",
                                   "incident_description": "", "lea_number": "15"})
    assert findings_on(res) == {"I1.incident_id.zero", "I1.gang_related.code", "I1.incident_date.future",
                                "I1.incident_description.required", "I1.lea_number.di"}


# -- I2: discipline method and number of days -----------------------------------------------------------------

@pytest.mark.parametrize(("method", "days", "expected"), [
    ("S", "003", set()),
    ("E", "180", set()),
    ("", "000", set()),
    ("S", "3", set()),  # "doesn't need to be complete"
    ("S", "  3", set()),
    ("S", "181", {"I2.number_of_days.maximum"}),
    ("S", "000", {"I2.number_of_days.zero_with_method"}),
    ("E", "0", {"I2.number_of_days.zero_with_method"}),
    ("", "003", {"I2.discipline_method.with_days"}),
    ("S", "2.5", {"I2.number_of_days.format"}),  # half days only from SY 2013-14
    ("S", "", {"I2.number_of_days.required"}),
    ("X", "003", {"I2.discipline_method.code"}),
])
def test_discipline_method_and_days(run_text, method: str, days: str, expected: set[str]) -> None:
    res = run_one(run_text, "I2", {"discipline_method": method, "number_of_days": days, "in_school": "N"})
    assert findings_on(res) == expected


def test_in_school_without_discipline_is_a_warning(run_text) -> None:
    res = run_one(run_text, "I2", {"discipline_method": "", "number_of_days": "000", "in_school": "Y"})
    assert severities(res) == {"I2.in_school.no_discipline": "warning"}


# -- I2: primary infraction ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("infraction", "weapon", "expected"), [
    ("04", "9", set()),
    ("29", "1", set()),
    ("29", "9", {"I2.pi_weapon.weapon_infraction"}),
    ("29", "", {"I2.pi_weapon.required"}),
    ("16", "1", {"I2.pi_infraction_type.retired"}),
    ("23", "8", {"I2.pi_infraction_type.retired"}),
    ("30", "9", {"I2.pi_infraction_type.code"}),
    ("4", "9", {"I2.pi_infraction_type.code"}),
    ("", "9", {"I2.pi_infraction_type.required"}),
])
def test_primary_infraction(run_text, infraction: str, weapon: str, expected: set[str]) -> None:
    res = run_one(run_text, "I2", {"pi_infraction_type": infraction, "pi_weapon": weapon})
    assert findings_on(res) == expected


def test_retired_infraction_message(run_text) -> None:
    res = run_one(run_text, "I2", {"pi_infraction_type": "17"})
    msgs = res.findings.filter(res.findings["rule"] == "I2.pi_infraction_type.retired")["message"].to_list()
    assert msgs and "retired" in msgs[0] and "'17'" in msgs[0]


# -- I2: secondary infraction chain -----------------------------------------------------------------------------

def si(k: int, inf: str, weapon: str, role: str) -> dict[str, str]:
    return {f"si{k}_infraction_type": inf, f"si{k}_weapon": weapon, f"si{k}_role": role}


@pytest.mark.parametrize(("secondaries", "expected"), [
    ({}, set()),
    (si(1, "10", "9", "O"), set()),
    ({**si(1, "10", "9", "O"), **si(2, "11", "9", "V"), **si(3, "25", "9", "B"), **si(4, "29", "5", "O")}, set()),
    (si(2, "11", "9", "O"), {"I2.si2_infraction_type.without_previous"}),
    ({**si(1, "10", "9", "O"), **si(3, "25", "9", "O")}, {"I2.si3_infraction_type.without_previous"}),
    ({**si(1, "10", "9", "O"), **si(2, "11", "9", "O"), **si(4, "25", "9", "O")},
     {"I2.si4_infraction_type.without_previous"}),
    (si(1, "10", "", ""), {"I2.si1_weapon.required"}),
    (si(1, "10", "", "O"), {"I2.si1_weapon.required"}),  # the role is not a second finding
    (si(1, "10", "9", ""), {"I2.si1_role.required"}),
    (si(1, "", "", "O"), {"I2.si1_role.without_infraction"}),
    (si(1, "", "9", ""), {"I2.si1_weapon.without_infraction"}),
    (si(1, "", "9", "O"), {"I2.si1_weapon.without_infraction", "I2.si1_role.without_infraction"}),
    (si(1, "29", "9", "O"), {"I2.si1_weapon.weapon_infraction"}),
    (si(1, "18", "3", "O"), {"I2.si1_infraction_type.retired"}),
    (si(1, "99", "9", "O"), {"I2.si1_infraction_type.code"}),
    (si(1, "10", "0", "O"), {"I2.si1_weapon.code"}),
    (si(1, "10", "9", "X"), {"I2.si1_role.code"}),
])
def test_secondary_infraction_chain(run_text, secondaries: dict[str, str], expected: set[str]) -> None:
    res = run_one(run_text, "I2", {**NO_SECONDARY, **secondaries})
    assert findings_on(res) == expected


def test_secondary_weapon_without_infraction_is_a_warning(run_text) -> None:
    res = run_one(run_text, "I2", si(2, "", "9", ""))
    assert severities(res) == {"I2.si2_weapon.without_infraction": "warning"}


# -- I2: other fields ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "expected"), [
    ("gang_prev_prog", "U", set()),
    ("caused_incident", "U", {"I2.caused_incident.code"}),
    ("serious_bodily_injury", "", {"I2.serious_bodily_injury.required"}),
    ("serious_bodily_injury", "y", {"I2.serious_bodily_injury.code"}),
    ("hearing_officer_removal", "Y", set()),  # needs an S2: Level 2
    ("student_number", "0", {"I2.student_number.zero"}),
    ("student_number", "", {"I2.student_number.required"}),
])
def test_other_i2_fields(run_text, field: str, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "I2", {field: value})) == expected


def test_i2_multi_fault_record(run_text) -> None:
    res = run_one(run_text, "I2", {
        "incident_id": "0", "student_number": "7171717", "caused_incident": "Y", "injured": "",
        "gang_prev_prog": "N", "discipline_method": "", "number_of_days": "005", "in_school": "N",
        "pi_infraction_type": "20", "pi_weapon": "5", "pi_role": "O",
        **si(1, "29", "9", "O"), **si(2, "", "", "V"), **si(3, "10", "9", ""), **si(4, "", "", ""),
    })
    assert findings_on(res) == {
        "I2.incident_id.zero", "I2.injured.required", "I2.discipline_method.with_days",
        "I2.pi_infraction_type.retired", "I2.si1_weapon.weapon_infraction", "I2.si2_role.without_infraction",
        "I2.si3_infraction_type.without_previous", "I2.si3_role.required",
    }
