"""Level 1 rules of the DI and SC records: SISASOFDATE parsing and windows, WHICH MONTH, LEA and school
reference, days in school year and last day of school."""

from __future__ import annotations

import pytest

from utrex.testing import build

DI_LINE, SC_LINE = 1, 2


def rules_on(res, line: int, prefix: str = "") -> set[str]:
    f = res.findings
    return {r for r in f.filter(f["line"] == line)["rule"].to_list() if r.startswith(prefix)}


def run_di(run_text, di: dict[str, str], period: str = "october", **kw):
    return run_text(build([("S1", {})], period=period, di=di), **kw)


def run_sc(run_text, sc: dict[str, str], **kw):
    return run_text(build([("S1", {})], sc=sc), **kw)


def test_base_di_and_sc_are_clean(run_text) -> None:
    res = run_text(build([("S1", {})]))
    assert rules_on(res, DI_LINE) == set() and rules_on(res, SC_LINE) == set()


# -- DI: SISASOFDATE -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2012-10-01 10:14:46.000", set()),
    ("2012-10-01 23:59:59.999", set()),
    ("2012-10-01 00:00:00.000", set()),
    ("2012-10-01 10:14:46", {"DI.sisasofdate.format"}),  # milliseconds missing
    ("2012-10-01", {"DI.sisasofdate.format"}),
    ("2012/10/01 10:14:46.000", {"DI.sisasofdate.format"}),
    ("2012-10-01T10:14:46.000", {"DI.sisasofdate.format"}),
    ("12-10-01 10:14:46.000", {"DI.sisasofdate.format"}),
    ("2012-02-30 10:14:46.000", {"DI.sisasofdate.datetime"}),
    ("2012-13-01 10:14:46.000", {"DI.sisasofdate.datetime"}),
    ("2012-10-01 24:00:00.000", {"DI.sisasofdate.datetime"}),
    ("2012-10-01 10:60:00.000", {"DI.sisasofdate.datetime"}),
    ("", {"DI.sisasofdate.required"}),
])
def test_sisasofdate_parsing(run_text, value: str, expected: set[str]) -> None:
    res = run_di(run_text, {"sisasofdate": value}, as_of="2012-10-01")
    assert rules_on(res, DI_LINE, "DI.sisasofdate") == expected


@pytest.mark.parametrize(("value", "fires"), [
    ("2012-06-30 23:59:59.999", True),
    ("2012-07-01 00:00:00.000", False),
    ("2013-06-30 12:00:00.000", False),
    ("2013-10-31 23:59:59.999", False),
    ("2013-11-01 00:00:00.000", True),
    ("2011-10-01 10:14:46.000", True),  # the spec's own sample, a year earlier than the DI's school year
])
def test_sisasofdate_within_school_year(run_text, value: str, fires: bool) -> None:
    res = run_di(run_text, {"sisasofdate": value}, as_of="2013-12-31")
    assert ("DI.sisasofdate.school_year" in rules_on(res, DI_LINE)) is fires


def test_sisasofdate_window_not_checked_when_school_year_is_not_a_year(run_text) -> None:
    res = run_di(run_text, {"school_year": "20X3", "sisasofdate": "2009-10-01 10:00:00.000"})
    assert rules_on(res, DI_LINE) == {"DI.school_year.format"}


def test_sisasofdate_after_as_of_only_when_as_of_is_earlier(run_text) -> None:
    di = {"sisasofdate": "2012-10-02 08:00:00.000"}
    assert "DI.sisasofdate.after_as_of" in rules_on(run_di(run_text, di, as_of="2012-10-01"), DI_LINE)
    assert rules_on(run_di(run_text, di, as_of="2012-10-02"), DI_LINE) == set()
    assert rules_on(run_di(run_text, di), DI_LINE) == set()  # no --as-of: "today" is the extract date


def test_sisasofdate_findings_are_warnings_except_format(run_text) -> None:
    res = run_di(run_text, {"sisasofdate": "2013-11-02 08:00:00.000"}, as_of="2013-11-01")
    f = res.findings.filter(res.findings["line"] == DI_LINE)
    assert set(f["rule"].to_list()) == {"DI.sisasofdate.school_year", "DI.sisasofdate.after_as_of"}
    assert set(f["severity"].to_list()) == {"warning"}


# -- DI: LEA, literals, school year, which month ---------------------------------------------------

def test_lea_must_be_a_state_lea(run_text) -> None:
    assert rules_on(run_di(run_text, {"lea_number": "98"}), DI_LINE) == {"DI.lea_number.state"}
    assert rules_on(run_di(run_text, {"lea_number": "1A"}), DI_LINE) == {"DI.lea_number.format"}


def test_unknown_lea_does_not_repeat_on_every_school(run_text) -> None:
    res = run_text(build([("S1", {})], di={"lea_number": "98"}, sc={"lea_number": "98"}))
    assert "SC.school_number.reference" not in rules_on(res, SC_LINE)


@pytest.mark.parametrize(("field", "value"), [
    ("year_identifier", ", YR"), ("year_identifier", ",yr="), ("month_identifier", ", OK"), ("month_identifier", "OK= "),
])
def test_literals_are_exact(run_text, field: str, value: str) -> None:
    assert rules_on(run_di(run_text, {field: value}), DI_LINE) == {f"DI.{field}.literal"}


@pytest.mark.parametrize(("value", "expected"), [
    ("2013", set()),
    ("2014", {"DI.school_year.supported", "DI.sisasofdate.school_year"}),  # extract of 2012-10-01
    ("2012", {"DI.school_year.supported"}),  # 2012-10-01 is in the October after 2011-12 ends
    ("13  ", {"DI.school_year.format"}),
    ("    ", {"DI.school_year.required"}),
])
def test_school_year(run_text, value: str, expected: set[str]) -> None:
    assert rules_on(run_di(run_text, {"school_year": value}), DI_LINE) == expected


def test_school_year_without_specification_is_a_warning(run_text) -> None:
    res = run_di(run_text, {"school_year": "2014", "sisasofdate": "2013-10-01 08:00:00.000"})
    f = res.findings.filter(res.findings["line"] == DI_LINE)
    assert f["rule"].to_list() == ["DI.school_year.supported"] and f["severity"].to_list() == ["warning"]


@pytest.mark.parametrize("month", ["OCT", "DEC", "EOY", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
                                   "SEP", "NOV"])
def test_which_month_accepts_updates_and_month_abbreviations(run_text, month: str) -> None:
    assert rules_on(run_di(run_text, {"which_month": month}), DI_LINE) == set()


@pytest.mark.parametrize("month", ["oct", "YE ", "OKT", "10 "])
def test_which_month_rejects_other_values(run_text, month: str) -> None:
    assert rules_on(run_di(run_text, {"which_month": month}), DI_LINE) == {"DI.which_month.code"}


def test_which_month_against_the_period_option(run_text) -> None:
    text = build([("S1", {})], di={"which_month": "OCT"})
    assert rules_on(run_text(text, period="december"), DI_LINE) == {"DI.which_month.period"}
    assert rules_on(run_text(text, period="october"), DI_LINE) == set()
    assert rules_on(run_text(text), DI_LINE) == set()  # the period is read from WHICH MONTH
    nov = build([("S1", {})], period="monthly", di={"which_month": "NOV"})
    assert rules_on(run_text(nov, period="monthly"), DI_LINE) == set()


# -- SC ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("0501", set()),
    ("0605", set()),
    ("0731", set()),
    ("0430", {"SC.last_day_of_school.month"}),
    ("0801", {"SC.last_day_of_school.month"}),
    ("1215", {"SC.last_day_of_school.month"}),
    ("0631", {"SC.last_day_of_school.date"}),
    ("0532", {"SC.last_day_of_school.date"}),
    ("0600", {"SC.last_day_of_school.date"}),
    ("1301", {"SC.last_day_of_school.date"}),
    ("0000", {"SC.last_day_of_school.date"}),
    ("605 ", {"SC.last_day_of_school.format"}),
    ("06-5", {"SC.last_day_of_school.format"}),
    ("    ", {"SC.last_day_of_school.required"}),
])
def test_last_day_of_school(run_text, value: str, expected: set[str]) -> None:
    assert rules_on(run_sc(run_text, {"last_day_of_school": value}), SC_LINE) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("180", set()),
    ("001", set()),
    ("250", set()),
    ("000", {"SC.days_in_school_year.positive"}),
    ("251", {"SC.days_in_school_year.plausible"}),
    ("365", {"SC.days_in_school_year.plausible"}),
    ("18 ", {"SC.days_in_school_year.format"}),
    ("   ", {"SC.days_in_school_year.required"}),
])
def test_days_in_school_year(run_text, value: str, expected: set[str]) -> None:
    res = run_sc(run_text, {"days_in_school_year": value})
    assert rules_on(res, SC_LINE) == expected
    if expected == {"SC.days_in_school_year.plausible"}:
        assert res.findings.filter(res.findings["line"] == SC_LINE)["severity"].to_list() == ["warning"]


@pytest.mark.parametrize(("school", "expected"), [
    ("790", set()),
    ("704", set()),
    ("150", {"SC.school_number.reference"}),  # a school of charter LEAs 70.., not of the DI's LEA 14
    ("999", {"SC.school_number.reference"}),
    ("7A0", {"SC.school_number.format"}),
])
def test_school_number_in_reference_for_the_dis_lea(run_text, school: str, expected: set[str]) -> None:
    assert rules_on(run_sc(run_text, {"school_number": school}), SC_LINE) == expected


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("schedule_year_type", "X", "SC.schedule_year_type.code"),
    ("schedule_day_type", "Z", "SC.schedule_day_type.code"),
    ("lea_number", "01", "SC.lea_number.di"),
])
def test_schedule_types_and_lea(run_text, field: str, value: str, rule: str) -> None:
    assert rules_on(run_sc(run_text, {field: value}), SC_LINE) == {rule}


def test_multi_fault_sc_record(run_text) -> None:
    res = run_sc(run_text, {"school_number": "999", "days_in_school_year": "000", "last_day_of_school": "0430",
                            "schedule_year_type": "Q", "schedule_day_type": " ", "lea_number": "15"})
    assert rules_on(res, SC_LINE) == {
        "SC.school_number.reference", "SC.days_in_school_year.positive", "SC.last_day_of_school.month",
        "SC.schedule_year_type.code", "SC.schedule_day_type.required", "SC.lea_number.di",
    }


def test_multi_fault_di_record(run_text) -> None:
    res = run_di(run_text, {"lea_number": "98", "year_identifier": ",YR ", "school_year": "2014",
                            "which_month": "XXX", "sisasofdate": "2013-10-01 25:00:00.000"})
    assert rules_on(res, DI_LINE) == {
        "DI.lea_number.state", "DI.year_identifier.literal", "DI.school_year.supported", "DI.which_month.code",
        "DI.sisasofdate.datetime",
    }
