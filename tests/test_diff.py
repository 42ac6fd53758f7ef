"""`utrex diff`: findings matched on rule and record, not on line numbers or values that move daily."""

from __future__ import annotations

import collections
import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.engine import findings as fnd
from utrex.engine.validate import Options, validate_file
from utrex.reference.model import load_reference
from utrex.report.diff import diff_results, record_identity, to_csv, to_text
from utrex.report.findings_io import CSV_COLUMNS
from utrex.spec import Period, spec_for
from utrex.spec.render import parse_line, render
from utrex.synth import generate_lea
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


def level1_pairs(findings: list[dict]) -> set[tuple[str, str]]:
    return pairs([f for f in findings if f["level"] == 1])


def counted(findings: list[dict]) -> collections.Counter[tuple[str, str]]:
    return collections.Counter((f["rule"], f["student_number"]) for f in findings)


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
    assert pairs(d["new"]) == INTRODUCED and pairs(d["resolved"]) == FIXED
    assert level1_pairs(d["open"]) == STILL_OPEN  # Level 2 may find more on the same records, open as well
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
    statuses = collections.Counter(r["status"] for r in rows)
    assert (statuses["new"], statuses["resolved"]) == (2, 3)
    assert {(r["rule"], r["student_number"]) for r in rows if r["status"] == "open" and r["level"] == "1"} \
        == STILL_OPEN

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


# --- the issue's scenario on a synthetic LEA, end to end through the command ------------------------

SPEC = spec_for(2013)
S1, AM, DI = SPEC.layout("S1"), SPEC.layout("AM"), SPEC.layout("DI")


def set_fields(line: str, layout, **values: str) -> str:  # type: ignore[no-untyped-def]
    return render(layout, {**parse_line(layout, line), **values})


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "utrex", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def lea_uploads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A synthetic LEA's October upload and the next day's. Day 2: the as-of date, school membership and
    days attended of every enrolled student move by a day; two students are inserted before the first S1
    (every later line shifts); three defects of day 1 are fixed, two are introduced (one under a rule fixed
    for another student), and four stay, one of them on a value that moves and one found at Level 2."""
    d = tmp_path_factory.mktemp("lea-uploads")
    base = d / "base.txt"
    generate_lea(base, ref=load_reference(None), lea="14", students=300, period=Period.OCTOBER,
                 school_year=2013, seed=3)
    lines = base.read_bytes().decode("ascii").split("\r\n")[:-1]
    s1 = [i for i, line in enumerate(lines) if line.startswith("S1=")]
    number = {i: parse_line(S1, lines[i])["student_number"].strip() for i in s1}
    times = collections.Counter(number.values())
    # students enrolled once, with an AM right after the S1 and nothing else hanging on them
    alone = [i for i in s1[:-1] if times[number[i]] == 1 and lines[i + 1].startswith("AM=")]
    fixed_a, fixed_b, fixed_c, new_a, new_b, open_a, open_b, open_c, open_d = alone[10::20][:9]
    moved = 0

    def upload(day: int) -> list[str]:
        nonlocal moved
        out = list(lines)
        out[0] = set_fields(out[0], DI, sisasofdate=f"2012-10-0{day} 10:00:00.000")
        if day == 2:
            for i in s1:
                v = parse_line(S1, out[i])
                m, att = v["school_membership"].strip(), v["days_attended"].strip()
                if m.isdigit() and att.isdigit() and int(m) > 0:
                    out[i] = set_fields(out[i], S1, school_membership=f"{int(m) + 1:03d}",
                                        days_attended=f"{int(att) + 1:03d}")
                    moved += 1
        if day == 1:
            out[fixed_a] = set_fields(out[fixed_a], S1, gender="X")
            out[fixed_b] = set_fields(out[fixed_b], S1, zip_code="ABCDE")
            out[fixed_c + 1] = set_fields(out[fixed_c + 1], AM, grade_earned="ABCD")
        else:
            out[new_a] = set_fields(out[new_a], S1, ethnicity="Q")
            out[new_b] = set_fields(out[new_b], S1, gender="X")
        out[open_a] = set_fields(out[open_a], S1, voc_academ_disadv="D")
        out[open_b] = set_fields(out[open_b], S1, school_membership=f"{180 + day:03d}")
        out[open_c] = set_fields(out[open_c], S1, zip_code="12A45")
        out[open_d + 1] = set_fields(out[open_d + 1], AM, student_number="99999999")  # no S1: Level 2
        if day == 2:
            first = s1[0]
            out[first:first] = [set_fields(out[first], S1, student_number=f"{9_990_001 + k}",
                                           ssid=f"{9_990_001 + k}", first_name=name)
                                for k, name in enumerate(("INSERTED", "ADDED"))]
        return out

    paths = {}
    for day in (1, 2):
        paths[day] = d / f"lea14-2012-10-0{day}.txt"
        paths[day].write_bytes(("\r\n".join(upload(day)) + "\r\n").encode("ascii"))

    def who(i: int) -> str:
        return number[i]

    return {
        "old": paths[1], "new": paths[2], "dir": d, "moved": moved,
        "fixed": {("S1.gender.code", who(fixed_a)), ("S1.zip_code.format", who(fixed_b)),
                  ("AM.grade_earned.format", who(fixed_c))},
        "introduced": {("S1.ethnicity.code", who(new_a)), ("S1.gender.code", who(new_b))},
        "still": {("S1.voc_academ_disadv.grade", who(open_a)), ("S1.school_membership.max_180", who(open_b)),
                  ("S1.zip_code.format", who(open_c)), ("AM.student_number.no_s1", "99999999")},
    }


def test_issue_scenario_two_uploads_of_one_lea_a_day_apart(lea_uploads) -> None:
    u = lea_uploads
    assert u["moved"] > 200  # membership and days attended moved on most records
    p = cli("diff", str(u["old"]), str(u["new"]), "--format", "json")  # Level 1 and Level 2
    assert p.returncode == 1, p.stderr  # new errors
    d = json.loads(p.stdout)
    assert list(d) == ["new", "resolved", "open"]
    assert len(d["new"]) == 2 and pairs(d["new"]) == u["introduced"]
    assert len(d["resolved"]) == 3 and pairs(d["resolved"]) == u["fixed"]
    assert pairs(d["open"]) >= u["still"]

    # the rest is open: every finding of the new upload is either new or open, each once, and every
    # finding of the old one either resolved or open (Level 2 rules may find more on the planted records)
    new_report = cli("validate", str(u["new"]), "--format", "json")
    old_report = cli("validate", str(u["old"]), "--format", "json")
    assert new_report.returncode == old_report.returncode == 1
    new_findings = json.loads(new_report.stdout)["findings"]
    old_findings = json.loads(old_report.stdout)["findings"]
    assert len(d["open"]) == len(new_findings) - 2 == len(old_findings) - 3
    assert counted(d["open"]) + counted(d["new"]) == counted(new_findings)
    assert counted(d["open"]) + counted(d["resolved"]) == counted(old_findings)
    assert sorted(json.dumps(f, sort_keys=True) for f in d["new"] + d["open"]) == \
        sorted(json.dumps(f, sort_keys=True) for f in new_findings)

    # open findings are today's: lines shifted by the two inserted records, values as they are now
    old_by_key = {(f["rule"], f["record_key"]): f for f in old_findings}
    for f in d["open"]:
        before = old_by_key[(f["rule"], f["record_key"])]
        assert f["line"] == before["line"] + 2, f
    membership = next(f for f in d["open"] if f["rule"] == "S1.school_membership.max_180")
    assert membership["values"]["school_membership"] == "182"
    assert old_by_key[("S1.school_membership.max_180", membership["record_key"])]["values"] == \
        {"school_membership": "181"}
    # findings are shaped as in the validation json
    assert set(d["new"][0]) == set(new_findings[0])


def test_issue_scenario_from_json_reports(lea_uploads) -> None:
    u = lea_uploads
    reports = []
    for name in ("old", "new"):
        out = u["dir"] / f"{name}.json"
        p = cli("validate", str(u[name]), "--format", "json", "--output", str(out))
        assert p.returncode == 1, p.stderr
        reports.append(out)
    p = cli("diff", str(reports[0]), str(reports[1]), "--format", "json")
    assert p.returncode == 1, p.stderr
    d = json.loads(p.stdout)
    assert pairs(d["new"]) == u["introduced"] and len(d["new"]) == 2
    assert pairs(d["resolved"]) == u["fixed"] and len(d["resolved"]) == 3
    assert pairs(d["open"]) >= u["still"]
    # a JSON report against a Clearinghouse file, and Level 1 reports (no Level 2 findings) as well
    mixed = cli("diff", str(reports[0]), str(u["new"]), "--format", "json")
    assert json.loads(mixed.stdout) == d
    level1 = []
    for name in ("old", "new"):
        out = u["dir"] / f"{name}-l1.json"
        cli("validate", str(u[name]), "--level", "1", "--format", "json", "--output", str(out))
        level1.append(out)
    p = cli("diff", str(level1[0]), str(level1[1]), "--format", "json")
    d1 = json.loads(p.stdout)
    assert pairs(d1["new"]) == u["introduced"] and pairs(d1["resolved"]) == u["fixed"]
    assert pairs(d1["open"]) == u["still"] - {("AM.student_number.no_s1", "99999999")}  # Level 1 only


def test_issue_scenario_fixed_upload_exits_0(lea_uploads, tmp_path: Path) -> None:
    """Nothing new since the day before (only fixes): exit 0; the text lists what was resolved."""
    u = lea_uploads
    p = cli("diff", str(u["new"]), str(u["new"]))
    assert p.returncode == 0, p.stderr
    assert "new 0 " in p.stdout and "resolved 0 " in p.stdout
    p = cli("diff", str(u["new"]), str(u["old"]), "--format", "csv", "--output", str(tmp_path / "d.csv"))
    assert p.returncode == 1  # going back reintroduces the three fixed defects
    rows = list(csv.DictReader(io.StringIO((tmp_path / "d.csv").read_text())))
    forward = json.loads(cli("diff", str(u["old"]), str(u["new"]), "--format", "json").stdout)
    assert collections.Counter(r["status"] for r in rows) == {"new": 3, "resolved": 2,
                                                              "open": len(forward["open"])}


def test_file_level_findings_match_whatever_their_line() -> None:
    """`LEA|FILE|rule|line` keys (findings about the file, not a record) are matched without the line."""
    lf = {"rule": "FILE.lf_terminator", "level": 1, "severity": "warning", "record_type": "FILE", "lea": "14",
          "fields": [], "values": {}, "school": None, "student_number": None, "ssid": None, "message": "LF"}
    old = {"findings": [{**lf, "line": 7, "record_key": "14|FILE|FILE.lf_terminator|7"},
                        finding(record_key="AC|14|790|MATH1001|01")]}
    new = {"findings": [{**lf, "line": 9, "record_key": "14|FILE|FILE.lf_terminator|9"},
                        finding(record_key="AC|14|790|MATH1001|01")]}
    d = diff_results(old, new)
    assert not d["new"] and not d["resolved"] and [f["line"] for f in d["open"]] == [9, 10]
