"""Year-End membership and attendance (`utrex report year-end`, reports.year_end): a hand-built state of two
LEAs loaded into the store on SQLite and PostgreSQL; every number is worked out by hand in the comments.

School year 2012-13 (2013). Membership and Days Attended are reported in 180-day equivalents (Note 5), so
the aggregates are sums and ADM/ADA are the sums over 180 (two decimals). An enrollment counts at a school
of record (School of Record N: none), never resident status A, F or J; the self-contained (time C) S2 and
S3 membership of a student at the school is added to the student's enrollment there (to the most recent
entry when there are two); resource (time A/B) membership is already in the S1 School Membership.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest

from report_helpers import report_cli, submit_clean
from utrex.reports import completion
from utrex.reports import year_end as Y
from utrex.store import Store
from utrex.store import submissions as S
from utrex.testing import di_record, record

YEAR = 2013
PERIOD = "year-end"
START = "20120820"
PLAIN = {"entry_date": START, "exit_date": "", "exit_code": "", "resident_status": "U", "school_of_record": "",
         "homeless": "0", "limited_english": "", "concentrator": "", "grade_level": "10", "phone_number": "8015551234"}


def s1(lea: str, number: str, ssid: str, membership: str, attended: str, **values: str) -> tuple[str, dict[str, str]]:
    return ("S1", {**PLAIN, "lea_number": lea, "school_number": "790", "student_number": number, "ssid": ssid,
                   "school_membership": membership, "days_attended": attended, **values})


def s2(lea: str, number: str, time: str, membership: str) -> tuple[str, dict[str, str]]:
    return ("S2", {"lea_number": lea, "school_number": "790", "student_number": number, "time": time,
                   "scram_membership": membership})


def s3(lea: str, number: str, time: str, membership: str) -> tuple[str, dict[str, str]]:
    return ("S3", {"lea_number": lea, "school_number": "790", "student_number": number, "time": time,
                   "yic_membership": membership})


LEA14 = [
    s1("14", "201", "2000001", "170", "160"),  # grade 10: 170 membership, 160 attended
    s1("14", "202", "2000002", "090", "150"),  # grade 10: 90 regular + 80 self-contained (S2 time C) = 170;
    s2("14", "202", "C", "080"),  # attended 150 (Days Attended includes the self-contained days)
    s1("14", "203", "2000003", "100", "095"),  # grade 10: resource S2 (time A): its 100 days are already
    s2("14", "203", "A", "100"),  # in the S1 membership, so 100 (not 200); attended 95
    s1("14", "204", "2000004", "000", "000", school_of_record="N"),  # not the school of record: out
    s1("14", "205", "2000005", "170", "165", resident_status="A"),  # non-Utah resident: out
    s1("14", "207", "2000007", "175", "170", grade_level="11", concentrator="510000"),  # grade 11, CTE
    s1("14", "208", "2000008", "100", "150", grade_level="11", limited_english="Y", ell_instruction_type="BIH",
       ell_native_language="SPA", ell_parent_language="SPA", homeless="2", accompanied="Y"),  # grade 11:
    s3("14", "208", "C", "060"),  # 100 regular + 60 self-contained YIC = 160; attended 150; ELL, homeless
    s1("14", "209", "2000009", "030", "030", exit_date="20121015", exit_code="TC"),  # grade 10, two
    s1("14", "209", "2000009", "080", "075", entry_date="20130107"),  # enrollments: 30 + 80 regular; its
    s2("14", "209", "C", "020"),  # self-contained 20 goes on the re-entry (the most recent entry) only
]
LEA07 = [s1("07", "701", "2000701", "180", "175")]  # grade 10: 180 membership, 175 attended

# By hand:
# 07/790/10: 701 -> 1 enrollment; 180 regular; 180 membership; 175 attended; ADM 1.0; ADA 175/180 = 0.97.
# 14/790/10: 201, 202, 203, 209 (twice) -> 5 enrollments; regular 170+90+100+30+80 = 470; self-contained
#   special education 80 (202) + 20 (209) = 100; membership 570; attended 160+150+95+30+75 = 510;
#   ADM 570/180 = 3.1667 -> 3.17; ADA 510/180 = 2.8333 -> 2.83. Out: 204 (N), 205 (A).
# 14/790/11: 207, 208 -> 2; regular 175+100 = 275; YIC 60; membership 335; attended 170+150 = 320;
#   ADM 335/180 = 1.8611 -> 1.86; ADA 320/180 = 1.7778 -> 1.78; CTE 207; ELL 208; homeless 208.
Z = {"self_contained_sped_days": 0, "self_contained_yic_days": 0, "cte_concentrator": 0, "ell": 0, "homeless": 0}
EXPECTED = {
    ("07", "790", "10"): {**Z, "students": 1, "school_membership_days": 180, "membership_days": 180,
                          "attendance_days": 175, "adm": 1.0, "ada": 0.97},
    ("14", "790", "10"): {**Z, "students": 5, "school_membership_days": 470, "self_contained_sped_days": 100,
                          "membership_days": 570, "attendance_days": 510, "adm": 3.17, "ada": 2.83},
    ("14", "790", "11"): {**Z, "students": 2, "school_membership_days": 275, "self_contained_yic_days": 60,
                          "membership_days": 335, "attendance_days": 320, "adm": 1.86, "ada": 1.78,
                          "cte_concentrator": 1, "ell": 1, "homeless": 1},
}
NUMBERS = ["students", *Y.SUMS, "adm", "ada", *Y.FLAGS]


def _file(lea: str, body: list[tuple[str, dict[str, str]]]) -> str:
    lines = [di_record(PERIOD, {"lea_number": lea}), record("SC", {"lea_number": lea, "school_number": "790"})]
    lines += [record(code, ov, school_year=YEAR) for code, ov in body]
    # a Year-End update carries a course, and every student with more than 10 days a course membership
    lines.append(record("AC", {"lea_number": lea, "school_number": "790"}))
    lines += [record("AM", {"lea_number": lea, "school_number": "790", "student_number": n})
              for n in dict.fromkeys(ov["student_number"] for code, ov in body if code == "S1")]
    return "\r\n".join(lines) + "\r\n"


def load(store: Store, tmp_path: Path, leas: Mapping[str, list[tuple[str, dict[str, str]]]] | None = None,
         ) -> dict[str, S.Submission]:
    subs = {}
    for lea, body in (leas or {"14": LEA14, "07": LEA07}).items():
        path = tmp_path / f"lea{lea}.txt"
        path.write_bytes(_file(lea, body).encode("ascii"))
        subs[lea] = submit_clean(store, path, lea)
    return subs


def _by_key(counts: pl.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    return {(r["lea_number"], r["school_number"], r["grade_level"]): {c: r[c] for c in NUMBERS}
            for r in counts.iter_rows(named=True)}


def test_counts_equal_the_hand_count_and_the_detail_sums_to_them(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, detail, facts = Y.compute(store, YEAR)
    assert _by_key(counts) == EXPECTED
    assert facts["students"] == detail.height == 8
    sums = Y.counts(detail)  # the counts are the detail's group-by: recomputed from the detail alone
    assert _by_key(sums) == EXPECTED
    got = detail.group_by(Y.KEY).agg(pl.col("student_number").sort())
    assert {tuple(r[:3]): r[3] for r in got.iter_rows()} == {
        ("07", "790", "10"): ["701"], ("14", "790", "10"): ["201", "202", "203", "209", "209"],
        ("14", "790", "11"): ["207", "208"]}
    # the self-contained days of 209 sit on its re-entry only
    s209 = detail.filter(pl.col("student_number") == "209").sort("entry_date")
    assert s209["self_contained_sped_days"].to_list() == [0, 20]
    assert not {"ssn", "phone_number"} & set(detail.columns)
    assert set(Y.DETAIL_COLUMNS) == set(detail.columns)


def test_scope_and_small_counts(store, tmp_path) -> None:
    load(store, tmp_path)
    lea07, _, _ = Y.compute(store, YEAR, lea="7")
    assert _by_key(lea07) == {k: v for k, v in EXPECTED.items() if k[0] == "07"}
    school, _, facts = Y.compute(store, YEAR, lea="14", school="790")
    assert _by_key(school) == {k: v for k, v in EXPECTED.items() if k[0] == "14"}
    assert facts["scope"] == {"lea": "14", "school": "790"}
    counts, _, _ = Y.compute(store, YEAR)
    row = counts.filter(pl.col("grade_level") == "11").row(0, named=True)
    # head counts of 1..9 are marked; day sums are not head counts and never marked; zero names no one
    assert set(row["suppressed"].split(",")) == {"students", "cte_concentrator", "ell", "homeless"}


_cli = report_cli


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_every_format_carries_the_same_numbers(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path)
    year = ["year-end", "--school-year", str(YEAR)]
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli(*year)), schema_overrides={k: pl.Utf8 for k in Y.KEY})
    assert _by_key(csv) == EXPECTED
    doc = json.loads(_cli(*year, "--format", "json", "--detail"))
    assert _by_key(pl.DataFrame(doc["counts"])) == EXPECTED
    assert len(doc["detail"]) == 8 and sum(r["membership_days"] for r in doc["detail"]) == 180 + 570 + 335
    xlsx = tmp_path / "r.xlsx"
    _cli(*year, "--format", "xlsx", "--output", str(xlsx), "--detail")
    wb = openpyxl.load_workbook(xlsx)
    rows = list(wb["counts"].iter_rows(values_only=True))
    assert _by_key(pl.DataFrame(rows[1:], schema=list(rows[0]), orient="row")) == EXPECTED
    assert wb["detail"].max_row == 9
    html = _cli(*year, "--format", "html", "--detail")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "8015551234" not in html and "phone_number" not in html
    for (lea, school, grade), v in EXPECTED.items():
        assert f"<a href='#d-{lea}-{school}-{grade}'>{v['students']}</a>" in html


@pytest.mark.parametrize("finalize_first", [True])
def test_finalized_reports_the_year_end_snapshots(store, tmp_path, finalize_first: bool) -> None:
    import datetime as dt

    from utrex.store.periods import finalize, prepare

    subs = load(store, tmp_path)
    today = dt.date(2013, 7, 5)
    for lea, sub in subs.items():
        finalize(store, prepare(store, lea, "year-end", sub.id, today), "tester", today)
    later = [r for r in LEA14 if r[1]["student_number"] != "201"]  # resubmitted without 201 after finalizing
    path = tmp_path / "lea14-later.txt"
    path.write_bytes(_file("14", later).encode("ascii"))
    assert S.submit(path, "14", store=store).status == "loaded"
    live, _, _ = Y.compute(store, YEAR)
    assert _by_key(live)[("14", "790", "10")]["students"] == 4
    frozen, _, facts = Y.compute(store, YEAR, finalized=True)
    assert _by_key(frozen) == EXPECTED and facts["finalized"] is True


# --- high-school completion outcomes and exit codes (reports/completion.py) ---------------------------------
# LEA 21, school 790: seniors (grade 12) with a completion status as of July 15, some exited, and one junior.
SENIOR = {"grade_level": "12"}
LEA21 = [
    s1("21", "301", "2000301", "170", "160", **SENIOR, hs_completion_status="GR"),  # basic diploma
    s1("21", "302", "2000302", "170", "160", **SENIOR, hs_completion_status="GR"),  # basic diploma
    s1("21", "303", "2000303", "170", "160", **SENIOR, hs_completion_status="GG"),  # Utah HS completion (GED)
    s1("21", "304", "2000304", "170", "160", **SENIOR, hs_completion_status="CT"),  # certificate
    s1("21", "305", "2000305", "170", "160", **SENIOR, hs_completion_status="DO"),  # dropout (status)
    s1("21", "306", "2000306", "170", "160", **SENIOR, hs_completion_status="RT"),  # retained senior
    s1("21", "307", "2000307", "170", "160", **SENIOR, hs_completion_status="GP"),  # graduation pending
    s1("21", "308", "2000308", "130", "120", **SENIOR, exit_date="20130315", exit_code="Q3",
       hs_completion_status="GR"),  # early graduate, 3rd quarter: exit Q3 and a basic diploma
    s1("21", "309", "2000309", "170", "160", **SENIOR, exit_date="20130601", exit_code="OG",
       hs_completion_status="CT"),  # other graduate (completer): exit OG and a certificate
    s1("21", "310", "2000310", "050", "045", **SENIOR, exit_date="20121115", exit_code="DO"),  # exit DO only
    s1("21", "311", "2000311", "060", "055", grade_level="11", exit_date="20121201", exit_code="TS"),  # junior
    s1("21", "312", "2000312", "060", "055", **SENIOR, exit_date="20121201", exit_code="TS"),  # transferred
    s1("21", "313", "2000313", "170", "160", **SENIOR, resident_status="A", hs_completion_status="GR"),  # out
    s1("21", "314", "2000314", "000", "000", **SENIOR, school_of_record="N", hs_completion_status="GR"),  # out
    s1("21", "315", "2000315", "170", "160", **SENIOR, hs_completion_status="G3"),  # diploma, UAA (Note 6:
    s2("21", "315", "A", "100"),  # G3 needs a SCRAM record; resource time, so no days added)
]
# By hand (enrollments at a school of record, resident status not A/F/J; 313 (A) and 314 (N) are out):
# 21/790/12: 301-310, 312, 315 -> 12 enrollments.
#   graduates by diploma: GR 301, 302, 308 = 3; G3 315 = 1; GG 303 = 1; GM 0; GC 0 -> graduates 5.
#   certificates CT 304, 309 = 2; dropouts DO 305 = 1 (310's exit code DO is an exit code, not a completion
#   status: not a completion dropout); retained RT 306 = 1; pending GP 307 = 1; aged out 0.
#   exit codes: Q3 308, OG 309, DO 310, TS 312 -> 1 each; every other exit code 0.
# 21/790/11: 311 -> 1 enrollment; no completion status; exit TS 1.
OUTCOMES_12 = {"graduates": 5, "graduates_gr": 3, "graduates_g3": 1, "graduates_gm": 0, "graduates_gc": 0,
               "graduates_gg": 1, "certificates": 2, "dropouts": 1, "retained_seniors": 1, "pending": 1,
               "aged_out": 0}
EXITS_12 = {"exit_q3": 1, "exit_og": 1, "exit_do": 1, "exit_ts": 1}
COMPLETION = completion.COUNT_COLUMNS


def _expected_completion() -> dict[tuple[str, str, str], dict[str, int]]:
    zero = dict.fromkeys(COMPLETION, 0)
    return {("21", "790", "11"): {**zero, "students": 1, "exit_ts": 1},
            ("21", "790", "12"): {**zero, "students": 12, **OUTCOMES_12, **EXITS_12}}


def _completion_by_key(counts: pl.DataFrame) -> dict[tuple[str, str, str], dict[str, int]]:
    return {(r["lea_number"], r["school_number"], r["grade_level"]): {c: r[c] for c in ["students", *COMPLETION]}
            for r in counts.iter_rows(named=True)}


def test_completion_outcomes_and_exit_codes_equal_the_hand_count(store, tmp_path) -> None:
    load(store, tmp_path, {"21": LEA21})
    counts, detail, _ = Y.compute(store, YEAR)
    assert _completion_by_key(counts) == _expected_completion()
    assert _completion_by_key(Y.counts(detail)) == _expected_completion()  # the detail's group-by
    by_student = {r["student_number"]: (r["exit_code"], r["hs_completion_status"], r["completion_outcome"])
                  for r in detail.iter_rows(named=True)}
    assert by_student["303"] == ("", "GG", "graduate")
    assert by_student["309"] == ("OG", "CT", "certificate")
    assert by_student["310"] == ("DO", "", None)  # an exit DO has no completion outcome
    assert by_student["306"][2] == "retained" and by_student["307"][2] == "pending"
    assert {"313", "314"}.isdisjoint(by_student)
    # every outcome and exit count of 1..9 is marked small; zero is not
    row = counts.filter(pl.col("grade_level") == "12").row(0, named=True)
    marked = set(row["suppressed"].split(","))
    assert marked == {c for c, v in {**OUTCOMES_12, **EXITS_12}.items() if v > 0}
    assert "students" not in marked  # 12 is publishable


def test_completion_columns_in_every_format(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path, {"21": LEA21})
    year = ["year-end", "--school-year", str(YEAR), "--lea", "21"]
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli(*year)), schema_overrides={k: pl.Utf8 for k in Y.KEY})
    assert _completion_by_key(csv) == _expected_completion()
    doc = json.loads(_cli(*year, "--format", "json", "--detail"))
    assert _completion_by_key(pl.DataFrame(doc["counts"])) == _expected_completion()
    assert sorted(r["hs_completion_status"] for r in doc["detail"] if r["completion_outcome"] == "graduate") == [
        "G3", "GG", "GR", "GR", "GR"]
    xlsx = tmp_path / "r.xlsx"
    _cli(*year, "--format", "xlsx", "--output", str(xlsx))
    rows = list(openpyxl.load_workbook(xlsx)["counts"].iter_rows(values_only=True))
    assert _completion_by_key(pl.DataFrame(rows[1:], schema=list(rows[0]), orient="row")) == _expected_completion()
    html = _cli(*year, "--format", "html")
    assert "<th>graduates_gr</th>" in html and "<th>exit_q3</th>" in html
    assert "<td class='small'>5</td>" in html  # graduates 5: marked
