"""Focused tests of the S1 Level 1 rules beyond their declared examples."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from utrex.engine.rules import registry
from utrex.reference.model import load_reference
from utrex.spec.layouts_2013 import S1
from utrex.testing import build

S1_LINE = 3  # DI, SC, then the student
PERIODS = ["october", "december", "year-end", "monthly"]


def s1_rules(run_text, overrides: dict[str, str], period: str = "october", **kw) -> set[str]:
    """Ids of the S1 rules that fired on one S1 record built from the base record and `overrides`."""
    di = kw.pop("di", None)
    sc = kw.pop("sc", None)
    res = run_text(build([("S1", overrides)], period=period, di=di, sc=sc), period=period, **kw)
    f = res.findings.filter((res.findings["line"] == S1_LINE) & res.findings["rule"].str.starts_with("S1."))
    return set(f["rule"].to_list())


@pytest.mark.parametrize("period", PERIODS)
def test_base_record_is_clean(run_text, period: str) -> None:
    assert s1_rules(run_text, {}, period) == set()


def test_rule_ids_are_well_formed() -> None:
    ids = [r.id for r in registry().for_type("S1")]
    assert len(ids) == len(set(ids))
    fields = set(S1.field_ids())
    for r in registry().for_type("S1"):
        rt, field, check = r.id.split(".")
        assert rt == "S1" and field in fields and check, r.id
        assert field == r.fields[0], r.id  # the primary field comes first


# -- age on the prior September 1 (2012-09-01 for school year 2013) ----------------------------------------


@pytest.mark.parametrize(("birth", "fires"), [
    ("20090901", False),  # third birthday exactly on September 1: 3
    ("20090902", True),  # third birthday the day after: still 2
    ("20090831", False),
    ("20100101", True),
])
def test_under_3_around_september_1(run_text, birth: str, fires: bool) -> None:
    got = s1_rules(run_text, {"birth_date": birth, "grade_level": "PK", "school_number": "104"},
                   sc={"school_number": "104"})
    assert ("S1.birth_date.under_3" in got) is fires


def test_migrant_may_be_under_3_with_zero_membership(run_text) -> None:
    base = {"birth_date": "20100902", "grade_level": "PK", "school_number": "104", "migrant": "Y"}
    sc = {"school_number": "104"}
    assert s1_rules(run_text, {**base, "school_membership": ""}, sc=sc) == set()
    assert s1_rules(run_text, {**base, "school_membership": "000"}, sc=sc) == set()
    assert s1_rules(run_text, {**base, "school_membership": "020"}, sc=sc) == {"S1.school_membership.migrant_under_3"}


@pytest.mark.parametrize(("birth", "fires"), [
    ("19880902", False),  # 24th birthday the day after September 1: 23
    ("19880901", True),  # 24 on September 1
    ("19880831", True),
])
def test_over_23_around_september_1(run_text, birth: str, fires: bool) -> None:
    got = s1_rules(run_text, {"birth_date": birth, "grade_level": "12"})
    assert ("S1.birth_date.over_23" in got) is fires


@pytest.mark.parametrize(("birth", "fires"), [
    ("20060902", False),  # turns 6 after September 1
    ("20060901", True),  # 6 on September 1 (revision of February 06, 2009)
    ("20060101", True),
])
def test_pre_k_six_on_september_1(run_text, birth: str, fires: bool) -> None:
    got = s1_rules(run_text, {"birth_date": birth, "grade_level": "PK", "school_number": "104"},
                   sc={"school_number": "104"})
    assert ("S1.grade_level.pk_age_6" in got) is fires


def test_pre_k_minus_one_is_pre_k(run_text) -> None:
    got = s1_rules(run_text, {"birth_date": "20050101", "grade_level": "-1", "school_number": "104"},
                   sc={"school_number": "104"})
    assert got == {"S1.grade_level.pk_age_6"}


def test_birth_date_today_or_future(run_text) -> None:
    assert "S1.birth_date.future" in s1_rules(run_text, {"birth_date": "20121001"}, as_of="2012-10-01")
    assert "S1.birth_date.future" not in s1_rules(run_text, {"birth_date": "20120930"}, as_of="2012-10-01")


# -- the school-year window: July 1, 2012 - June 30, 2013 ----------------------------------------------------


@pytest.mark.parametrize(("exit_date", "fires"), [
    ("20120630", True),
    ("20120701", False),
    ("20130630", False),
    ("20130701", True),
])
def test_exit_date_window_edges(run_text, exit_date: str, fires: bool) -> None:
    got = s1_rules(run_text, {"entry_date": "20120701", "exit_date": exit_date, "exit_code": "TS"},
                   period="year-end")
    assert ("S1.exit_date.window" in got) is fires
    assert got - {"S1.exit_date.window", "S1.exit_date.before_entry"} == set()


@pytest.mark.parametrize(("entry", "fires"), [("20130630", False), ("20130701", True), ("20120701", False)])
def test_entry_date_after_year_end(run_text, entry: str, fires: bool) -> None:
    got = s1_rules(run_text, {"entry_date": entry}, period="year-end")
    assert ("S1.entry_date.after_year_end" in got) is fires


def test_exit_equal_to_entry_is_allowed(run_text) -> None:
    assert s1_rules(run_text, {"entry_date": "20120904", "exit_date": "20120904", "exit_code": "TS"}) == set()
    assert s1_rules(run_text, {"entry_date": "20120904", "exit_date": "20120903", "exit_code": "TS"}) == {
        "S1.exit_date.before_entry"}


@pytest.mark.parametrize(("date", "expected"), [
    ("20120630", set()),  # June 30 of the year the school year starts: a prior school year
    ("20120701", {"S1.ell_monitored_entry_date.prior_year", "S1.ell_monitored_entry_date.june_30"}),
    ("20130630", {"S1.ell_monitored_entry_date.prior_year"}),
    ("20080630", set()),
    ("20080415", set()),  # before July 2008 any day is accepted
    ("20090415", {"S1.ell_monitored_entry_date.june_30"}),
])
def test_monitored_entry_date_edges(run_text, date: str, expected: set[str]) -> None:
    ell = {"limited_english": "F", "ell_native_language": "SPA", "ell_parent_language": "SPA"}
    assert s1_rules(run_text, {**ell, "ell_monitored_entry_date": date}) == expected


# -- limited English and the December 1 exemption ---------------------------------------------------------------


def test_native_language_may_be_blank_at_december_1(run_text) -> None:
    ell = {"limited_english": "Y", "ell_native_language": "", "ell_parent_language": "SPA",
           "ell_instruction_type": "ESL"}
    assert s1_rules(run_text, ell, period="december") == set()
    for period in ("october", "year-end", "monthly"):
        assert s1_rules(run_text, ell, period=period) == {"S1.ell_native_language.required"}
    # the exemption is for the native language only
    assert s1_rules(run_text, {**ell, "ell_parent_language": ""}, period="december") == {
        "S1.ell_parent_language.required"}
    # a native language given in December is still edited
    assert s1_rules(run_text, {**ell, "ell_native_language": "ENG"}, period="december") == {
        "S1.ell_native_language.english"}
    assert s1_rules(run_text, {**ell, "ell_native_language": "ZZZ"}, period="december") == {
        "S1.ell_native_language.code"}


def test_not_ell_needs_no_languages(run_text) -> None:
    assert s1_rules(run_text, {"limited_english": "N"}) == set()


# -- resident status X (Note 3) ------------------------------------------------------------------------------


def test_resident_x_reads_only_the_exit_update(run_text) -> None:
    x = {"resident_status": "X", "grade_level": "12", "hs_completion_status": "GR",
         # everything below is ignored on an X record
         "birth_date": "", "gender": "", "ethnicity": "Q", "race_white": "", "entry_date": "",
         "school_membership": "999", "zip_code": "ABCDE", "race_observer": "", "homeless": "",
         "days_attended": "", "ssn": "000000000", "limited_english": "Y", "kindergarten_type": "FN"}
    for period in PERIODS:
        assert s1_rules(run_text, x, period=period) == set(), period


def test_resident_x_needs_an_exit_code_or_completion_status(run_text) -> None:
    x = {"resident_status": "X", "grade_level": "12", "birth_date": ""}
    assert s1_rules(run_text, x) == {"S1.resident_status.x_exit_update"}
    assert s1_rules(run_text, {**x, "exit_code": "TS"}) == set()  # no exit date needed on an X record
    assert s1_rules(run_text, {**x, "hs_completion_status": "GR"}) == set()


def test_resident_x_still_checks_exit_code_and_completion(run_text) -> None:
    x = {"resident_status": "X", "birth_date": "", "gender": ""}
    assert s1_rules(run_text, {**x, "grade_level": "11", "hs_completion_status": "CT"}) == {
        "S1.hs_completion_status.seniors_only"}
    assert s1_rules(run_text, {**x, "grade_level": "12", "exit_code": "OG"}) == {"S1.exit_code.og_completion"}
    assert s1_rules(run_text, {**x, "grade_level": "12", "exit_code": "ZZ"}) == {"S1.exit_code.code"}
    assert s1_rules(run_text, {**x, "grade_level": "", "exit_code": "TS"}) == {"S1.grade_level.required"}
    assert s1_rules(run_text, {**x, "grade_level": "12", "exit_code": "TS", "ssid": "999"}) == {
        "S1.ssid.minimum"}


def test_rules_flagged_for_resident_x() -> None:
    flagged = {r.id for r in registry().for_type("S1") if r.applies_to_resident_x}
    assert {"S1.resident_status.x_exit_update", "S1.exit_code.og_completion", "S1.ssid.location",
            "S1.grade_level.required", "S1.hs_completion_status.seniors_only"} <= flagged
    assert not {"S1.birth_date.required", "S1.zip_code.utah", "S1.exit_date.required",
                "S1.grade_level.school_range", "S1.hs_completion_status.required_senior"} & flagged


# -- several faults at once ---------------------------------------------------------------------------------------


def test_record_with_several_faults(run_text) -> None:
    bad = {
        "student_number": "0",
        "ssn": "000123456",  # grade 10 as well: warned
        "race_white": "",
        "school_membership": "PVT",
        "part_time": "S",
        "exit_code": "WP",
        "zip_code": "90210",
        "limited_english": "F",
        "ell_native_language": "ENG",
        "ell_parent_language": "SPA",
        "ell_monitored_entry_date": "",
        "kindergarten_type": "FN",
        "read_grade_level_fall": "Y",
    }
    assert s1_rules(run_text, bad) == {
        "S1.student_number.zero",
        "S1.ssn.zero_prefix",
        "S1.ssn.below_grade_12",
        "S1.race_american_indian.at_least_one_race",
        "S1.school_membership.pvt_hsc_school",
        "S1.part_time.pvt_hsc",
        "S1.exit_code.wp_grade",
        "S1.exit_date.required",
        "S1.zip_code.utah",
        "S1.ell_native_language.english",
        "S1.ell_monitored_entry_date.required",
        "S1.kindergarten_type.not_kindergarten",
        "S1.read_grade_level_fall.not_grade_1_3",
    }


def test_malformed_fields_give_one_finding_each(run_text) -> None:
    got = s1_rules(run_text, {"birth_date": "19971345", "grade_level": "13", "exit_date": "2013XX01",
                              "exit_code": "TS", "school_membership": "4X5", "cumulative_gpa": "ABCD",
                              "ssid": "12AB"})
    assert got == {"S1.birth_date.date", "S1.grade_level.code", "S1.exit_date.date",
                   "S1.school_membership.format", "S1.cumulative_gpa.format", "S1.ssid.format"}


# -- senior completion status at Year-End ------------------------------------------------------------------------


def test_senior_completion_status(run_text) -> None:
    senior = {"grade_level": "12", "birth_date": "19950315"}
    assert s1_rules(run_text, senior, period="year-end") == {"S1.hs_completion_status.required_senior"}
    assert s1_rules(run_text, senior, period="october") == set()
    assert s1_rules(run_text, {**senior, "school_of_record": "N", "school_membership": "000"},
                    period="year-end") == set()
    assert s1_rules(run_text, {**senior, "exit_code": "TS", "exit_date": "20130301"}, period="year-end") == set()
    # a part-time home-schooled senior is exited instead
    assert s1_rules(run_text, {**senior, "part_time": "H"}, period="year-end") == {
        "S1.exit_code.part_time_senior"}
    assert s1_rules(run_text, {**senior, "part_time": "H", "exit_code": "TH", "exit_date": "20130605"},
                    period="year-end") == set()


def test_early_graduates(run_text) -> None:
    eleventh = {"grade_level": "11", "exit_code": "11", "exit_date": "20130601"}
    assert s1_rules(run_text, eleventh) == {"S1.exit_code.early_graduate_completion"}
    assert s1_rules(run_text, {**eleventh, "hs_completion_status": "GR"}) == set()
    assert s1_rules(run_text, {**eleventh, "hs_completion_status": "G3"}) == set()
    assert s1_rules(run_text, {**eleventh, "hs_completion_status": "GG"}) == {
        "S1.exit_code.early_graduate_completion"}


# -- reading fields by period ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "expected"), [
    ("october", set()),
    ("monthly", set()),
    ("december", {"S1.read_grade_level_fall.required"}),
    ("year-end", {"S1.read_grade_level_fall.required", "S1.read_grade_level_mid.required",
                  "S1.reading_intervention.required", "S1.read_grade_level_spring.required"}),
])
def test_reading_fields_required_for_grades_1_to_3(run_text, period: str, expected: set[str]) -> None:
    assert s1_rules(run_text, {"grade_level": "02", "birth_date": "20050315"}, period=period) == expected


# -- LEA-dependent rules ---------------------------------------------------------------------------------------


CHARTER = {"di": {"lea_number": "70"}, "sc": {"lea_number": "70", "school_number": "150"}}


def test_charter_district_of_residence(run_text) -> None:
    s1 = {"lea_number": "70", "school_number": "150"}
    assert s1_rules(run_text, s1, **CHARTER) == {"S1.district_of_residence.required"}
    assert s1_rules(run_text, {**s1, "district_of_residence": "14"}, **CHARTER) == set()
    assert s1_rules(run_text, {**s1, "resident_status": "A", "zip_code": "89101"}, **CHARTER) == set()
    assert s1_rules(run_text, {**s1, "district_of_residence": "14", "exit_code": "CH", "exit_date": "20121101"},
                    **CHARTER) == set()
    assert s1_rules(run_text, {"exit_code": "CH", "exit_date": "20121101"}) == {"S1.exit_code.ch_charter_only"}


@pytest.fixture
def ssid_reference(tmp_path: Path):
    folder = tmp_path / "ref"
    src = resources.files("utrex.reference") / "data" / "sample"
    with resources.as_file(src) as p:
        shutil.copytree(p, folder)
    (folder / "ssids.csv").write_text("ssid,lea_number,active\n1234567,14,Y\n2345678,14,Y\n7654321,14,N\n"
                                      "3456789,02,Y\n")
    return load_reference(folder)


@pytest.mark.parametrize(("ssid", "fires"), [
    ("1234567", False),
    ("7654321", True),  # merged away
    ("3456789", True),  # no location row for LEA 14
    ("9999999", True),  # unknown
])
def test_ssid_location(run_text, ssid_reference, ssid: str, fires: bool) -> None:
    got = s1_rules(run_text, {"ssid": ssid}, reference=ssid_reference)
    assert ("S1.ssid.location" in got) is fires
    # without an SSID reference the check is not run
    assert "S1.ssid.location" not in s1_rules(run_text, {"ssid": ssid})
