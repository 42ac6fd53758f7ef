"""`utrex diff`: findings matched on rule and record, not on line numbers or values that move daily."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import utrex.cli.diff_cmd  # noqa: F401  (registers `diff` until commands.py imports it)
from utrex.cli.main import app
from utrex.engine import findings as fnd
from utrex.engine.validate import Options, validate_file
from utrex.report.diff import diff_results, record_identity, to_csv, to_text
from utrex.report.findings_io import CSV_COLUMNS
from utrex.testing import build

runner = CliRunner()

FIXED = {("S1.gender.code", "1000001"), ("S1.zip_code.format", "1000002"), ("AM.grade_earned.format", "1000003")}
INTRODUCED = {("S1.ethnicity.code", "1000006"), ("AM.grade_earned.format", "1000007")}
STILL_OPEN = {("S1.voc_academ_disadv.gpa", "1000004"), ("S1.school_membership.max_180", "1000005")}


def upload(day: int) -> str:
    """LEA 14's upload on October `day`: membership, days attended and GPA move by a day; on day 2 two
    students are inserted before the others (every later line shifts), three defects are fixed and two
    are introduced (one of them under a rule that was fixed for another student)."""
    body: list[tuple[str, dict[str, str]]] = [("AC", {})]

    def student(i: int, s1: dict[str, str] | None = None, am: dict[str, str] | None = None) -> None:
        body.append(("S1", {"student_number": f"{1_000_000 + i}", "ssid": f"{2_000_000 + i}",
                            "school_membership": f"{45 + day:03d}", "days_attended": f"{40 + day:03d}",
                            "cumulative_gpa": f"{3200 + 10 * day}", **(s1 or {})}))
        body.append(("AM", {"student_number": f"{1_000_000 + i}", "aggregate_memb": f"{40 + day:03d}", **(am or {})}))

    if day == 2:
        student(90)
        student(91)
    defects: dict[int, tuple[dict[str, str], dict[str, str]]] = {
        1: ({"gender": "X"}, {}) if day == 1 else ({}, {}),
        2: ({"zip_code": "ABCDE"}, {}) if day == 1 else ({}, {}),
        3: ({}, {"grade_earned": "ABCD"}) if day == 1 else ({}, {}),
        4: ({"voc_academ_disadv": "D"}, {}),  # open; its GPA moves
        5: ({"school_membership": f"{180 + day:03d}"}, {}),  # open; the membership moves
        6: ({"ethnicity": "Q"}, {}) if day == 2 else ({}, {}),
        7: ({}, {"grade_earned": "ABCD"}) if day == 2 else ({}, {}),
    }
    for i in range(1, 13):
        s1, am = defects.get(i, ({}, {}))
        student(i, s1, am)
    return build(body, di={"sisasofdate": f"2012-10-0{day} 10:00:00.000"})


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("uploads")
    out = {}
    for day in (1, 2):
        p = d / f"lea14-oct{day}.txt"
        p.write_text(upload(day), newline="")
        out[f"day{day}"] = p
        res = runner.invoke(app, ["validate", str(p), "--format", "json", "--output", str(d / f"day{day}.json")])
        assert res.exit_code == 1, res.output
        out[f"json{day}"] = d / f"day{day}.json"
    return out


def as_json(path: Path) -> dict:
    r = validate_file(path, Options(levels=(1,)))  # the scenario is about Level 1 defects
    return {"summary": r.summary, "findings": fnd.to_dicts(r.findings)}


def pairs(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["rule"], f["student_number"]) for f in findings}


def test_two_uploads_a_day_apart(uploads) -> None:
    old, new = as_json(uploads["day1"]), as_json(uploads["day2"])
    d = diff_results(old, new)
    assert len(d["new"]) == 2 and pairs(d["new"]) == INTRODUCED
    assert len(d["resolved"]) == 3 and pairs(d["resolved"]) == FIXED
    assert len(d["open"]) == len(new["findings"]) - 2 and pairs(d["open"]) == STILL_OPEN
    # open findings are the new upload's: shifted lines, today's values
    old_lines = {f["rule"]: f["line"] for f in old["findings"]}
    for f in d["open"]:
        assert f["line"] == old_lines[f["rule"]] + 4
    gpa = next(f for f in d["open"] if f["rule"] == "S1.voc_academ_disadv.gpa")
    assert gpa["values"]["cumulative_gpa"] == "3220"
    assert set(d) == {"new", "resolved", "open"}


def test_same_upload_twice_is_all_open(uploads) -> None:
    r = as_json(uploads["day2"])
    d = diff_results(r, r)
    assert not d["new"] and not d["resolved"] and len(d["open"]) == len(r["findings"])


def test_cli_json_reports(uploads) -> None:
    res = runner.invoke(app, ["diff", str(uploads["json1"]), str(uploads["json2"]), "--format", "json"])
    assert res.exit_code == 1, res.output  # the new upload has new errors
    d = json.loads(res.stdout)
    assert list(d) == ["new", "resolved", "open"]
    assert pairs(d["new"]) == INTRODUCED and pairs(d["resolved"]) == FIXED and pairs(d["open"]) == STILL_OPEN
    assert set(d["new"][0]) >= {"rule", "level", "severity", "line", "record_type", "fields", "values", "lea",
                                "school", "student_number", "ssid", "message"}
    assert isinstance(d["new"][0]["values"], dict)


def test_cli_clearinghouse_files_match_json_reports(uploads) -> None:
    a = runner.invoke(app, ["diff", str(uploads["day1"]), str(uploads["day2"]), "-f", "json", "--period", "october"])
    b = runner.invoke(app, ["diff", str(uploads["json1"]), str(uploads["json2"]), "-f", "json"])
    assert a.exit_code == b.exit_code == 1
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    for k in ("new", "resolved", "open"):
        assert pairs(da[k]) == pairs(db[k])


def test_cli_exit_zero_without_new_errors(uploads) -> None:
    res = runner.invoke(app, ["diff", str(uploads["json2"]), str(uploads["json2"])])
    assert res.exit_code == 0, res.output
    assert "new 0 " in res.stdout


def test_cli_text_csv_and_html(uploads, tmp_path: Path) -> None:
    res = runner.invoke(app, ["diff", str(uploads["json1"]), str(uploads["json2"])])
    assert res.exit_code == 1
    assert "New findings (2):" in res.stdout and "Resolved findings (3):" in res.stdout
    assert "S1.ethnicity.code" in res.stdout

    out = tmp_path / "diff.csv"
    res = runner.invoke(app, ["diff", str(uploads["json1"]), str(uploads["json2"]), "-f", "csv", "-o", str(out)])
    assert res.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["status", *CSV_COLUMNS]
    assert sorted(r["status"] for r in rows) == ["new"] * 2 + ["open"] * 2 + ["resolved"] * 3

    page = tmp_path / "diff.html"
    res = runner.invoke(app, ["diff", str(uploads["json1"]), str(uploads["json2"]), "-f", "html", "-o", str(page)])
    assert res.exit_code == 1
    html = page.read_text()

    class Sections(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str | None, str | None]] = []

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            a = dict(attrs)
            if tag == "section" and a.get("class") == "rule":
                self.found.append((a.get("data-status"), a.get("data-rule")))

    p = Sections()
    p.feed(html)
    assert ("new", "S1.ethnicity.code") in p.found and ("resolved", "S1.gender.code") in p.found
    assert ("open", "S1.voc_academ_disadv.gpa") in p.found
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("bad", ["missing", "not-json", "no-findings", "not-clearinghouse", "folder"])
def test_cli_unreadable_input_exits_2(uploads, tmp_path: Path, bad: str) -> None:
    p = tmp_path / f"{bad}.json"
    if bad == "not-json":
        p.write_text("{ this is not json")
    elif bad == "no-findings":
        p.write_text(json.dumps({"summary": {}}))
    elif bad == "not-clearinghouse":
        p = tmp_path / "notes.txt"
        p.write_text("hello\nworld\n")
    elif bad == "folder":
        p = tmp_path
    res = runner.invoke(app, ["diff", str(uploads["json1"]), str(p)])
    assert res.exit_code == 2, res.output
    assert "utrex:" in res.output


def test_cli_bad_options_exit_2(uploads) -> None:
    res = runner.invoke(app, ["diff", str(uploads["day1"]), str(uploads["day2"]), "--period", "june"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["diff", str(uploads["day1"]), str(uploads["day2"]), "--as-of", "yesterday"])
    assert res.exit_code == 2


def finding(**kw) -> dict:  # type: ignore[no-untyped-def]
    base = {"rule": "AC.cycle.format", "level": 1, "severity": "error", "line": 10, "record_type": "AC",
            "fields": ["cycle"], "values": {"cycle": "#"}, "lea": "14", "school": "790", "student_number": None,
            "ssid": None, "message": "Cycle '#' ..."}
    return {**base, **kw}


def test_record_key_is_used_when_both_results_have_it() -> None:
    old = {"findings": [finding(line=10, record_key="AC|14|790|MATH1001|01"),
                        finding(line=11, record_key="AC|14|790|ENGL1001|02")]}
    new = {"findings": [finding(line=30, record_key="AC|14|790|ENGL1001|02"),
                        finding(line=31, record_key="AC|14|790|SCI1001|03")]}
    d = diff_results(old, new)
    assert [f["record_key"] for f in d["resolved"]] == ["AC|14|790|MATH1001|01"]
    assert [f["record_key"] for f in d["new"]] == ["AC|14|790|SCI1001|03"]
    assert [f["line"] for f in d["open"]] == [30]


def test_same_rule_and_identity_pairs_one_to_one() -> None:
    """Two AC findings that the values cannot tell apart: one fixed leaves one open, one resolved."""
    old = {"findings": [finding(line=10), finding(line=11, values={"cycle": "Z"})]}
    new = {"findings": [finding(line=12, values={"cycle": "Z"})]}
    d = diff_results(old, new)
    assert len(d["open"]) == 1 and d["open"][0]["values"] == {"cycle": "Z"}
    assert [f["line"] for f in d["resolved"]] == [10]
    assert not d["new"]


def test_identity_ignores_lines_and_daily_values_but_not_entry_dates() -> None:
    a = finding(rule="S1.days_attended.max_180", record_type="S1", student_number="1", line=5,
                values={"days_attended": "181", "entry_date": "20120820"})
    b = {**a, "line": 99, "values": {"days_attended": "182", "entry_date": "20120820"}}
    c = {**a, "values": {"days_attended": "181", "entry_date": "20121001"}}
    assert record_identity(a) == record_identity(b) != record_identity(c)
    blank = {**a, "student_number": "  ", "ssid": "2000001"}
    assert "ssid:2000001" in record_identity(blank)


def test_text_and_csv_of_an_empty_comparison() -> None:
    d = diff_results({"findings": []}, {"findings": []})
    assert "new 0" in to_text(d)
    assert to_csv(d).splitlines()[0].split(",") == ["status", *CSV_COLUMNS]
