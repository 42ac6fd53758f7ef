"""Year-End discipline incidents (`utrex report year-end`, part `discipline`; reports.discipline): a hand-built
state of two LEAs loaded into the store on SQLite and PostgreSQL; every number is worked out by hand below.

Each I2 is one student in one incident, counted under its PI (primary) infraction type and its action (the
Discipline Method with In School: SN suspended out of school, SY in school, EN expelled out of school, none
for a blank method). Per LEA, school, infraction type and action: `incidents` distinct Incident IDs,
`students` distinct students, `involvements` I2 rows, `days` the Number of Days summed.
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
from utrex.reports import discipline as D
from utrex.store import Store
from utrex.store import submissions as S
from utrex.testing import di_record, record

YEAR = 2013
Rec = tuple[str, dict[str, str]]
PLAIN = {"entry_date": "20120820", "exit_date": "", "exit_code": "", "resident_status": "U", "school_of_record": "",
         "homeless": "0", "limited_english": "", "concentrator": "", "grade_level": "10",
         "school_membership": "170", "days_attended": "160"}


def s1(lea: str, number: str, ssid: str, last: str, **values: str) -> Rec:
    return ("S1", {**PLAIN, "lea_number": lea, "school_number": "790", "student_number": number, "ssid": ssid,
                   "last_name": last, "first_name": "PAT", **values})


def i1(lea: str, incident: str, date: str) -> Rec:
    return ("I1", {"lea_number": lea, "school_number": "790", "incident_id": incident, "incident_date": date})


def i2(lea: str, incident: str, number: str, infraction: str, method: str, days: str, in_school: str,
       role: str = "O", **values: str) -> Rec:
    return ("I2", {"lea_number": lea, "school_number": "790", "incident_id": incident, "student_number": number,
                   "pi_infraction_type": infraction, "discipline_method": method, "number_of_days": days,
                   "in_school": in_school, "pi_role": role, "caused_incident": "N" if role == "V" else "Y",
                   **values})


LEA14 = [
    s1("14", "201", "2000201", "ADAMS", exit_date="20121015", exit_code="TC", school_membership="030",
       days_attended="030"),  # 201 has two enrollments at the school: the name is joined once, not twice
    s1("14", "201", "2000201", "ADAMS", entry_date="20130107", school_membership="080", days_attended="075"),
    s1("14", "202", "2000202", "BAKER"),
    s1("14", "203", "2000203", "CLARK"),
    s1("14", "204", "2000204", "DAVIS"),
    s1("14", "205", "2000205", "EVANS"),
    s1("14", "206", "2000206", "FOSTER"),  # in no incident
    i1("14", "10001", "20121010"),  # a fight: 201 (3 days) and 202 (2 days), both suspended out of school;
    i2("14", "0000010001", "201", "04", "S", "003", "N", "B"),  # the I2 writes the id zero-filled: same incident
    i2("14", "10001", "202", "04", "S", "002", "N", "B"),
    i1("14", "10002", "20130212"),  # another fight of 201 alone: 5 days out of school
    i2("14", "10002", "201", "04", "S", "005", "N", "B"),
    i1("14", "10003", "20121105"),  # bullying: 203 suspended in school 1 day; 204 the victim, no discipline
    i2("14", "10003", "203", "24", "S", "001", "Y"),
    i2("14", "10003", "204", "24", "", "000", "N", "V"),
    i1("14", "10004", "20130301"),  # tobacco, with disruption as a secondary infraction: 205 expelled 45 days
    i2("14", "10004", "205", "11", "E", "045", "N", si1_infraction_type="25", si1_weapon="9", si1_role="O"),
]
LEA07 = [
    s1("07", "701", "2000701", "GRANT"),
    i1("07", "20001", "20121201"),  # disruption: 701 suspended in school 1 day
    i2("07", "20001", "701", "25", "S", "1", "Y"),  # Number of Days written without leading zeros
]

# By hand, per (LEA, school, infraction type, action): incidents, students, involvements, days
# 14/790/04/SN: incidents 10001, 10002 = 2; students 201, 202 = 2; I2 rows 201, 202, 201 = 3; days 3+2+5 = 10
# 14/790/11/EN: 10004 -> 1, 1 (205), 1, 45 (the secondary 25 is listed in the detail, not counted)
# 14/790/24/SY: 10003 -> 1, 1 (203), 1, 1
# 14/790/24/none: 10003 -> 1, 1 (204, the victim), 1, 0
# 07/790/25/SY: 20001 -> 1, 1 (701), 1, 1
EXPECTED = {
    ("07", "790", "25", "SY"): (1, 1, 1, 1),
    ("14", "790", "04", "SN"): (2, 2, 3, 10),
    ("14", "790", "11", "EN"): (1, 1, 1, 45),
    ("14", "790", "24", "SY"): (1, 1, 1, 1),
    ("14", "790", "24", "none"): (1, 1, 1, 0),
}
# the whole state: incidents 4 (LEA 14) + 1 (LEA 07) = 5; students 201-205 + 701 = 6; I2 rows 7
TOTALS = {"incidents": 5, "students": 6, "involvements": 7}


def _file(lea: str, body: list[Rec]) -> str:
    lines = [di_record("year-end", {"lea_number": lea}), record("SC", {"lea_number": lea, "school_number": "790"})]
    lines += [record(code, ov, school_year=YEAR) for code, ov in body if code == "S1"]
    # a Year-End update carries a course and every student's course membership; the incidents come last
    lines.append(record("AC", {"lea_number": lea, "school_number": "790"}))
    lines += [record("AM", {"lea_number": lea, "school_number": "790", "student_number": n})
              for n in dict.fromkeys(ov["student_number"] for code, ov in body if code == "S1")]
    lines += [record(code, ov, school_year=YEAR) for code, ov in body if code in ("I1", "I2")]
    return "\r\n".join(lines) + "\r\n"


def load(store: Store, tmp_path: Path, leas: Mapping[str, list[Rec]] | None = None) -> dict[str, S.Submission]:
    subs = {}
    for lea, body in (leas or {"14": LEA14, "07": LEA07}).items():
        path = tmp_path / f"lea{lea}-{len(subs)}-{len(body)}.txt"
        path.write_bytes(_file(lea, body).encode("ascii"))
        subs[lea] = submit_clean(store, path, lea)
    return subs


def _by_key(counts: pl.DataFrame | list[dict]) -> dict[tuple[str, ...], tuple[int, ...]]:
    frame = counts if isinstance(counts, pl.DataFrame) else pl.DataFrame(counts)
    return {tuple(r[k] for k in D.KEY): tuple(int(r[c]) for c in D.COUNT_COLUMNS)
            for r in frame.iter_rows(named=True)}


def test_counts_equal_the_hand_count_and_the_detail_sums_to_them(store, tmp_path) -> None:
    load(store, tmp_path)
    counts, detail, facts = D.compute(store, YEAR)
    assert _by_key(counts) == EXPECTED
    assert {k: facts[k] for k in TOTALS} == TOTALS
    assert _by_key(D.counts(detail)) == EXPECTED  # the counts are the detail's group-by
    assert detail.height == sum(v[2] for v in EXPECTED.values()) == 7
    assert list(detail.columns) == D.DETAIL_COLUMNS
    # the code meanings of the specification's code sets
    meanings = {(r["infraction_type"], r["action"]): (r["infraction"], r["action_meaning"])
                for r in counts.iter_rows(named=True)}
    assert meanings[("04", "SN")] == ("Fighting (mutual altercation)", "Suspended, out of school")
    assert meanings[("11", "EN")] == ("Tobacco", "Expelled, out of school")
    assert meanings[("24", "none")] == ("Bullying (as per LEA policy)", "Other or no discipline")
    # the detail joins the I1 date (the zero-filled id matches) and the S1 SSID and name (one row, not two)
    r201 = detail.filter(pl.col("student_number") == "201").sort("incident_date")
    assert r201.select("ssid", "last_name", "incident_id", "incident_date", "number_of_days").rows() == [
        ("2000201", "ADAMS", "10001", "20121010", 3), ("2000201", "ADAMS", "10002", "20130212", 5)]
    assert detail.filter(pl.col("student_number") == "205")["secondary_infractions"].to_list() == ["25"]
    assert "206" not in detail["student_number"].to_list()
    # all head counts here are 1..9: marked; days are not a head count
    assert set(counts["suppressed"]) == {"incidents,students,involvements"}


def test_scope(store, tmp_path) -> None:
    load(store, tmp_path)
    lea07, _, facts = D.compute(store, YEAR, lea="7")
    assert _by_key(lea07) == {k: v for k, v in EXPECTED.items() if k[0] == "07"}
    assert facts["incidents"] == 1
    school, detail, facts = D.compute(store, YEAR, lea="14", school="790")
    assert _by_key(school) == {k: v for k, v in EXPECTED.items() if k[0] == "14"}
    assert (facts["incidents"], facts["students"], detail.height) == (4, 5, 6)


def test_finalized_reads_the_year_end_snapshots(store, tmp_path) -> None:
    from utrex.store.periods import finalize, prepare

    subs = load(store, tmp_path)
    today = dt.date(2013, 7, 5)
    for lea, sub in subs.items():
        finalize(store, prepare(store, lea, "year-end", sub.id, today), "tester", today)
    # LEA 14 resubmits after finalizing without the tobacco incident 10004
    load(store, tmp_path, {"14": [r for r in LEA14 if r[1].get("incident_id") != "10004"]})
    live, _, _ = D.compute(store, YEAR)
    assert ("14", "790", "11", "EN") not in _by_key(live) and len(_by_key(live)) == 4
    frozen, _, _ = D.compute(store, YEAR, finalized=True)
    assert _by_key(frozen) == EXPECTED


_cli = report_cli


def test_every_format_carries_the_discipline_part(store, tmp_path) -> None:
    import openpyxl

    load(store, tmp_path)
    year = ["year-end", "--school-year", str(YEAR)]
    text = {k: pl.Utf8 for k in D.KEY}
    # csv: one table; --part discipline picks it (the default stays the membership table)
    (tmp_path / "c.csv").write_text(_cli(*year, "--part", "discipline"))
    assert _by_key(pl.read_csv(tmp_path / "c.csv", schema_overrides=text)) == EXPECTED
    assert "grade_level" in _cli(*year).splitlines()[0] and "infraction" not in _cli(*year).splitlines()[0]
    (tmp_path / "d.csv").write_text(_cli(*year, "--part", "discipline", "--detail"))
    rows = pl.read_csv(tmp_path / "d.csv", schema_overrides={**text, "incident_id": pl.Utf8,
                                                                "student_number": pl.Utf8})
    assert rows.height == 7 and _by_key(D.counts(rows)) == EXPECTED
    # json: a "discipline" object with its totals, counts and (with --detail) detail
    doc = json.loads(_cli(*year, "--format", "json", "--detail"))["discipline"]
    assert _by_key(doc["counts"]) == EXPECTED and len(doc["detail"]) == 7
    assert {k: doc[k] for k in TOTALS} == TOTALS
    assert "detail" not in json.loads(_cli(*year, "--format", "json"))["discipline"]
    # xlsx: sheets discipline and discipline detail
    xlsx = tmp_path / "r.xlsx"
    _cli(*year, "--format", "xlsx", "--output", str(xlsx), "--detail")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["about", "counts", "detail", "discipline", "discipline detail"]
    got = list(wb["discipline"].iter_rows(values_only=True))
    assert _by_key(pl.DataFrame(got[1:], schema=list(got[0]), orient="row")) == EXPECTED
    assert wb["discipline detail"].max_row == 1 + 7
    # html: its own section with a chart, each count linking to its rows
    html = _cli(*year, "--format", "html", "--detail")
    section = html[html.index("<section id='discipline'>"):]
    assert "Involvements by infraction" in section and section.count("<svg") == 1
    assert "<a href='#discipline-14-790-04-SN'>3</a>" in section and "id='discipline-14-790-04-SN'" in section
    assert "<td class='small'>2</td>" in section  # 2 incidents: a small count, marked


@pytest.mark.parametrize("args", [["october-1", "--part", "discipline"],
                                  ["year-end", "--part", "discipline", "--format", "json"],
                                  ["year-end", "--part", "nothing"]])
def test_part_usage_errors(store, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 2 and "part" in result.output
