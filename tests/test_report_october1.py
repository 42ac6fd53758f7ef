"""October 1 Fall Enrollment (`utrex report october-1`, reports.october_1): a hand-built state of two LEAs
loaded into the store on SQLite and PostgreSQL; every count is worked out by hand in the comments.

School year 2011-12 (2012): October 1, 2011 is a Saturday, so the count date is Monday October 3, 2011.
An enrollment is in membership on it when entry <= 2011-10-03 < exit (blank exit: still enrolled); the
exit date is the day after the last day, so an exit dated October 3 means the last day was before it.
ELL 'F' counts within its monitoring window: a monitored entry date on or after July 1, 2009 (year end
2012: after 6/30/2009, two school years back, Limited English Note 2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from report_helpers import report_cli, submit_clean
from utrex.cli.main import app
from utrex.reports import october_1 as O
from utrex.reports.suppression import THRESHOLD
from utrex.store import Store
from utrex.store import submissions as S
from utrex.testing import di_record, record

YEAR = 2012
DI = {"school_year": "2012", "sisasofdate": "2011-10-03 10:00:00.000", "which_month": "OCT"}
START = "20110822"  # the first day of school
WHITE_BOY = {"gender": "M", "ethnicity": "N", "race_white": "Y", "grade_level": "10", "entry_date": START,
             "exit_date": "", "exit_code": "", "resident_status": "U", "school_of_record": "", "homeless": "0",
             "school_membership": "", "days_attended": "", "limited_english": "", "economic_disadv": "",
             "migrant": ""}
ELL = {"ell_native_language": "SPA", "ell_parent_language": "SPA"}


def s1(lea: str, school: str, number: str, ssid: str, **values: str) -> tuple[str, dict[str, str]]:
    return ("S1", {**WHITE_BOY, "lea_number": lea, "school_number": school, "student_number": number, "ssid": ssid,
                   "last_name": _letters(f"LAST{number}"), "first_name": _letters(f"FIRST{number}"), **values})


def _letters(text: str) -> str:
    """Names hold letters only: the student number's digits spelled as letters (0 -> A, 1 -> B ...)."""
    return text.translate(str.maketrans("0123456789", "ABCDEFGHIJ"))


def s2(lea: str, school: str, number: str, **values: str) -> tuple[str, dict[str, str]]:
    return ("S2", {"lea_number": lea, "school_number": school, "student_number": number, **values})


# LEA 14, school 790 (Jordan Online, 00-12), then school 704 (Jordan High, 09-12)
LEA14_790 = [
    s1("14", "790", "101", "1000001"),  # counted: grade 10, male, white
    s1("14", "790", "102", "1000002", gender="F", ethnicity="Y", limited_english="Y", ell_instruction_type="BIH",
       economic_disadv="F", **ELL),  # counted: grade 10, female, Hispanic (first), minority, ELL Y, econ F
    s1("14", "790", "103", "1000003", exit_date="20111003", exit_code="TS"),  # exit ON the count date: out
    s1("14", "790", "104", "1000004", gender="F", race_white="", race_asian="Y", exit_date="20111004",
       exit_code="TS"),  # exit the day after: in (last day Oct 3); grade 10, female, Asian, minority
    s1("14", "790", "105", "1000005", grade_level="09", entry_date="20111003", race_black="Y"),  # entry ON the
    # count date (the Monday): in; grade 09, male, black + white = two or more races, minority
    s1("14", "790", "106", "1000006", entry_date="20111004"),  # entry after the count date: out
    s1("14", "790", "107", "1000007", school_of_record="N"),  # not the school of record: out here
    s1("14", "790", "108", "1000008", resident_status="A"),  # non-Utah resident: out
    s1("14", "790", "109", "1000009", resident_status="F"),  # F1 foreign exchange: out
    s1("14", "790", "110", "1000010", resident_status="J"),  # J1 foreign exchange: out
    s1("14", "790", "112", "1000012", limited_english="F", ell_monitored_entry_date="20100630", **ELL),  # F,
    # fluent at the end of 2009-10: 2010-11 and 2011-12 are its two monitored years: ELL; grade 10 male white
    s1("14", "790", "113", "1000013", limited_english="F", ell_monitored_entry_date="20090630", economic_disadv="R",
       **ELL),  # F, fluent at the end of 2008-09: monitored 2009-10 and 2010-11, out of the window now: not ELL;
    # econ R; grade 10 male white
    s1("14", "790", "114", "1000014", grade_level="11", homeless="2", accompanied="Y", migrant="Y", economic_disadv="Y"),  # grade 11:
    # homeless (motel), migrant, econ Y
    s1("14", "790", "115", "1000015", grade_level="11", school_membership="030"),  # grade 11, special education (S2 below)
    s1("14", "790", "116", "1000016", grade_level="11", school_membership="030"),  # grade 11, S2 exited on the count date: not special ed
    s1("14", "790", "117", "1000017"),  # moved to LEA 07 on 2011-09-15 (LEA 14 never exited): counted at LEA 07
    s1("14", "790", "118", "1000018", entry_date="20110926"),  # came from LEA 07 (still open there), the most
    # recent entry: counted here; grade 10 male white
    s2("14", "790", "115", scram_entry_date="20100905", scram_membership="020"),
    s2("14", "790", "116", scram_entry_date="20100905", scram_membership="020", scram_exit_date="20111003", scram_exit_reason="A"),
]
LEA14_704 = [
    s1("14", "704", "107", "1000007"),  # the school of record of student 107: grade 10 male white
]
LEA07_790 = [
    s1("07", "790", "717", "1000017", entry_date="20110915"),  # the transfer from LEA 14: counted here
    s1("07", "790", "718", "1000018"),  # left for LEA 14 (entry 09-26 there), never exited: not counted here
    s1("07", "790", "719", "1000019"),  # grade 10 male white
]


def _file(lea: str, schools: Mapping[str, list[tuple[str, dict[str, str]]]]) -> str:
    lines = [di_record("october", {**DI, "lea_number": lea})]
    for school, body in schools.items():
        lines.append(record("SC", {"lea_number": lea, "school_number": school}))
        lines += [record(code, ov, school_year=YEAR) for code, ov in body]
        # the October 1 update must carry a course and its membership (AC, AM) for every school
        first = body[0][1]["student_number"]
        lines += [record("AC", {"lea_number": lea, "school_number": school}),
                  record("AM", {"lea_number": lea, "school_number": school, "student_number": first,
                                "course_entry_date": START, "course_exit_date": "", "aggregate_memb": ""})]
    return "\r\n".join(lines) + "\r\n"


def load(store: Store, tmp_path: Path) -> dict[str, S.Submission]:
    subs = {}
    for lea, schools in (("14", {"790": LEA14_790, "704": LEA14_704}), ("07", {"790": LEA07_790})):
        path = tmp_path / f"lea{lea}.txt"
        path.write_bytes(_file(lea, schools).encode("ascii"))
        subs[lea] = submit_clean(store, path, lea)
    return subs



# What the fixture must give, by hand (the comments beside each record say why a student is in or out):
# LEA 07 school 790 grade 10: 717 (transfer in, most recent entry), 719 -> 2 students, 2 male, 2 white.
# LEA 14 school 704 grade 10: 107 (its 790 enrollment is School of Record N) -> 1, male, white.
# LEA 14 school 790 grade 09: 105 -> 1, male, two or more races, minority.
# LEA 14 school 790 grade 10: 101, 102, 104, 112, 113, 118 -> 6; female 102, 104 -> 2, male 4;
#   hispanic 102; asian 104; white 101, 112, 113, 118 -> 4; minority 102, 104 -> 2;
#   ELL 102 (Y), 112 (F in window) -> 2 (113 is F out of the window); econ 102 (F), 113 (R) -> 2.
#   Out: 103 (exit on the count date), 106 (entry after it), 107 (N), 108/109/110 (A/F/J), 117 (moved to 07).
# LEA 14 school 790 grade 11: 114, 115, 116 -> 3 male white; econ 114 (Y); special education 115 (116's
#   S2 exited on the count date); homeless 114; migrant 114.
ZERO = {c: 0 for c in O.FLAGS}
EXPECTED = {
    ("07", "790", "10"): {**ZERO, "students": 2, "male": 2, "white": 2},
    ("14", "704", "10"): {**ZERO, "students": 1, "male": 1, "white": 1},
    ("14", "790", "09"): {**ZERO, "students": 1, "male": 1, "two_or_more_races": 1, "ethnic_minority": 1},
    ("14", "790", "10"): {**ZERO, "students": 6, "male": 4, "female": 2, "hispanic": 1, "asian": 1, "white": 4,
                          "ethnic_minority": 2, "ell": 2, "economically_disadvantaged": 2},
    ("14", "790", "11"): {**ZERO, "students": 3, "male": 3, "white": 3, "economically_disadvantaged": 1,
                          "special_education": 1, "homeless": 1, "migrant": 1},
}
STUDENTS = {("07", "790", "10"): {"717", "719"}, ("14", "704", "10"): {"107"}, ("14", "790", "09"): {"105"},
            ("14", "790", "10"): {"101", "102", "104", "112", "113", "118"}, ("14", "790", "11"): {"114", "115", "116"}}


def _by_key(counts: pl.DataFrame) -> dict[tuple[str, str, str], dict[str, int]]:
    return {(r["lea_number"], r["school_number"], r["grade_level"]): {c: int(r[c]) for c in O.COUNT_COLUMNS}
            for r in counts.iter_rows(named=True)}


def test_the_count_date_moves_off_a_weekend_and_the_ell_window_is_two_school_years() -> None:
    assert O.count_day(2012) == dt.date(2011, 10, 3)  # October 1, 2011 was a Saturday
    assert O.count_day(2013) == dt.date(2012, 10, 1)  # a Monday: itself
    assert O.ell_window_start(2011) == dt.date(2008, 7, 1)  # the specification's example: after 6/30/2008


def test_counts_equal_the_hand_count_and_the_detail_sums_to_them(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, detail, facts = O.compute(store, YEAR)
    assert facts["count_date"] == "2011-10-03"
    assert _by_key(counts) == EXPECTED
    assert counts.columns[:4] == ["lea_number", "school_number", "grade_level", "students"]
    # the students behind each count, and the detail sums to the counts
    got = detail.group_by(O.KEY).agg(pl.col("student_number"))
    assert {tuple(r[:3]): set(r[3]) for r in got.iter_rows()} == STUDENTS
    sums = detail.group_by(O.KEY).agg(pl.len().alias("students"), *[pl.col(f).sum() for f in O.FLAGS])
    assert _by_key(sums) == EXPECTED
    # the federal categories partition the students (Hispanic first, one race, two or more, none given)
    assert counts.select(pl.sum_horizontal(O.FEDERAL) == pl.col("students")).to_series().all()
    assert counts.select(pl.col("male") + pl.col("female") == pl.col("students")).to_series().all()
    assert detail.filter(pl.col("student_number") == "113")["limited_english"].item() == "F"  # why it is not ELL
    # a state report shows no SSN and no phone number
    assert not {"ssn", "phone_number"} & set(detail.columns)


def test_scope_is_applied_after_the_school_of_record_is_decided_across_leas(store, tmp_path) -> None:
    load(store, tmp_path)
    lea07, d07, _ = O.compute(store, YEAR, lea="7")  # normalized to 07
    # 718 is still open at LEA 07, but its most recent entry is at LEA 14: not counted here
    assert _by_key(lea07) == {k: v for k, v in EXPECTED.items() if k[0] == "07"}
    assert set(d07["student_number"]) == {"717", "719"}
    lea14, _, _ = O.compute(store, YEAR, lea="14")
    assert _by_key(lea14) == {k: v for k, v in EXPECTED.items() if k[0] == "14"}
    school, _, facts = O.compute(store, YEAR, lea="14", school="704")
    assert _by_key(school) == {("14", "704", "10"): EXPECTED[("14", "704", "10")]}
    assert facts["scope"] == {"lea": "14", "school": "704"}


def test_small_counts_are_marked_not_dropped(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, _, _ = O.compute(store, YEAR)
    assert counts.height == len(EXPECTED)  # every row is there, with its numbers
    row = counts.filter(pl.col("grade_level") == "11").row(0, named=True)
    marked = set(row["suppressed"].split(","))
    assert {"students", "special_education", "homeless", "migrant"} <= marked  # 1..9
    assert "female" not in marked and "hispanic" not in marked  # zero names no one
    assert THRESHOLD == 10
    from utrex.reports.suppression import mark_small_counts

    f = pl.DataFrame({"a": [0, 2, 3, 10]})
    assert mark_small_counts(f, ["a"], threshold=3)["suppressed"].to_list() == ["", "a", "", ""]


_cli = report_cli


def test_every_format_carries_the_same_numbers(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path)
    year = ["--school-year", str(YEAR)]
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli("october-1", *year)),
                      schema_overrides={k: pl.Utf8 for k in O.KEY})
    assert _by_key(csv) == EXPECTED
    doc = json.loads(_cli("october-1", *year, "--format", "json", "--detail"))
    assert _by_key(pl.DataFrame(doc["counts"])) == EXPECTED
    assert len(doc["detail"]) == sum(v["students"] for v in EXPECTED.values()) == doc["students"]
    detail_csv = pl.read_csv(_write(tmp_path / "d.csv", _cli("october-1", *year, "--detail")),
                             schema_overrides={k: pl.Utf8 for k in [*O.KEY, "student_number", "ssid"]})
    assert detail_csv.height == 13 and "ssn" not in detail_csv.columns and "phone_number" not in detail_csv.columns
    xlsx = tmp_path / "r.xlsx"
    _cli("october-1", *year, "--format", "xlsx", "--output", str(xlsx), "--detail")
    wb = openpyxl.load_workbook(xlsx)
    rows = list(wb["counts"].iter_rows(values_only=True))
    assert _by_key(pl.DataFrame(rows[1:], schema=list(rows[0]), orient="row")) == EXPECTED
    assert wb["detail"].max_row == 14  # a header and 13 students
    html = _cli("october-1", *year, "--format", "html", "--detail")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    assert html.count("<h2>LEA ") == 3  # a table per school: 07/790, 14/704, 14/790
    for (lea, school, grade), v in EXPECTED.items():  # each count links to its students
        assert f"<a href='#d-{lea}-{school}-{grade}'>{v['students']}</a>" in html
        assert f"id='d-{lea}-{school}-{grade}'" in html
    scoped = pl.read_csv(_write(tmp_path / "s.csv", _cli("october-1", *year, "--lea", "14", "--school", "704")),
                         schema_overrides={k: pl.Utf8 for k in O.KEY})
    assert _by_key(scoped) == {("14", "704", "10"): EXPECTED[("14", "704", "10")]}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(("args", "says"), [
    (["payroll"], "'payroll' is not a report; built: october-1"),
    (["october-1", "--school", "704"], "--school needs --lea"),
    (["october-1", "--format", "xlsx"], "--format xlsx needs --output"),
])
def test_usage_errors_exit_2(args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 2
    assert says in result.output


def test_finalized_reports_the_snapshots_not_the_later_live_records(store, tmp_path) -> None:
    from utrex.store.periods import finalize, prepare

    subs = load(store, tmp_path)
    today = dt.date(2011, 10, 10)
    for lea, sub in subs.items():
        finalize(store, prepare(store, lea, "october", sub.id, today), "tester", today)
    # after finalizing, LEA 14 resubmits without student 101
    later = {"790": [r for r in LEA14_790 if r[1]["student_number"] != "101"], "704": LEA14_704}
    path = tmp_path / "lea14-later.txt"
    path.write_bytes(_file("14", later).encode("ascii"))
    assert S.submit(path, "14", store=store).status == "loaded"
    live, _, _ = O.compute(store, YEAR)
    assert _by_key(live)[("14", "790", "10")]["students"] == 5  # 101 is gone from the records in force
    frozen, _, facts = O.compute(store, YEAR, finalized=True)
    assert _by_key(frozen) == EXPECTED and facts["finalized"] is True  # the October snapshots, as frozen
    out = json.loads(_cli("october-1", "--school-year", str(YEAR), "--finalized", "--format", "json"))
    assert _by_key(pl.DataFrame(out["counts"])) == EXPECTED


def test_a_charter_over_its_maximum_enrollment_is_flagged(store, tmp_path) -> None:
    import shutil
    from importlib import resources

    from utrex.store.reference import load_version

    # the shipped reference (2 students fit its cap of 900), then a version with Beehive Science Academy's
    # secondary campus (LEA 70, school 150) capped at 1
    folder = tmp_path / "reference"
    with resources.as_file(resources.files("utrex.reference") / "data" / "sample") as sample:
        shutil.copytree(sample, folder)
    schools = folder / "schools.csv"
    schools.write_text(schools.read_text().replace("70,150,Beehive Science Academy Secondary Campus,07,12,900,",
                                                   "70,150,Beehive Science Academy Secondary Campus,07,12,1,"))
    load(store, tmp_path)
    charter = [s1("70", "150", "701", "1000070", district_of_residence="14"),
               s1("70", "150", "702", "1000071", district_of_residence="07")]
    path = tmp_path / "lea70.txt"
    path.write_bytes(_file("70", {"150": charter}).encode("ascii"))
    sub = S.submit(path, "70", store=store)
    assert sub.status == "loaded" and sub.held == 0, S.submission_findings(store, sub.id).rows()
    # the file's own check (SC.school_number.charter_max_enrollment) holds a file over its cap, so the cap is
    # lowered after the load: the report reads the reference version in force when it runs
    load_version(store, folder)
    counts, detail, _ = O.compute(store, YEAR)
    rows = {k: (r["charter_max_enrollment"], r["over_charter_max"])
            for k, r in zip(_by_key(counts), counts.iter_rows(named=True), strict=True)}
    assert rows[("70", "150", "10")] == (1, True)  # 2 students, at most 1
    assert rows[("14", "790", "10")] == (None, False)  # a district school has no cap
    assert sorted(detail.filter(pl.col("lea_number") == "70")["district_of_residence"]) == ["07", "14"]
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli("october-1", "--school-year", str(YEAR), "--lea", "70")),
                      schema_overrides={k: pl.Utf8 for k in O.KEY})
    assert csv.select("students", "charter_max_enrollment", "over_charter_max").rows() == [(2, 1, True)]


def test_without_school_year_the_latest_the_store_holds_is_reported(store, tmp_path) -> None:
    load(store, tmp_path)
    default = pl.read_csv(_write(tmp_path / "d.csv", _cli("october-1")), infer_schema=False)
    explicit = pl.read_csv(_write(tmp_path / "e.csv", _cli("october-1", "--school-year", str(YEAR))),
                           infer_schema=False)
    assert default.height > 0 and default.equals(explicit)
    result = CliRunner().invoke(app, ["report", "october-1", "--school-year", str(YEAR + 5)])
    assert result.exit_code == 0 and "nothing to count" in result.output


def _charter(store: Store, tmp_path: Path) -> None:
    """Charter LEA 70, school 150 (Beehive Science Academy Secondary Campus, 07-12), by District of Residence."""
    charter = [s1("70", "150", "701", "1000070", district_of_residence="14"),
               s1("70", "150", "702", "1000071", district_of_residence="14"),
               s1("70", "150", "703", "1000072", district_of_residence="07"),
               s1("70", "150", "704", "1000073", grade_level="09", district_of_residence="42")]
    path = tmp_path / "lea70.txt"
    path.write_bytes(_file("70", {"150": charter}).encode("ascii"))
    sub = S.submit(path, "70", store=store)
    assert sub.status == "loaded" and sub.held == 0, S.submission_findings(store, sub.id).rows()


def _residence(counts: pl.DataFrame) -> dict[tuple[str, str, str], dict[str, int | None]]:
    """Each row's non-zero residence columns (None: the row has none, a regular district's)."""
    out: dict[tuple[str, str, str], dict[str, int | None]] = {}
    for r in counts.iter_rows(named=True):
        values = [r[c] for c in O.RESIDENCE_COLUMNS]
        out[(str(r["lea_number"]), str(r["school_number"]), str(r["grade_level"]))] = (
            None if all(v is None for v in values) else {c: int(r[c]) for c in O.RESIDENCE_COLUMNS if r[c]})
    return out


def test_charters_break_down_by_district_of_residence_in_every_format(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path)
    _charter(store, tmp_path)
    # by hand: LEA 70 school 150 grade 10: 701 and 702 live in district 14, 703 in district 07 -> 3 students,
    # residence_14 2, residence_07 1; grade 09: 704 in district 42 -> 1. The districts' own rows (LEAs 07 and
    # 14) have no residence breakdown: null, not zero.
    expected = {("70", "150", "09"): {"residence_42": 1}, ("70", "150", "10"): {"residence_14": 2, "residence_07": 1},
                **{k: None for k in EXPECTED}}
    counts, detail, _ = O.compute(store, YEAR)
    assert _residence(counts) == expected
    assert len(O.RESIDENCE_COLUMNS) == 42 and O.RESIDENCE_COLUMNS[-2:] == ["residence_42", "residence_not_given"]
    charter = counts.filter(pl.col("lea_number") == "70")
    assert charter.select(pl.sum_horizontal(O.RESIDENCE_COLUMNS) == pl.col("students")).to_series().all()
    # the detail sums to them: each charter student's district_of_residence
    by = detail.filter(pl.col("lea_number") == "70").group_by("grade_level", "district_of_residence").len()
    assert sorted(by.rows()) == [("09", "42", 1), ("10", "07", 1), ("10", "14", 2)]
    # 1..9 marked (2 and 1 here), zero not
    row = charter.filter(pl.col("grade_level") == "10").row(0, named=True)
    marked = set(row["suppressed"].split(","))
    assert {"residence_14", "residence_07", "students"} <= marked and "residence_01" not in marked
    # the same numbers in csv (columns after the breakdowns), json and xlsx
    year = ["--school-year", str(YEAR)]
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli("october-1", *year)), schema_overrides={k: pl.Utf8 for k in O.KEY})
    assert csv.columns[:4] == ["lea_number", "school_number", "grade_level", "students"]
    assert _residence(csv) == expected
    doc = json.loads(_cli("october-1", *year, "--format", "json"))
    assert _residence(pl.DataFrame(doc["counts"], infer_schema_length=None)) == expected
    xlsx = tmp_path / "r.xlsx"
    _cli("october-1", *year, "--format", "xlsx", "--output", str(xlsx))
    rows = list(openpyxl.load_workbook(xlsx)["counts"].iter_rows(values_only=True))
    assert _residence(pl.DataFrame(rows[1:], schema=list(rows[0]), orient="row", infer_schema_length=None)) == expected
    from utrex.reports.trend import trend

    # the charter summary's trend: LEA 70's one load counts its 4 students
    assert [p["students"] for p in trend(store, "charter-summary", YEAR, "70")] == [4]


def test_a_residence_not_given_is_counted_not_dropped() -> None:
    # two charter students whose District of Residence names no regular district (blank, 41) and one in 03:
    # residence_not_given 2, residence_03 1, and they sum to students (3)
    students = pl.DataFrame({"lea_number": ["70"] * 3, "school_number": ["150"] * 3, "grade_level": ["10"] * 3,
                             "district_of_residence": ["", "41", "03"], **{f: [False] * 3 for f in O.FLAGS}})
    row = O.counts(students).row(0, named=True)
    assert (row["students"], row["residence_not_given"], row["residence_03"], row["residence_04"]) == (3, 2, 1, 0)
    assert "residence_41" not in row  # 41 is no regular district: no column of its own


def _trend_loads(store: Store, tmp_path: Path) -> tuple[dict[str, int], list[int]]:
    """LEA 14's school year in four loads (after `load`), each count worked out by hand:
    1. `load`: 704: 107; 790: 105, six in grade 10, 114-116 -> 11 students.
    2. the same without 101 -> 10.
    3. a new student 120 (grade 10, in), and 102 sent with gender Z: held, so 102's version from load 2 stays
       in force (stale) and still counts -> 11 (10 if a held record were dropped).
    4. a rollback to load 2: its records again (120 gone, 102 as then) -> 10.
    Returns the ids and the report's live count for LEA 14 taken right after each load."""
    from utrex.store.rollback import rollback

    first = load(store, tmp_path)["14"].id
    ids = {"first": first}
    live = [_live_14(store)]
    without_101 = [r for r in LEA14_790 if r[1]["student_number"] != "101"]
    third = [s1("14", "790", "120", "1000020"),
             *[s1("14", "790", "102", "1000002", gender="Z") if r[1]["student_number"] == "102" else r
               for r in without_101]]
    for name, body, held in (("second", without_101, 0), ("third", third, 1)):
        path = tmp_path / f"lea14-{name}.txt"
        path.write_bytes(_file("14", {"790": body, "704": LEA14_704}).encode("ascii"))
        sub = S.submit(path, "14", store=store)
        assert sub.status == "loaded" and sub.held == held, S.submission_findings(store, sub.id).rows()
        ids[name] = sub.id
        live.append(_live_14(store))
    ids["rollback"] = rollback("14", ids["second"], "the third file was wrong", "tester", store=store).id
    live.append(_live_14(store))
    return ids, live


def _live_14(store: Store) -> int:
    return int(O.compute(store, YEAR, lea="14")[0]["students"].sum())


def test_the_trend_is_the_count_after_each_load_rebuilt_from_the_archived_files(store, tmp_path) -> None:
    from utrex.reports.trend import trend

    ids, live = _trend_loads(store, tmp_path)
    points = trend(store, "october-1", YEAR, "14")
    assert [(p["submission"], p["kind"], p["restores"], p["students"]) for p in points] == [
        (ids["first"], "submission", None, 11), (ids["second"], "submission", None, 10),
        (ids["third"], "submission", None, 11), (ids["rollback"], "rollback", ids["second"], 10)]
    # each point is what the report counted live right after that load (the rebuilt records are the real ones)
    assert [p["students"] for p in points] == live
    # one school: 790 has all but 107 -> 10, 9, 10, 9; LEA 07's one load: 717 and 719 -> 2
    assert [p["students"] for p in trend(store, "october-1", YEAR, "14", "790")] == [10, 9, 10, 9]
    assert [p["students"] for p in trend(store, "october-1", YEAR, "07")] == [2]
    assert trend(store, "compliance", YEAR, "14") == []  # no trend for that report


def test_the_html_draws_the_trend_for_one_lea_only(store, tmp_path) -> None:
    import re

    ids, _ = _trend_loads(store, tmp_path)
    page = _cli("october-1", "--school-year", str(YEAR), "--lea", "14", "--format", "html")
    chart = page.split("after each submission loaded")[-1].split("</figure>")[0]  # from its aria-label on
    assert [int(n) for n in re.findall(r"class='value'[^>]*>(\d+)<", chart)] == [11, 10, 11, 10]
    assert f"#{ids['rollback']} (rollback to #{ids['second']})" in chart and chart.count("<circle") == 4
    assert "<polyline" in chart and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    everyone = _cli("october-1", "--school-year", str(YEAR), "--format", "html")  # the state: no trend
    assert "after each submission loaded" not in everyone and "<polyline" not in everyone
    assert "after each submission loaded" not in _cli("october-1", "--school-year", str(YEAR), "--lea", "14")  # csv


def test_the_json_carries_the_same_trend_as_the_html(store, tmp_path) -> None:
    import json

    _trend_loads(store, tmp_path)
    doc = json.loads(_cli("october-1", "--school-year", str(YEAR), "--lea", "14", "--format", "json"))
    assert [p["students"] for p in doc["trend"]] == [11, 10, 11, 10]  # the same points the html draws
    everyone = json.loads(_cli("october-1", "--school-year", str(YEAR), "--format", "json"))
    assert "trend" not in everyone  # the state: no trend
