"""Reports people work from: the Excel workbook shaped like the state's download, and the HTML page."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from utrex.engine import findings as fnd
from utrex.engine.validate import Options, validate_file
from utrex.report.common import FAMILIES, LEVEL2_SHEET, findings_from_json
from utrex.report.findings_io import CSV_COLUMNS
from utrex.report.html import render_html
from utrex.report.xlsx import write_xlsx
from utrex.testing import build

REQUIRE_ALL = os.environ.get("UTREX_REQUIRE_ALL") == "1"  # CI: what would be skipped fails instead
if REQUIRE_ALL:
    import openpyxl
else:
    openpyxl = pytest.importorskip("openpyxl")

XSS = "<script>alert('x')</script>"
SHEETS = ["Summary", *[name for name, _ in FAMILIES], LEVEL2_SHEET]
REQUIRED = ["ErrorCode", "SeverityCode", "ErrorMessage", "ExtendedDescription", "LEANumber", "SchoolNumber",
            "StudentNumber", "StatewideStudentID", "EntryDate", "IncidentID", "Line"]
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]


def level2_finding() -> dict:
    return {"rule": "S1.student_number.duplicate", "level": 2, "severity": "error", "line": 3, "record_type": "S1",
            "fields": ["student_number"], "values": {"student_number": "7171717"}, "lea": "14", "school": "790",
            "student_number": "7171717", "ssid": "1234567",
            "message": "Student Number '7171717' is reported twice in school 790"}


# One defect in every record family and a name carrying markup.
BODY = [
    ("S1", {"gender": "X", "entry_date": "20130701", "last_name": XSS}),
    ("S2", {"scram_entry_date": "20121002"}),
    ("S3", {"custody_type": "####"}),
    ("AC", {}),
    ("AM", {"course_entry_date": "20130701"}),
    ("I1", {"gang_related": "#"}),
    ("I2", {"incident_id": "X111111111"}),
    ("ES", {"gender": "#"}),
]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    """BODY's findings, and a Level 2 finding."""
    path = tmp_path_factory.mktemp("reports") / "lea14.txt"
    path.write_text(build(BODY), newline="")
    r = validate_file(path, Options(levels=(1,)))  # level 2 comes from level2_finding()
    findings = fnd.concat([r.findings, fnd.from_rows([level2_finding()])])
    return r.summary, findings


def rows_of(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    head = values[0]
    return [dict(zip(head, v, strict=True)) for v in values[1:]]


def column_width(ws, j: int) -> float:
    """The width of column j (1-based); openpyxl keys a run of equal widths by its first column."""
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= j <= dim.max:
            return dim.width
    return 0.0


# --- xlsx ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory: pytest.TempPathFactory):
    summary, findings = result
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_xlsx(summary, findings, path)
    return openpyxl.load_workbook(path)


def test_xlsx_sheets_in_the_download_order(workbook) -> None:
    assert workbook.sheetnames == SHEETS


def test_xlsx_headers_frozen_and_filtered(workbook) -> None:
    for name in SHEETS[1:]:
        ws = workbook[name]
        head = [c.value for c in ws[1]]
        want = [("Severity" if c == "SeverityCode" and name == LEVEL2_SHEET else c) for c in REQUIRED]
        assert set(want) <= set(head), (name, head)
        assert "FieldValues" in head
        assert ws.freeze_panes == "A2"
        last = openpyxl.utils.get_column_letter(len(head))
        assert ws.auto_filter.ref == f"A1:{last}{max(ws.max_row, 2)}"
        # widths fit the header at least
        for j, h in enumerate(head, start=1):
            assert column_width(ws, j) >= len(h), (name, h)


def test_xlsx_known_finding_row(workbook, result) -> None:
    summary, findings = result
    line = findings.filter(pl.col("rule") == "S1.gender.code")["line"][0]
    rows = [r for r in rows_of(workbook["Student"]) if r["ErrorCode"] == "S1.gender.code"]
    assert len(rows) == 1
    r = rows[0]
    assert r["SeverityCode"] == "Error"
    assert r["LEANumber"] == "14" and r["SchoolNumber"] == "790"
    assert r["StudentNumber"] == "7171717" and r["StatewideStudentID"] == "1234567"
    assert r["Line"] == line
    assert r["FieldValues"] == "gender='X'"
    assert "Gender" in r["ErrorMessage"] and "Specification: Student Record (S1): Gender" in r["ExtendedDescription"]


def test_xlsx_families_entry_dates_and_incidents(workbook) -> None:
    by_sheet = {name: rows_of(workbook[name]) for name in SHEETS[1:]}
    assert any(r["ErrorCode"].startswith("S2.") for r in by_sheet["Special Ed"])
    assert any(r["ErrorCode"].startswith("S3.") for r in by_sheet["Youth in Custody"])
    assert any(r["ErrorCode"].startswith("AM.") for r in by_sheet["Student Transcript"])
    assert any(r["ErrorCode"].startswith("I1.") for r in by_sheet["Incident"])
    assert any(r["ErrorCode"].startswith("ES.") for r in by_sheet["Exit Status"])
    for name, rows in by_sheet.items():
        if name != LEVEL2_SHEET:
            assert all(r["ErrorCode"].split(".")[0] in dict(FAMILIES)[name] for r in rows), name
    s1_entry = [r for r in by_sheet["Student"] if r["ErrorCode"] == "S1.entry_date.after_year_end"]
    assert s1_entry and s1_entry[0]["EntryDate"] == "20130701"
    s2_entry = [r for r in by_sheet["Special Ed"] if r["ErrorCode"] == "S2.scram_entry_date.future"]
    assert s2_entry and s2_entry[0]["EntryDate"] == "20121002"
    i2 = [r for r in by_sheet["Incident"] if r["ErrorCode"] == "I2.incident_id.format"]
    assert i2 and i2[0]["IncidentID"] == "X111111111"
    assert {r["SeverityCode"] for sheet in SHEETS[1:-1] for r in by_sheet[sheet]} <= {"Error", "Warning"}


def test_xlsx_level2_sheet(workbook) -> None:
    rows = rows_of(workbook[LEVEL2_SHEET])
    assert [r["ErrorCode"] for r in rows] == ["S1.student_number.duplicate"]
    assert rows[0]["Severity"] == "Error" and rows[0]["StudentNumber"] == "7171717"
    # a level 2 finding is not repeated on its family's sheet
    assert not any(r["ErrorCode"] == "S1.student_number.duplicate" for r in rows_of(workbook["Student"]))


def test_xlsx_summary_sheet(workbook, result) -> None:
    summary, findings = result
    cells = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert cells["LEA"] == "14" and cells["Errors"] == summary["errors"]
    assert cells["S1.gender.code"] == "Error"


def test_xlsx_record_key_column_and_values_kept_as_text(tmp_path: Path) -> None:
    row = {**level2_finding(), "level": 1, "rule": "S1.gender.code", "values": {"gender": "007"},
           "record_key": "14|790|7171717|20120820"}
    df = findings_from_json([row])
    path = tmp_path / "k.xlsx"
    write_xlsx({}, df, path)
    ws = openpyxl.load_workbook(path)["Student"]
    rows = rows_of(ws)
    assert rows[0]["RecordKey"] == "14|790|7171717|20120820"
    assert rows[0]["FieldValues"] == "gender='007'"  # zero-filled codes are not turned into numbers
    assert rows[0]["StudentNumber"] == "7171717" and isinstance(rows[0]["StudentNumber"], str)


def test_xlsx_empty_result_still_has_every_sheet(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_xlsx({"file": "x.txt", "errors": 0, "warnings": 0}, fnd.empty(), path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    assert [c.value for c in wb["Course"][1]][:2] == ["ErrorCode", "SeverityCode"]


# --- html ---------------------------------------------------------------------------------------

class Page(HTMLParser):
    """Collects what the tests look at: elements by tag, ids, links, text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.script = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "script":
            self.script += data
        else:
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def page_html(result) -> str:
    summary, findings = result
    return render_html(summary, findings)


@pytest.fixture(scope="module")
def page(page_html) -> Page:
    p = Page()
    p.feed(page_html)
    return p


def test_html_has_totals_charts_and_a_table_per_rule(page, result) -> None:
    summary, findings = result
    rules = set(findings["rule"].to_list())
    sections = page.all("section")
    assert {s.get("data-rule") for s in sections if s.get("class") == "rule"} == rules
    svgs = page.all("svg")
    assert len(svgs) == 2 and {"chart-rules", "chart-schools"} <= {f.get("id") for f in page.all("figure")}
    assert len(page.all("rect")) >= len(rules)
    # every rule section has a table; one row per finding here (no cap reached)
    assert len(page.all("table")) >= len(rules) + 1
    assert len(page.all("tr", **{"data-school": "790"})) >= 1
    text = " ".join(page.text)
    assert f"{findings.height:,}" in text and "error(s)" in text


def test_html_links_resolve_and_explain(page) -> None:
    ids = {a.get("id") for _, a in page.tags if a.get("id")}
    hrefs = [a["href"] for a in page.all("a") if a.get("href", "").startswith("#")]
    from urllib.parse import unquote

    assert hrefs and all(unquote(h[1:]) in ids for h in hrefs)
    assert "rule-S1.gender.code" in ids and "spec-S1-gender" in ids
    text = " ".join(page.text)
    assert "Student Record (S1): Gender" in text  # the citation
    assert "must be" in text or "is not" in text  # the message template


def test_html_is_self_contained(page, page_html) -> None:
    assert not page.all("link") and not [a for a in page.all("script") if a.get("src")]
    assert not [a for _, a in page.tags for k in ("src", "href") if (a.get(k) or "").startswith(("http", "//"))]
    assert "xmlns=\"http://www.w3.org/2000/svg\"" in page_html  # the only URL: a namespace, never fetched
    assert page.script.strip()  # the filter script is inline


def test_html_escapes_student_data(page_html) -> None:
    assert XSS not in page_html
    assert "&lt;script&gt;" in page_html
    assert page_html.count("<script>") == 1


def test_html_works_without_findings() -> None:
    html = render_html({"file": "clean.txt", "errors": 0, "warnings": 0}, fnd.empty())
    assert "No findings" in html


def big_findings(n: int) -> pl.DataFrame:
    rules = ["S1.gender.code", "S1.ethnicity.code", "AM.grade_earned.format", "S1.voc_academ_disadv.gpa"]
    return fnd.conform(pl.DataFrame({
        "rule": [rules[i % 4] for i in range(n)],
        "level": [1] * n,
        "severity": ["warning" if i % 4 == 3 else "error" for i in range(n)],
        "line": list(range(3, n + 3)),
        "record_type": [rules[i % 4][:2] for i in range(n)],
        "fields": [["gender"]] * n,
        "values": [json.dumps({"gender": "X"})] * n,
        "lea": ["14"] * n,
        "school": [f"{700 + i % 40}" for i in range(n)],
        "student_number": [str(1_000_000 + i) for i in range(n)],
        "ssid": [str(2_000_000 + i) for i in range(n)],
        "message": ["Gender 'X' is not a code"] * n,
    }))


def test_html_caps_rows_and_says_so_for_50000_findings() -> None:
    df = big_findings(50_000)
    started = time.perf_counter()
    html = render_html({"file": "big.txt", "errors": 37_500, "warnings": 12_500}, df)
    assert time.perf_counter() - started < 30
    p = Page()
    p.feed(html)
    assert len(p.all("tr", **{"data-school": "700"})) <= 4 * 500 // 40 + 4
    assert len([a for t, a in p.tags if t == "tr" and "data-student" in a]) == 4 * 500
    assert "showing 500 of 12,500" in html
    assert len(html) < 3_000_000


def test_xlsx_large_report_streams(tmp_path: Path) -> None:
    df = big_findings(60_000)
    path = tmp_path / "big.xlsx"
    started = time.perf_counter()
    write_xlsx({"file": "big.txt"}, df, path)
    assert time.perf_counter() - started < 60
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["Student"].max_row == 1 + 45_000 and wb["Student Transcript"].max_row == 1 + 15_000


# --- a real browser -----------------------------------------------------------------------------

def chromium_path() -> str | None:
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def _browser_or_skip():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        reason = "Playwright is not installed (pip install -e '.[test]')"
    if reason is None and not chromium_path():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if reason:
        if REQUIRE_ALL:
            pytest.fail(f"UTREX_REQUIRE_ALL=1 but {reason}")
        pytest.skip(reason)
    return sync_playwright


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw (filtered) scanlines of a PNG, enough to tell a blank image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_html_in_chromium(page_html, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 2400})
            pg.on("request", lambda r: requests.append(r.url))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.goto(path.as_uri())
            shot = pg.screenshot(full_page=False, path=str(tmp_path / "report.png"))
            chart = pg.locator("#chart-rules svg").bounding_box()
            table = pg.locator("section.rule table").first.bounding_box()
            assert chart and chart["width"] > 300 and chart["height"] > 20
            assert table and table["width"] > 300 and table["height"] > 20
            assert chart["y"] < 2400 and table["y"] < 2400 or table["y"] > 0  # laid out, on the page
            assert pg.locator("#filters").is_visible()  # the script ran and showed the filters

            # filtering: warnings only hides the error rules
            n_all = pg.locator("section.rule:visible").count()
            pg.select_option("#f-severity", "warning")
            visible = pg.locator("section.rule:visible")
            assert visible.count() < n_all
            assert all(s == "warning" for s in visible.evaluate_all("els => els.map(e => e.dataset.severity)"))
            pg.click("#f-clear")
            # a student: only that student's rows remain
            pg.fill("#f-student", "7272727")
            pg.wait_for_timeout(400)
            rows = pg.locator("section.rule tbody tr:visible")
            assert rows.count() >= 1
            assert set(rows.evaluate_all("els => els.map(e => e.dataset.student)")) == {"7272727"}
            pg.click("#f-clear")
            pg.select_option("#f-school", "790")
            assert pg.locator("#f-count").inner_text().endswith("row(s) shown")
        finally:
            browser.close()
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    width, height, raw = png_pixels(shot)
    assert (width, height) == (1400, 2400)
    assert len(set(raw[:: max(1, len(raw) // 200_000)])) > 20  # not a blank page


# --- the reports through `utrex validate --format ...` ---------------------------------------------

def utrex(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "utrex", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | list[dict]]:
    """BODY validated by the command (Level 1 and Level 2), with its JSON report."""
    d = tmp_path_factory.mktemp("cli-reports")
    path = d / "lea14.txt"
    path.write_text(build(BODY), newline="")
    p = utrex("validate", str(path), "--format", "json", "--output", str(d / "r.json"))
    assert p.returncode == 1, p.stderr
    return {"dir": d, "file": path, "findings": json.loads((d / "r.json").read_text())["findings"]}


def test_cli_xlsx(flawed) -> None:
    out = flawed["dir"] / "report.xlsx"
    p = utrex("validate", str(flawed["file"]), "--format", "xlsx", "--output", str(out))
    assert p.returncode == 1, p.stderr  # the exit status follows the findings, whatever the format
    assert not p.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    findings = flawed["findings"]
    sheets = {name: rows_of(wb[name]) for name in SHEETS[1:]}
    for name, rows in sheets.items():
        ws = wb[name]
        head = [c.value for c in ws[1]]
        severity = "Severity" if name == LEVEL2_SHEET else "SeverityCode"
        assert set(REQUIRED) - {"SeverityCode"} | {severity, "FieldValues"} <= set(head), (name, head)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert all(r[severity] in ("Error", "Warning") for r in rows)
    # every finding is on exactly one sheet, Level 2 findings on "Level 2 Errors"
    assert sum(len(rows) for rows in sheets.values()) == len(findings)
    level2 = sorted(f["rule"] for f in findings if f["level"] == 2)
    assert level2, "the file should have Level 2 findings"
    assert sorted(r["ErrorCode"] for r in sheets[LEVEL2_SHEET]) == level2
    gender = next(f for f in findings if f["rule"] == "S1.gender.code")
    row = next(r for r in sheets["Student"] if r["ErrorCode"] == "S1.gender.code")
    assert (row["Line"], row["StudentNumber"], row["StatewideStudentID"], row["SchoolNumber"], row["LEANumber"]) == \
        (gender["line"], gender["student_number"], gender["ssid"], gender["school"], gender["lea"])
    assert row["FieldValues"] == "gender='X'" and row["ErrorMessage"] == gender["message"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Errors"] == sum(f["severity"] == "error" for f in findings)


def test_cli_xlsx_unwritable_output_exits_2(flawed, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    p = utrex("validate", str(flawed["file"]), "--format", "xlsx", "--output", str(blocker / "report.xlsx"))
    assert p.returncode == 2 and "cannot write" in p.stderr and "Traceback" not in p.stderr


def test_cli_csv_has_stable_columns(flawed) -> None:
    p = utrex("validate", str(flawed["file"]), "--format", "csv")
    assert p.returncode == 1
    reader = csv.DictReader(io.StringIO(p.stdout))
    assert reader.fieldnames == CSV_COLUMNS == [
        "rule", "level", "severity", "line", "record_type", "fields", "values", "lea", "school",
        "student_number", "ssid", "message", "record_key"]
    rows = list(reader)
    findings = flawed["findings"]
    assert [(r["rule"], r["line"]) for r in rows] == [(f["rule"], str(f["line"] or "")) for f in findings]
    assert all(json.loads(r["values"]) == f["values"] for r, f in zip(rows, findings, strict=True))
    assert all(r["record_key"] for r in rows)


def test_cli_html_is_one_self_contained_page(flawed) -> None:
    out = flawed["dir"] / "report.html"
    p = utrex("validate", str(flawed["file"]), "--format", "html", "--output", str(out))
    assert p.returncode == 1, p.stderr
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    rules = {f["rule"] for f in flawed["findings"]}
    assert {s.get("data-rule") for s in page.all("section") if s.get("class") == "rule"} == rules
    assert not page.all("link") and not [a for a in page.all("script") if a.get("src")]
    assert not [a for _, a in page.tags for k in ("src", "href") if (a.get(k) or "").startswith(("http", "//"))]
    assert XSS not in html
    # to stdout without --output
    p = utrex("validate", str(flawed["file"]), "--format", "html")
    assert p.returncode == 1 and p.stdout.lstrip().startswith("<!DOCTYPE html>")


def test_cli_html_in_chromium(flawed, tmp_path: Path) -> None:
    """The page the command writes, in a real browser: charts and tables laid out, filters working."""
    sync_playwright = _browser_or_skip()
    out = tmp_path / "report.html"
    assert utrex("validate", str(flawed["file"]), "--format", "html", "--output", str(out)).returncode == 1
    rules = sorted({f["rule"] for f in flawed["findings"]})
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 1600})
            pg.on("request", lambda r: requests.append(r.url))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(out.as_uri())
            shot = tmp_path / "report.png"
            pg.screenshot(full_page=True, path=str(shot))
            for chart in ("#chart-rules svg", "#chart-schools svg"):
                box = pg.locator(chart).bounding_box()
                assert box and box["width"] > 300 and box["height"] > 10, chart
            bars = pg.locator("#chart-rules rect")
            assert bars.count() >= len(rules)
            assert all(b["width"] >= 1 for b in bars.evaluate_all(
                "els => els.map(e => e.getBoundingClientRect()).map(r => ({width: r.width}))"))
            tables = pg.locator("section.rule table")
            assert tables.count() == len(rules)
            assert pg.locator("section.rule tbody tr:visible").count() == len(flawed["findings"])
            # the rule filter leaves that rule's table alone
            pg.select_option("#f-rule", "S1.gender.code")
            visible = pg.locator("section.rule:visible")
            assert visible.evaluate_all("els => els.map(e => e.dataset.rule)") == ["S1.gender.code"]
            assert pg.locator("#f-count").inner_text() == "1 row(s) shown"
            pg.click("#f-clear")
            # free text search
            pg.fill("#f-text", "custody")
            pg.wait_for_timeout(400)
            shown = pg.locator("section.rule:visible").evaluate_all("els => els.map(e => e.dataset.rule)")
            assert shown and all(r.startswith("S3.") for r in shown)
        finally:
            browser.close()
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    width, height, raw = png_pixels(shot.read_bytes())
    assert width == 1280 and height > 1600  # the whole page, longer than one screen
    assert len(set(raw[:: max(1, len(raw) // 200_000)])) > 20  # not a blank page
