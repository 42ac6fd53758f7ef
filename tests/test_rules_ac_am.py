"""Level 1 rules of the AC (Course Master) and AM (Course Membership) records."""

from __future__ import annotations

import pytest

from utrex.spec.codes_2013 import PRE_K_CORE_CODE
from utrex.testing import build

LINE = 3  # DI, SC, then the record under test
CE_CORE = "01020013001"  # '13' in positions 7-8: concurrent enrollment
REGULAR_CORE = "02020000001"


def findings_on(res, line: int = LINE, prefix: str = "") -> set[str]:
    f = res.findings
    return {r for r in f.filter(f["line"] == line)["rule"].to_list() if r.startswith(prefix)}


def run_one(run_text, code: str, overrides: dict[str, str], period: str = "october", **kw):
    return run_text(build([(code, overrides)], period=period), **kw)


def severity_of(res, rule_id: str) -> str:
    f = res.findings
    return f.filter(f["rule"] == rule_id)["severity"].to_list()[0]


@pytest.mark.parametrize("code", ["AC", "AM"])
@pytest.mark.parametrize("period", ["october", "december", "year-end", "monthly"])
def test_base_records_are_clean(run_text, code: str, period: str) -> None:
    assert findings_on(run_one(run_text, code, {}, period=period)) == set()


# -- AC: course & section --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("MATH1001", set()),
    ("M1", set()),
    ("M", {"AC.course_section.length"}),
    ("", {"AC.course_section.required"}),
    (" MATH1001", {"AC.course_section.format"}),
    ("MATH-1001", {"AC.course_section.format"}),
])
def test_course_section(run_text, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AC", {"course_section": value}), prefix="AC.course_section") == expected


# -- AC: concurrent enrollment ------------------------------------------------------------------------

@pytest.mark.parametrize(("college", "campus", "expected"), [
    ("49", "C", set()),
    ("59", "H", set()),
    ("", "H", {"AC.college_granting_cr.required"}),
    ("49", "", {"AC.where_taught_campus.required"}),
    ("", "", {"AC.college_granting_cr.required", "AC.where_taught_campus.required"}),
    ("51", "H", {"AC.college_granting_cr.code"}),  # BYU grants no concurrent enrollment credit
    ("49", "X", {"AC.where_taught_campus.code"}),
])
def test_concurrent_enrollment_course(run_text, college: str, campus: str, expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"core_code": CE_CORE, "college_granting_cr": college, "where_taught_campus": campus})
    assert findings_on(res) == expected


@pytest.mark.parametrize(("college", "campus", "expected"), [
    ("", "", set()),
    ("49", "", {"AC.college_granting_cr.not_concurrent"}),
    ("", "C", {"AC.where_taught_campus.not_concurrent"}),
    ("49", "H", {"AC.college_granting_cr.not_concurrent", "AC.where_taught_campus.not_concurrent"}),
])
def test_concurrent_fields_on_other_courses_are_warnings(run_text, college: str, campus: str,
                                                          expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"core_code": REGULAR_CORE, "college_granting_cr": college,
                                   "where_taught_campus": campus})
    assert findings_on(res) == expected
    assert set(res.findings.filter(res.findings["line"] == LINE)["severity"].to_list()) <= {"warning"}


def test_concurrent_rules_quiet_on_a_malformed_core_code(run_text) -> None:
    res = run_one(run_text, "AC", {"core_code": "010200130AB", "college_granting_cr": "49", "where_taught_campus": ""})
    assert findings_on(res) == {"AC.core_code.format"}


# -- AC: teachers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("123456", set()),
    ("12345678", set()),
    ("528123456", {"AC.teacher1_id.ssn"}),  # nine characters: taken to be an SSN
    ("000000000", {"AC.teacher1_id.zero"}),  # zero, reported once
    ("0", {"AC.teacher1_id.zero"}),
    ("0123456", {"AC.teacher1_id.zero_filled"}),
    ("012345678", {"AC.teacher1_id.ssn"}),
    (" 123456", {"AC.teacher1_id.format"}),
    ("12345A", {"AC.teacher1_id.format"}),
])
def test_teacher1_id_format(run_text, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AC", {"teacher1_id": value})) == expected


def test_teacher1_blank_only_for_pre_k(run_text) -> None:
    assert findings_on(run_one(run_text, "AC", {"teacher1_id": ""})) == {"AC.teacher1_id.required"}
    assert findings_on(run_one(run_text, "AC", {"teacher1_id": "", "core_code": PRE_K_CORE_CODE,
                                                "instruct_setting": ""})) == set()


@pytest.mark.parametrize(("t1", "t2", "t3", "expected"), [
    ("123456", "234567", "345678", set()),
    ("123456", "123456", "", {"AC.teacher2_id.same_as_teacher1"}),
    ("123456", "234567", "123456", {"AC.teacher3_id.same_as_teacher1"}),
    ("123456", "234567", "234567", {"AC.teacher3_id.same_as_teacher2"}),
    ("123456", "123456", "123456", {"AC.teacher2_id.same_as_teacher1", "AC.teacher3_id.same_as_teacher1",
                                    "AC.teacher3_id.same_as_teacher2"}),
    ("123456", "", "345678", {"AC.teacher3_id.without_teacher2"}),
    ("123456", "528123456", "", {"AC.teacher2_id.ssn"}),
    ("123456", "234567", "000", {"AC.teacher3_id.zero"}),
    ("", "234567", "", {"AC.teacher1_id.required"}),
])
def test_teacher_ids(run_text, t1: str, t2: str, t3: str, expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"teacher1_id": t1, "teacher2_id": t2, "teacher3_id": t3})
    assert findings_on(res) == expected


# -- AC: where taught, core code, CTE, setting ---------------------------------------------------------------

@pytest.mark.parametrize(("dist", "schl", "expected"), [
    ("", "", set()),
    ("14", "704", set()),
    ("01", "104", set()),  # another LEA's school
    ("49", "049", set()),  # Salt Lake Community College
    ("65", "065", set()),  # Dixie ATC
    ("", "704", {"AC.where_taught_dist.with_school"}),
    ("14", "", {"AC.where_taught_schl.with_dist"}),
    ("41", "704", {"AC.where_taught_dist.reference"}),
    ("14", "999", {"AC.where_taught_schl.reference"}),
    ("01", "300", {"AC.where_taught_schl.reference"}),
    ("49", "49 ", {"AC.where_taught_schl.format"}),
    ("49", "050", {"AC.where_taught_schl.college"}),
    ("14", "790", {"AC.where_taught_schl.own_school"}),
])
def test_where_taught(run_text, dist: str, schl: str, expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"where_taught_dist": dist, "where_taught_schl": schl})
    assert findings_on(res) == expected


@pytest.mark.parametrize(("core", "setting", "expected"), [
    (REGULAR_CORE, "FF", set()),
    ("99990000001", "FF", {"AC.core_code.inactive"}),
    ("02029999999", "FF", {"AC.core_code.reference"}),
    ("0202000000", "FF", {"AC.core_code.format"}),
    (REGULAR_CORE, "", {"AC.instruct_setting.required"}),
    ("09010000001", "", {"AC.instruct_setting.required"}),  # grades 6-8: above 6
    ("22060000006", "", set()),  # grade 6 only
    ("02029999999", "", {"AC.core_code.reference"}),  # grades unknown: setting not required
])
def test_core_code_and_setting(run_text, core: str, setting: str, expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"core_code": core, "instruct_setting": setting})
    assert findings_on(res) == expected


def test_core_code_messages_distinguish_unknown_and_inactive(run_text) -> None:
    unknown = run_one(run_text, "AC", {"core_code": "02029999999"}).findings["message"].to_list()
    inactive = run_one(run_text, "AC", {"core_code": "99990000001"}).findings["message"].to_list()
    assert any("not in the state's core code list" in m for m in unknown)
    assert any("inactive" in m for m in inactive)


@pytest.mark.parametrize(("cip", "length", "expected"), [
    ("480506", "1", set()),
    ("", "", set()),
    ("480506", "", {"AC.semester_length.with_cip"}),
    ("4805", "1", {"AC.cip_code.format"}),
    ("", "4", {"AC.semester_length.without_cip"}),
    ("480506", "6", {"AC.semester_length.code"}),
])
def test_cte_fields(run_text, cip: str, length: str, expected: set[str]) -> None:
    res = run_one(run_text, "AC", {"cip_code": cip, "semester_length": length})
    assert findings_on(res) == expected


@pytest.mark.parametrize(("term", "cycle", "expected"), [
    ("T3T1", "Z", set()),
    ("Q4SU", "7", set()),
    ("T7", "A", {"AC.term.code"}),
    ("YR", "*", {"AC.cycle.format"}),
    ("YR", "", {"AC.cycle.required"}),
])
def test_term_and_cycle(run_text, term: str, cycle: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AC", {"term": term, "cycle": cycle})) == expected


def test_ac_multi_fault_record(run_text) -> None:
    res = run_one(run_text, "AC", {
        "course_section": "X", "period": "1", "where_taught_dist": "14", "where_taught_schl": "",
        "teacher1_id": "528123456", "teacher2_id": "", "teacher3_id": "345678", "cip_code": "480506",
        "semester_length": "", "core_code": CE_CORE, "college_granting_cr": "", "where_taught_campus": "",
        "instruct_setting": "", "term": "YR", "cycle": "A",
    })
    assert findings_on(res) == {
        "AC.course_section.length", "AC.period.format", "AC.where_taught_schl.with_dist", "AC.teacher1_id.ssn",
        "AC.teacher3_id.without_teacher2", "AC.semester_length.with_cip", "AC.college_granting_cr.required",
        "AC.where_taught_campus.required", "AC.instruct_setting.required",
    }


# -- AM -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("MATH1001", set()),
    ("12345678", set()),
    ("M", {"AM.course_number.length"}),
    ("MATH 1001", {"AM.course_number.format"}),
    ("", {"AM.course_number.required"}),
])
def test_course_number_is_validated_like_course_section(run_text, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AM", {"course_number": value})) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("3500", set()), ("0000", set()), ("4000", set()),
    ("P", set()), ("PASS", set()), ("Pass", set()), ("fail", set()), ("F", set()),
    ("N", set()), ("NG", set()), ("NOGRD", set()), ("", set()),
    ("4001", {"AM.grade_earned.range"}),
    ("9999", {"AM.grade_earned.range"}),
    ("350", {"AM.grade_earned.format"}),
    ("35000", {"AM.grade_earned.format"}),
    (" 3500", {"AM.grade_earned.format"}),
    (" PASS", {"AM.grade_earned.format"}),
    ("A-", {"AM.grade_earned.format"}),
    ("3.50", {"AM.grade_earned.format"}),
])
def test_grade_earned(run_text, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AM", {"grade_earned": value})) == expected


@pytest.mark.parametrize(("attempted", "earned", "expected"), [
    ("0500", "0500", set()),
    ("0500", "0000", set()),
    ("", "", set()),
    ("0500", "0750", {"AM.credit_earned.above_attempted"}),
    ("05", "0500", {"AM.credits_attempted.format"}),
    ("0500", "5   ", {"AM.credit_earned.format"}),
])
def test_credits(run_text, attempted: str, earned: str, expected: set[str]) -> None:
    res = run_one(run_text, "AM", {"credits_attempted": attempted, "credit_earned": earned})
    assert findings_on(res) == expected


@pytest.mark.parametrize(("entry", "exit_", "period", "expected"), [
    ("20120820", "20130605", "october", set()),
    ("20120820", "", "october", set()),
    ("20120820", "", "year-end", {"AM.course_exit_date.required"}),
    ("20120820", "20120820", "october", set()),
    ("20120820", "20120819", "october", {"AM.course_exit_date.before_entry"}),
    ("20120820", "20130701", "october", {"AM.course_exit_date.window"}),
    ("20120601", "20120630", "october", {"AM.course_exit_date.window"}),
    ("20130701", "", "october", {"AM.course_entry_date.after_year_end"}),
    ("20121345", "20130605", "october", {"AM.course_entry_date.date"}),
    ("20120820", "2013065 ", "october", {"AM.course_exit_date.date"}),
])
def test_course_dates(run_text, entry: str, exit_: str, period: str, expected: set[str]) -> None:
    res = run_one(run_text, "AM", {"course_entry_date": entry, "course_exit_date": exit_}, period=period)
    assert findings_on(res) == expected


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("aggregate_memb", "", set()),  # blank reads as 000
    ("aggregate_memb", "12", {"AM.aggregate_memb.format"}),
    ("actual_membership", "", set()),
    ("actual_membership", "045", set()),
    ("actual_membership", "45 ", {"AM.actual_membership.format"}),
    ("concurr_enrolled", "Y", set()),
    ("concurr_enrolled", "X", {"AM.concurr_enrolled.code"}),
    ("student_number", "0", {"AM.student_number.zero"}),
])
def test_other_am_fields(run_text, field: str, value: str, expected: set[str]) -> None:
    assert findings_on(run_one(run_text, "AM", {field: value})) == expected


def test_am_multi_fault_record(run_text) -> None:
    res = run_one(run_text, "AM", {
        "student_number": "0000", "course_number": "M", "period": "", "aggregate_memb": "",
        "course_entry_date": "20121001", "course_exit_date": "20120901", "credits_attempted": "0500",
        "credit_earned": "1000", "grade_earned": "4500", "actual_membership": "", "concurr_enrolled": "",
    }, period="year-end")
    assert findings_on(res) == {
        "AM.student_number.zero", "AM.course_number.length", "AM.period.required",
        "AM.course_exit_date.before_entry", "AM.credit_earned.above_attempted", "AM.grade_earned.range",
    }
