"""Level 1 rules of the S2 (SCRAM), S3 (Youth in Custody) and ES (Exit Status Change) records."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from utrex.reference.model import load_reference
from utrex.testing import build

LINE = 3  # DI, SC, then the record under test


def rules_on(res, line: int = LINE, prefix: str = "") -> set[str]:
    f = res.findings
    return {r for r in f.filter(f["line"] == line)["rule"].to_list() if r.startswith(prefix)}


def run_one(run_text, code: str, overrides: dict[str, str], period: str = "october",
            di: dict[str, str] | None = None, **kw):
    return run_text(build([(code, overrides)], period=period, di=di), **kw)


@pytest.mark.parametrize("code", ["S2", "S3", "ES"])
def test_base_records_are_clean(run_text, code: str) -> None:
    assert rules_on(run_one(run_text, code, {})) == set()


# -- S2 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("exit_date", "fires"), [
    ("20120630", True), ("20120701", False), ("20130630", False), ("20130701", True),
])
def test_scram_exit_date_school_year_edges(run_text, exit_date: str, fires: bool) -> None:
    res = run_one(run_text, "S2", {"scram_exit_date": exit_date, "scram_exit_reason": "A"})
    assert rules_on(res) == ({"S2.scram_exit_date.window"} if fires else set())


@pytest.mark.parametrize(("entry", "expected"), [
    ("19990105", set()),  # services may have begun years ago
    ("20121001", set()),  # the extract date itself
    ("20121002", {"S2.scram_entry_date.future"}),
    ("20121302", {"S2.scram_entry_date.date"}),
    ("121001  ", {"S2.scram_entry_date.date"}),
])
def test_scram_entry_date(run_text, entry: str, expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "S2", {"scram_entry_date": entry})) == expected


def test_scram_entry_date_future_is_a_warning_against_as_of(run_text) -> None:
    res = run_one(run_text, "S2", {"scram_entry_date": "20121015"}, as_of="2012-10-20")
    assert rules_on(res) == set()
    res = run_one(run_text, "S2", {"scram_entry_date": "20121015"})
    assert res.findings.filter(res.findings["line"] == LINE)["severity"].to_list() == ["warning"]


@pytest.mark.parametrize(("exit_date", "reason", "expected"), [
    ("", "", set()),
    ("20121001", "A", set()),
    ("20121001", "", {"S2.scram_exit_reason.with_date"}),
    ("", "X", {"S2.scram_exit_date.with_reason"}),
    ("20121001", "Q", {"S2.scram_exit_reason.code"}),
    ("20121301", "A", {"S2.scram_exit_date.date"}),
    ("20080101", "A", {"S2.scram_exit_date.window", "S2.scram_exit_date.before_entry"}),
])
def test_scram_exit_date_and_reason(run_text, exit_date: str, reason: str, expected: set[str]) -> None:
    res = run_one(run_text, "S2", {"scram_exit_date": exit_date, "scram_exit_reason": reason})
    assert rules_on(res) == expected


def test_scram_exit_date_before_entry(run_text) -> None:
    base = {"scram_exit_reason": "S"}
    assert rules_on(run_one(run_text, "S2", {**base, "scram_entry_date": "20120915", "scram_exit_date": "20120914"})) \
        == {"S2.scram_exit_date.before_entry"}
    assert rules_on(run_one(run_text, "S2", {**base, "scram_entry_date": "20120915", "scram_exit_date": "20120915"})) \
        == set()


@pytest.mark.parametrize(("membership", "expected"), [
    ("000", set()),
    ("180", set()),
    ("181", {"S2.scram_membership.maximum"}),
    ("999", {"S2.scram_membership.maximum"}),
    ("   ", {"S2.scram_membership.required"}),  # blank is an error
    ("-01", {"S2.scram_membership.format"}),  # membership cannot be negative
    ("45 ", {"S2.scram_membership.format"}),
])
def test_scram_membership(run_text, membership: str, expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "S2", {"scram_membership": membership})) == expected


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("disability_type", "XX", "S2.disability_type.code"),
    ("time", "D", "S2.time.code"),
    ("environment", "Z", "S2.environment.code"),
    ("regular_percent", "4", "S2.regular_percent.code"),
    ("student_number", "0", "S2.student_number.zero"),
    ("student_number", "0000000000", "S2.student_number.zero"),
])
def test_s2_codes_and_student_number(run_text, field: str, value: str, rule: str) -> None:
    assert rules_on(run_one(run_text, "S2", {field: value})) == {rule}


@pytest.mark.parametrize(("field", "value"), [
    ("regular_percent", " "), ("environment", "C"), ("environment", "Y"), ("disability_type", "DD"), ("time", "C"),
])
def test_s2_values_whose_checks_need_the_s1_are_accepted_at_level_1(run_text, field: str, value: str) -> None:
    assert rules_on(run_one(run_text, "S2", {field: value})) == set()


def test_multi_fault_s2_record(run_text) -> None:
    res = run_one(run_text, "S2", {
        "student_number": "0", "disability_type": "XX", "scram_entry_date": "20121105", "scram_exit_date": "20130701",
        "scram_exit_reason": " ", "scram_membership": "200", "environment": "Z", "lea_number": "15",
    })
    assert sorted(rules_on(res)) == sorted([
        "S2.student_number.zero", "S2.disability_type.code", "S2.scram_entry_date.future",
        "S2.scram_exit_date.window", "S2.scram_exit_reason.with_date", "S2.scram_membership.maximum",
        "S2.environment.code", "S2.lea_number.di",
    ])


# -- S3 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("exit_date", ["20110301", "20120630", "20130701", "20150101"])
def test_yic_exit_date_has_no_school_year_window(run_text, exit_date: str) -> None:
    res = run_one(run_text, "S3", {"yic_entry_date": "20100901", "yic_exit_date": exit_date, "yic_exit_reason": "A"})
    assert rules_on(res) == set()


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"yic_exit_date": "20120831", "yic_exit_reason": "A"}, {"S3.yic_exit_date.before_entry"}),
    ({"yic_exit_date": "20120901", "yic_exit_reason": "A"}, set()),
    ({"yic_exit_date": "20121001", "yic_exit_reason": " "}, {"S3.yic_exit_reason.with_date"}),
    ({"yic_exit_date": "", "yic_exit_reason": "D"}, {"S3.yic_exit_date.with_reason"}),
    ({"yic_exit_date": "2012091 ", "yic_exit_reason": "D"}, {"S3.yic_exit_date.date"}),
    ({"yic_entry_date": "20121002"}, {"S3.yic_entry_date.future"}),
    ({"yic_entry_date": "20050101"}, set()),
    ({"yic_membership": "181"}, {"S3.yic_membership.maximum"}),
    ({"yic_membership": "180"}, set()),
    ({"yic_membership": "   "}, {"S3.yic_membership.required"}),
    ({"custody_type": "DCF "}, {"S3.custody_type.code"}),
    ({"time": "X"}, {"S3.time.code"}),
    ({"environment": "Y"}, {"S3.environment.code"}),  # a SCRAM environment, not a YIC one
])
def test_s3_rules(run_text, overrides: dict[str, str], expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "S3", overrides)) == expected


def test_multi_fault_s3_record(run_text) -> None:
    res = run_one(run_text, "S3", {
        "student_number": "0000", "custody_type": "JJS", "time": "", "yic_entry_date": "20121001",
        "yic_exit_date": "20120915", "yic_exit_reason": "A", "yic_membership": "190", "school_number": "704",
    })
    assert rules_on(res) == {
        "S3.student_number.zero", "S3.custody_type.code", "S3.time.required", "S3.yic_exit_date.before_entry",
        "S3.yic_membership.maximum", "S3.school_number.sc",
    }


# -- ES: when ES records are accepted ------------------------------------------------------------

def _es_in(run_text, school_year: str, month: str, extract: str, **kw):
    di = {"school_year": school_year, "which_month": month, "sisasofdate": f"{extract} 09:00:00.000"}
    return rules_on(run_text(build([("ES", {})], di=di), **kw), prefix="ES.record_id")


@pytest.mark.parametrize(("school_year", "month", "extract", "expected"), [
    ("2013", "OCT", "2012-07-14", {"ES.record_id.window"}),
    ("2013", "OCT", "2012-07-15", set()),
    ("2013", "OCT", "2012-10-15", set()),
    ("2013", "OCT", "2012-10-16", {"ES.record_id.window"}),  # the October 2012 update itself, but too late
    ("2013", "SEP", "2012-09-14", set()),  # a monthly update before the October one
    ("2013", "AUG", "2012-07-14", {"ES.record_id.window"}),
    ("2013", "NOV", "2012-11-05", {"ES.record_id.discontinued"}),
    ("2013", "DEC", "2012-12-03", {"ES.record_id.discontinued"}),
    ("2013", "DEC", "2012-10-10", {"ES.record_id.discontinued"}),  # any December update follows the October one
    ("2013", "EOY", "2013-07-16", {"ES.record_id.discontinued"}),
    ("2014", "OCT", "2013-10-01", {"ES.record_id.discontinued"}),
    ("2012", "OCT", "2011-10-01", set()),  # an earlier school year's October update
    ("2012", "EOY", "2012-07-10", {"ES.record_id.window"}),
])
def test_es_window_and_cutoff(run_text, school_year: str, month: str, extract: str, expected: set[str]) -> None:
    assert _es_in(run_text, school_year, month, extract) == expected


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2012-07-14", {"ES.record_id.window"}), ("2012-07-15", set()),
    ("2012-10-15", set()), ("2012-10-16", {"ES.record_id.window"}),
])
def test_es_window_uses_the_as_of_option(run_text, as_of: str, expected: set[str]) -> None:
    assert _es_in(run_text, "2013", "OCT", "2012-10-01", as_of=as_of) == expected


def test_es_window_findings_name_the_date(run_text) -> None:
    res = run_text(build([("ES", {}), ("ES", {"student_number": "8282828"})],
                         di={"sisasofdate": "2012-10-16 09:00:00.000"}))
    f = res.findings.filter(res.findings["rule"] == "ES.record_id.window")
    assert f["line"].to_list() == [3, 4] and set(f["severity"].to_list()) == {"error"}
    assert "2012-10-16" in f["message"][0]


# -- ES: fields -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "expected"), [
    ("20090901", set()),  # 3 on September 1, 2012
    ("20090902", {"ES.birth_date.age"}),
    ("19880902", set()),  # 23
    ("19880901", {"ES.birth_date.age"}),  # 24
    ("20120930", {"ES.birth_date.age"}),
    ("20121001", {"ES.birth_date.future"}),  # the as-of date: "can't be current"
    ("20130101", {"ES.birth_date.future"}),
    ("20090230", {"ES.birth_date.date"}),
    ("940612  ", {"ES.birth_date.date"}),
])
def test_es_birth_date(run_text, birth: str, expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "ES", {"birth_date": birth})) == expected


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("last_name", "ROE-DOE", set()),
    ("last_name", "O'ROE-DOE", set()),
    ("last_name", "ROE-DOE-POE", {"ES.last_name.hyphens"}),
    ("last_name", "ROE2", {"ES.last_name.characters"}),
    ("first_name", "JANE-ANN", set()),
    ("first_name", "JANE.", {"ES.first_name.characters"}),
    ("gender", "X", {"ES.gender.code"}),
    ("updated_status", "GR", set()),
    ("updated_status", "11", set()),
    ("updated_status", "EX", {"ES.updated_status.code"}),  # an S1 exit code that is not an updated status
    ("updated_status", "  ", {"ES.updated_status.required"}),
    ("ssid", "1000000", {"ES.ssid.minimum"}),
    ("ssid", "0999999", {"ES.ssid.minimum"}),
    ("ssid", "1000001", set()),
    ("ssid", "12345A", {"ES.ssid.format"}),
    ("lea_number", "15", {"ES.lea_number.di"}),
])
def test_es_fields(run_text, field: str, value: str, expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "ES", {field: value})) == expected


@pytest.fixture
def ssid_reference(tmp_path: Path):
    src = resources.files("utrex.reference") / "data" / "sample"
    with resources.as_file(src) as p:
        shutil.copytree(p, tmp_path / "ref")
    (tmp_path / "ref" / "ssids.csv").write_text(
        "ssid,lea_number,active\n2345678,14,Y\n3456789,14,N\n4567890,02,Y\n1234567,14,Y\n")
    return load_reference(tmp_path / "ref")


@pytest.mark.parametrize(("ssid", "expected"), [
    ("2345678", set()),
    ("3456789", {"ES.ssid.location"}),  # not active (merged away)
    ("4567890", {"ES.ssid.location"}),  # no location row for LEA 14
    ("9999999", {"ES.ssid.location"}),  # unknown
    ("1000000", {"ES.ssid.minimum"}),  # no second finding for an SSID that is not valid
])
def test_es_ssid_location(run_text, ssid_reference, ssid: str, expected: set[str]) -> None:
    assert rules_on(run_one(run_text, "ES", {"ssid": ssid}, reference=ssid_reference)) == expected


def test_es_ssid_location_not_checked_without_ssid_reference(run_text) -> None:
    assert rules_on(run_one(run_text, "ES", {"ssid": "9999999"})) == set()


def test_multi_fault_es_record(run_text) -> None:
    res = run_one(run_text, "ES", {
        "student_number": "72A", "last_name": "ROE-DOE-POE", "first_name": "", "birth_date": "20100101",
        "gender": "U", "updated_status": "ZZ", "ssid": "999", "lea_number": "02",
    }, di={"sisasofdate": "2012-10-16 09:00:00.000"})
    assert rules_on(res) == {
        "ES.record_id.window", "ES.student_number.format", "ES.last_name.hyphens", "ES.first_name.required",
        "ES.birth_date.age", "ES.gender.code", "ES.updated_status.code", "ES.ssid.minimum", "ES.lea_number.di",
    }
