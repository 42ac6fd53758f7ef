"""The command line keeps the interfaces of the issues: shapes and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from utrex.testing import build

FINDING_KEYS = {"rule", "level", "severity", "line", "record_type", "fields", "values", "lea", "school",
                "student_number", "ssid", "message"}


def utrex(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "utrex", *args], capture_output=True, text=True)


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    f = tmp_path / "clean.txt"
    f.write_text(build([("S1", {}), ("S2", {}), ("AC", {}), ("AM", {})]), newline="")
    return f


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    f = tmp_path / "broken.txt"
    f.write_text(build([("S1", {"gender": "X", "student_number": "55"}), ("AC", {}), ("AM", {})]), newline="")
    return f


def test_rules_json_catalogue() -> None:
    p = utrex("rules", "--format", "json")
    assert p.returncode == 0
    rules = json.loads(p.stdout)["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) > 250
    for r in rules:
        assert {"id", "level", "severity", "record_type", "fields", "message", "citation"} <= set(r)
        assert r["severity"] in ("error", "warning") and r["level"] in (1, 2)
    assert "S1.gender.code" in ids


def test_rules_markdown_and_text() -> None:
    md = utrex("rules", "--format", "markdown")
    assert md.returncode == 0 and md.stdout.startswith("# Rule catalogue") and "`S1.gender.code`" in md.stdout
    txt = utrex("rules", "--record-type", "sc")
    assert txt.returncode == 0 and "SC.school_number" in txt.stdout and "S1." not in txt.stdout


def test_validate_clean_exits_0_with_json_shape(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    p = utrex("validate", str(clean), "--format", "json", "--output", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads(out.read_text())
    s = report["summary"]
    assert s["records"] == 6 and s["records_by_type"] == {"DI": 1, "SC": 1, "S1": 1, "S2": 1, "AC": 1, "AM": 1}
    assert s["errors"] == 0 and s["period"] == "october" and s["school_year"] == 2013 and s["lea"] == "14"


def test_validate_error_exits_1_and_finding_shape(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    p = utrex("validate", str(broken), "--format", "json", "--output", str(out))
    assert p.returncode == 1
    report = json.loads(out.read_text())
    g = [f for f in report["findings"] if f["rule"] == "S1.gender.code"]
    assert len(g) == 1
    f = g[0]
    assert set(f) >= FINDING_KEYS
    assert f["line"] == 3 and f["record_type"] == "S1" and f["fields"] == ["gender"]
    assert f["values"] == {"gender": "X"}
    assert (f["lea"], f["school"], f["student_number"], f["ssid"]) == ("14", "790", "55", "1234567")
    assert "'X'" in f["message"] and "M (Male)" in f["message"]
    assert report["summary"]["errors"] >= 1


def test_validate_csv_and_text(broken: Path) -> None:
    p = utrex("validate", str(broken), "--format", "csv")
    assert p.returncode == 1
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert rows and list(rows[0])[:5] == ["rule", "level", "severity", "line", "record_type"]
    assert any(r["rule"] == "S1.gender.code" and r["line"] == "3" for r in rows)
    t = utrex("validate", str(broken))
    assert t.returncode == 1 and "S1.gender.code" in t.stdout and "error(s)" in t.stdout


def test_period_override_and_as_of(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    p = utrex("validate", str(clean), "--period", "december", "--as-of", "2012-12-05", "--format", "json",
              "--output", str(out))
    s = json.loads(out.read_text())["summary"]
    assert (s["period"], s["as_of"]) == ("december", "2012-12-05")
    assert p.returncode in (0, 1)


@pytest.mark.parametrize("args", [("--period", "spring"), ("--as-of", "2012-13-01"), ("--format", "pdf"),
                                  ("--max-per-rule", "0"), ("--format", "xlsx")])
def test_usage_errors_exit_2(clean: Path, args: tuple[str, str]) -> None:
    p = utrex("validate", str(clean), *args)
    assert p.returncode == 2 and p.stderr.strip() and "Traceback" not in p.stderr


def test_select_and_ignore(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    utrex("validate", str(broken), "--select", "S1.gender", "--format", "json", "--output", str(out))
    rules = {f["rule"] for f in json.loads(out.read_text())["findings"]}
    assert rules == {"S1.gender.code"}
    p = utrex("validate", str(broken), "--ignore", "S1.gender.code", "--format", "json", "--output", str(out))
    rules = {f["rule"] for f in json.loads(out.read_text())["findings"]}
    assert "S1.gender.code" not in rules
    assert p.returncode in (0, 1)


def test_missing_file_exit_2() -> None:
    p = utrex("validate", "/nonexistent/file.txt")
    assert p.returncode == 2 and "no such file" in p.stderr


def test_version_and_module_entry() -> None:
    p = utrex("--version")
    assert p.returncode == 0 and p.stdout.startswith("utrex ")


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """Five students with a bad gender, one with a bad ethnicity."""
    f = tmp_path / "many.txt"
    body = [("S1", {"gender": "X", "student_number": f"{100 + i}", "ssid": ""}) for i in range(5)]
    body.append(("S1", {"ethnicity": "Q", "student_number": "200", "ssid": ""}))
    f.write_text(build(body), newline="")
    return f


def test_max_per_rule_caps_the_report_and_says_so(many: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    full = utrex("validate", str(many), "--format", "json", "--output", str(out))
    everything = json.loads(out.read_text())
    gender = [f for f in everything["findings"] if f["rule"] == "S1.gender.code"]
    assert len(gender) == 5

    p = utrex("validate", str(many), "--format", "json", "--output", str(out), "--max-per-rule", "2")
    assert p.returncode == full.returncode == 1
    capped = json.loads(out.read_text())
    s = capped["summary"]
    kept = [f for f in capped["findings"] if f["rule"] == "S1.gender.code"]
    assert [f["line"] for f in kept] == [f["line"] for f in gender[:2]]  # the first, in file order
    assert s["max_per_rule"] == 2 and s["capped"]["S1.gender.code"] == 5
    assert "S1.ethnicity.code" not in s["capped"]  # one finding: not cut
    assert any(f["rule"] == "S1.ethnicity.code" for f in capped["findings"])
    # counts and exit status reflect every finding, not the ones shown
    assert (s["errors"], s["warnings"]) == (everything["summary"]["errors"], everything["summary"]["warnings"])
    assert s["findings_by_rule"]["S1.gender.code"]["count"] == 5
    assert "S1.gender.code: 5 findings, 2 shown (--max-per-rule 2)" in s["notes"]

    t = utrex("validate", str(many), "--max-per-rule", "1")
    assert t.returncode == 1
    assert "S1.gender.code: 5 findings, 1 shown (--max-per-rule 1)" in t.stdout
    c = utrex("validate", str(many), "--max-per-rule", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert sum(r["rule"] == "S1.gender.code" for r in rows) == 1


def test_xlsx_needs_output(broken: Path) -> None:
    p = utrex("validate", str(broken), "--format", "xlsx")
    assert p.returncode == 2 and not p.stdout
    assert "--output" in p.stderr and "xlsx" in p.stderr


def test_diff_is_a_command() -> None:
    p = utrex("--help")
    assert p.returncode == 0 and "diff" in p.stdout and "validate" in p.stdout
    p = utrex("diff", "--help")
    assert p.returncode == 0 and "new, resolved" in p.stdout.lower()


def test_demo_validates_then_submits_a_state_to_its_own_store(tmp_path: Path, monkeypatch) -> None:
    """`utrex demo` (the README's first command): the sample files validated, then a small state submitted to an
    SQLite store in the demo folder (whatever UTREX_DATABASE_URL says) and its October 1 report written;
    run again, it starts its store afresh."""
    env = {**__import__("os").environ, "UTREX_DATABASE_URL": "postgresql://nowhere.invalid/none"}
    work = tmp_path / "demo"
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "utrex", "demo", "--students", "200", "--workdir", str(work)],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "0 error(s)" in proc.stdout and "planted defects" in proc.stdout
        assert proc.stdout.count(": loaded, ") == 3, proc.stdout
        assert "submission 1: " in proc.stdout  # a fresh store each run
    assert (work / "store" / "utrex.db").exists()
    with open(work / "october-1.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["lea_number"] for r in rows} == {"01", "14", "70"} and sum(int(r["students"]) for r in rows) > 0
