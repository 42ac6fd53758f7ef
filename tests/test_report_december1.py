"""December 1 count (`utrex report december-1`, reports.december_1): a hand-built state of two LEAs loaded into
the store on SQLite and PostgreSQL; every count is worked out by hand in the comments.

School year 2012-13 (2013): December 1, 2012 is a Saturday, so the count date is Monday December 3, 2012.
An enrollment (S1) or a SCRAM record (S2) is in membership on it when entry <= 2012-12-03 < exit (blank exit:
still enrolled / served). Age is as of December 1, 2012 itself (Environment Note 2: the December 1 update uses
the age as of the current December 1), not of the moved count date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from report_helpers import submit_clean
from utrex.cli.main import app
from utrex.reports import december_1 as D
from utrex.store import Store
from utrex.store import submissions as S
from utrex.testing import di_record, record

YEAR = 2013
START = "20120820"
STUDENT = {"gender": "M", "ethnicity": "N", "race_white": "Y", "grade_level": "10", "birth_date": "19970315",
           "entry_date": START, "exit_date": "", "exit_code": "", "resident_status": "U", "school_of_record": "",
           "homeless": "0", "accompanied": "", "school_membership": "", "days_attended": ""}
SPED = {"school_membership": "030"}  # an S2's SCRAM membership (020) may not exceed the school membership


def s1(lea: str, school: str, number: str, ssid: str, **values: str) -> tuple[str, dict[str, str]]:
    names = str.maketrans("0123456789", "ABCDEFGHIJ")  # names hold letters only
    return ("S1", {**STUDENT, "lea_number": lea, "school_number": school, "student_number": number, "ssid": ssid,
                   "last_name": f"LAST{number}".translate(names), "first_name": f"FIRST{number}".translate(names),
                   **values})


def s2(lea: str, school: str, number: str, **values: str) -> tuple[str, dict[str, str]]:
    # SL (learning disability), Time A, Regular Percent 1, Environment V unless said otherwise
    return ("S2", {"lea_number": lea, "school_number": school, "student_number": number, "disability_type": "SL",
                   "time": "A", "scram_entry_date": "20110905", "scram_exit_date": "", "scram_exit_reason": "",
                   "scram_membership": "020", "regular_percent": "1", "environment": "V", **values})


PK = {"grade_level": "PK", "birth_date": "20080601", **SPED}  # age 4 on December 1, 2012
LEA14_790 = [
    s1("14", "790", "201", "2000001", **SPED),  # born 1997-03-15: 15; SL, A, 1, V
    s2("14", "790", "201"),
    s1("14", "790", "202", "2000002", birth_date="19970601", **SPED),  # 15; SL, Time B, Regular 2
    s2("14", "790", "202", time="B", regular_percent="2"),
    s1("14", "790", "203", "2000003", birth_date="19961202", **SPED),  # 16 only on Dec 2: 15 on Dec 1 (on the
    s2("14", "790", "203", time="C", regular_percent="3"),  # count date, Dec 3, 16); SL, Time C, Regular 3
    s1("14", "790", "204", "2000004", exit_date="20121203", exit_code="TS", **SPED),  # exit ON the count
    s2("14", "790", "204"),  # date: not in membership, so not counted
    s1("14", "790", "205", "2000005", **SPED),  # SCRAM exit on the count date: no longer served
    s2("14", "790", "205", scram_exit_date="20121203", scram_exit_reason="A"),
    s1("14", "790", "206", "2000006", **SPED),  # SCRAM entry the day after the count date: not yet served
    s2("14", "790", "206", scram_entry_date="20121204"),
    s1("14", "790", "207", "2000007", resident_status="A", **SPED),  # non-Utah resident: not in membership
    s2("14", "790", "207"),
    s1("14", "790", "211", "2000011", homeless="2", accompanied="Y"),  # homeless 2 (motel), accompanied
    s1("14", "790", "212", "2000012", homeless="4", accompanied="N", **SPED),  # homeless 4, unaccompanied,
    s2("14", "790", "212"),  # and special education SL / 15 / V: in both counts
    s1("14", "790", "213", "2000013", school_of_record="N", school_membership="000"),  # not the school of record here: its S2
    s2("14", "790", "213", time="C", regular_percent="3"),  # counts at 704, its school of record (self-
    # contained, Time C: a school that is not the school of record reports school membership 000)
    s1("14", "790", "215", "2000015", entry_date="20121101", homeless="1", accompanied="Y"),  # came from LEA 07
    # (still open there), the most recent entry: in membership here; homeless 1, accompanied; no S2 here
]
LEA14_104 = [  # Jordan Elementary (PK-05)
    s1("14", "104", "208", "2000008", homeless="1", accompanied="Y", **PK),  # age 4, parentally placed (P):
    s2("14", "104", "208", disability_type="DD", regular_percent="", environment="P"),  # in NO Dec 1 report
    s1("14", "104", "209", "2000009", **PK),  # age 4, Early Childhood special class (C): DD / 4 / C,
    s2("14", "104", "209", disability_type="DD", regular_percent="", environment="C"),  # Regular Percent blank
    s1("14", "104", "210", "2000010", grade_level="01", birth_date="20060915", read_grade_level_fall="Y", **SPED),  # age 6 with P: the
    s2("14", "104", "210", disability_type="CD", environment="P"),  # exclusion is for ages 3-5 only: CD / 6 / P
]
LEA14_704 = [s1("14", "704", "213", "2000013", **SPED)]
LEA07_995 = [  # Davis Private School: a private-school student the LEA serves (School Membership PVT)
    s1("07", "995", "795", "2000795", school_membership="PVT"),  # SL / 15 / P (age 15: not excluded)
    s2("07", "995", "795", scram_membership="000", environment="P"),  # SCRAM membership 000 with PVT
]
LEA07_790 = [
    s1("07", "790", "701", "2000701", **SPED),  # SL / 15 / V at LEA 07
    s2("07", "790", "701"),
    s1("07", "790", "715", "2000015", **SPED),  # left for LEA 14 (entry 11-01 there): not a member here, so
    s2("07", "790", "715"),  # its open S2 at LEA 07 counts nowhere
]


def _file(lea: str, schools: Mapping[str, list[tuple[str, dict[str, str]]]]) -> str:
    lines = [di_record("december", {"lea_number": lea})]
    for school, body in schools.items():
        lines.append(record("SC", {"lea_number": lea, "school_number": school}))
        lines += [record(code, ov, school_year=YEAR) for code, ov in body]
    return "\r\n".join(lines) + "\r\n"


def load(store: Store, tmp_path: Path) -> dict[str, S.Submission]:
    subs = {}
    for lea, schools in (("14", {"790": LEA14_790, "104": LEA14_104, "704": LEA14_704}), ("07", {"790": LEA07_790, "995": LEA07_995})):
        path = tmp_path / f"lea{lea}.txt"
        path.write_bytes(_file(lea, schools).encode("ascii"))
        subs[lea] = submit_clean(store, path, lea)
    return subs


# By hand (the comments beside each record say why a student is in or out):
# special education, (LEA, school, disability, age, environment):
#   07/790 SL 15 V: 701 -> 1, Time A, Regular 1 (715's S2 counts nowhere: its student counts at LEA 14)
#   07/995 SL 15 P: 795 (PVT, parentally placed, but 15) -> 1, Time A, Regular 1
#   14/704 SL 15 V: 213 -> 1, Time C, Regular 3
#   14/104 CD 6 P: 210 -> 1, Time A, Regular 1
#   14/104 DD 4 C: 209 -> 1, Time A, Regular blank (Pre-K)
#   14/790 SL 15 V: 201, 202, 203, 212 -> 4; Time A 201, 212; B 202; C 203; Regular 1: 201, 212; 2: 202; 3: 203
#   out: 204 (exit on the count date), 205 (SCRAM exit on it), 206 (SCRAM entry after it), 207 (A), 208 (P, 4)
# homeless, (LEA, school, code, accompanied): 14/790 1 Y: 215; 2 Y: 211; 4 N: 212 (208 is homeless 1 but in no
#   December 1 report)
ZERO = {c: 0 for c in D.FLAGS}
SE, HL = D.SPECIAL_EDUCATION, D.HOMELESS
EXPECTED = {
    ("07", "790", SE, "SL", 15, "V", "", ""): {**ZERO, "students": 1, "time_a": 1, "regular_1": 1},
    ("07", "995", SE, "SL", 15, "P", "", ""): {**ZERO, "students": 1, "time_a": 1, "regular_1": 1},
    ("14", "704", SE, "SL", 15, "V", "", ""): {**ZERO, "students": 1, "time_c": 1, "regular_3": 1},
    ("14", "790", HL, "", None, "", "1", "Y"): {**ZERO, "students": 1},
    ("14", "790", HL, "", None, "", "2", "Y"): {**ZERO, "students": 1},
    ("14", "790", HL, "", None, "", "4", "N"): {**ZERO, "students": 1},
    ("14", "104", SE, "CD", 6, "P", "", ""): {**ZERO, "students": 1, "time_a": 1, "regular_1": 1},
    ("14", "104", SE, "DD", 4, "C", "", ""): {**ZERO, "students": 1, "time_a": 1, "regular_blank": 1},
    ("14", "790", SE, "SL", 15, "V", "", ""): {**ZERO, "students": 4, "time_a": 2, "time_b": 1, "time_c": 1,
                                               "regular_1": 2, "regular_2": 1, "regular_3": 1},
}
STUDENTS = {("07", "790", SE, "SL", 15, "V", "", ""): {"701"}, ("07", "995", SE, "SL", 15, "P", "", ""): {"795"}, ("14", "704", SE, "SL", 15, "V", "", ""): {"213"},
            ("14", "790", HL, "", None, "", "1", "Y"): {"215"}, ("14", "790", HL, "", None, "", "2", "Y"): {"211"},
            ("14", "790", HL, "", None, "", "4", "N"): {"212"}, ("14", "104", SE, "CD", 6, "P", "", ""): {"210"},
            ("14", "104", SE, "DD", 4, "C", "", ""): {"209"},
            ("14", "790", SE, "SL", 15, "V", "", ""): {"201", "202", "203", "212"}}


def _key(r: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(None if r[k] is None else (int(r[k]) if k == "age" else str(r[k]))  # type: ignore[call-overload]
                 for k in D.KEY)


def _by_key(counts: pl.DataFrame) -> dict[tuple[object, ...], dict[str, int]]:
    return {_key(r): {c: int(r[c]) for c in D.COUNT_COLUMNS} for r in counts.iter_rows(named=True)}


def test_the_count_date_moves_off_a_weekend_but_the_age_date_does_not(store) -> None:
    assert D.count_day(store, 2013) == dt.date(2012, 12, 3)  # December 1, 2012 was a Saturday
    assert D.count_day(store, 2012) == dt.date(2011, 12, 1)  # a Thursday: itself
    assert D.age_day(2013) == dt.date(2012, 12, 1)


def test_counts_equal_the_hand_count_and_the_detail_sums_to_them(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, detail, facts = D.compute(store, YEAR)
    assert facts["count_date"] == "2012-12-03" and facts["age_date"] == "2012-12-01"
    assert _by_key(counts) == EXPECTED
    assert facts["excluded_parentally_placed_3_to_5"] == 1  # 208
    assert (facts["special_education"], facts["homeless"], facts["students"]) == (9, 3, 12)
    got = {_key(r): set() for r in detail.iter_rows(named=True)}
    for r in detail.iter_rows(named=True):
        got[_key(r)].add(r["student_number"])
    assert got == STUDENTS
    sums = detail.group_by(D.KEY).agg(pl.len().alias("students"), *[pl.col(f).sum() for f in D.FLAGS])
    assert _by_key(sums) == EXPECTED
    # Time codes and Regular Percent each partition the special education students
    se = counts.filter(pl.col("count") == SE)
    assert se.select(pl.col("time_a") + pl.col("time_b") + pl.col("time_c") == pl.col("students")).to_series().all()
    assert se.select(pl.sum_horizontal([f for f in D.FLAGS if f.startswith("regular")]) == pl.col("students")
                     ).to_series().all()
    assert detail.filter(pl.col("student_number") == "203")["birth_date"].item() == "19961202"  # why age 15
    assert not {"ssn", "phone_number"} & set(detail.columns)


def test_scope_is_applied_after_the_school_of_record_is_decided_across_leas(store, tmp_path) -> None:
    load(store, tmp_path)
    lea07, d07, f07 = D.compute(store, YEAR, lea="7")
    assert _by_key(lea07) == {k: v for k, v in EXPECTED.items() if k[0] == "07"}
    assert set(d07["student_number"]) == {"701", "795"}  # 715's S2 is open, but its student counts at LEA 14
    assert f07["excluded_parentally_placed_3_to_5"] == 0
    school, _, facts = D.compute(store, YEAR, lea="14", school="704")
    assert _by_key(school) == {k: v for k, v in EXPECTED.items() if k[:2] == ("14", "704")}
    assert facts["scope"] == {"lea": "14", "school": "704"}


def test_small_counts_are_marked_not_dropped(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, _, _ = D.compute(store, YEAR)
    assert counts.height == len(EXPECTED)
    row = counts.filter((pl.col("lea_number") == "14") & (pl.col("disability") == "SL")
                        & (pl.col("school_number") == "790")).row(0, named=True)
    assert set(row["suppressed"].split(",")) == {"students", "time_a", "time_b", "time_c", "regular_1",
                                                 "regular_2", "regular_3"}  # regular_blank is 0: not marked


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["report", "december-1", "--school-year", str(YEAR), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


STRINGS = {k: pl.Utf8 for k in D.KEY if k != "age"}
BLANKS = [pl.col(c).fill_null("") for c in STRINGS]  # csv and xlsx write an empty string as an empty cell


def test_every_format_carries_the_same_numbers(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path)
    csv = pl.read_csv(_write(tmp_path / "c.csv", _cli()), schema_overrides=STRINGS).with_columns(BLANKS)
    assert _by_key(csv) == EXPECTED
    doc = json.loads(_cli("--format", "json", "--detail"))
    assert _by_key(pl.DataFrame(doc["counts"])) == EXPECTED
    assert len(doc["detail"]) == sum(v["students"] for v in EXPECTED.values()) == doc["students"] == 12
    detail_csv = pl.read_csv(_write(tmp_path / "d.csv", _cli("--detail")),
                             schema_overrides={**STRINGS, "student_number": pl.Utf8, "ssid": pl.Utf8})
    assert detail_csv.height == 12 and not {"ssn", "phone_number"} & set(detail_csv.columns)
    xlsx = tmp_path / "r.xlsx"
    _cli("--format", "xlsx", "--output", str(xlsx), "--detail")
    wb = openpyxl.load_workbook(xlsx)
    rows = list(wb["counts"].iter_rows(values_only=True))
    frame = pl.DataFrame(rows[1:], schema=list(rows[0]), orient="row").with_columns(BLANKS)
    assert _by_key(frame) == EXPECTED
    assert wb["detail"].max_row == 13  # a header and 12 rows
    html = _cli("--format", "html", "--detail")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    assert "special_education SL" in html and "<title>homeless: 3</title>" in html  # the chart's bars
    assert html.count("<h2>LEA ") == 5  # a table per school: 07/790, 07/995, 14/104, 14/704, 14/790
    assert "<a href='#d-14-790-special_education-SL-15-V--'>4</a>" in html  # the count links to its students
    assert "id='d-14-790-special_education-SL-15-V--'" in html
    scoped = pl.read_csv(_write(tmp_path / "s.csv", _cli("--lea", "14", "--school", "704")),
                         schema_overrides=STRINGS).with_columns(BLANKS)
    assert _by_key(scoped) == {k: v for k, v in EXPECTED.items() if k[:2] == ("14", "704")}


def test_finalized_reports_the_december_snapshots(store, tmp_path) -> None:
    from utrex.store.periods import finalize, prepare

    subs = load(store, tmp_path)
    today = dt.date(2012, 12, 10)
    for lea, sub in subs.items():
        finalize(store, prepare(store, lea, "december", sub.id, today), "tester", today)
    # after finalizing, LEA 07 resubmits without its special education student 701
    path = tmp_path / "lea07-later.txt"
    later = {"790": [r for r in LEA07_790 if r[1]["student_number"] != "701"], "995": LEA07_995}
    path.write_bytes(_file("07", later).encode("ascii"))
    assert S.submit(path, "07", store=store).status == "loaded"
    live, _, _ = D.compute(store, YEAR)
    assert _by_key(live) == {k: v for k, v in EXPECTED.items() if k[:2] != ("07", "790")}
    frozen, _, facts = D.compute(store, YEAR, finalized=True)
    assert _by_key(frozen) == EXPECTED and facts["finalized"] is True
    out = json.loads(_cli("--finalized", "--format", "json"))
    assert _by_key(pl.DataFrame(out["counts"])) == EXPECTED


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_state_with_nothing_loaded_gives_an_empty_report(store, fmt: str) -> None:
    counts, detail, facts = D.compute(store, YEAR)
    assert counts.is_empty() and detail.is_empty() and facts["students"] == 0
    assert _cli("--format", fmt)
