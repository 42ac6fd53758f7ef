"""Validation results as an Excel workbook shaped like the state's error download.

One sheet per record family (Student, Special Ed, Youth in Custody, Course, Student Transcript,
Incident, Exit Status) plus "Level 2 Errors", with the download's column names, so an LEA's
spreadsheets and macros keep working; a "Summary" sheet comes first. Written with XlsxWriter in
constant-memory mode: rows stream to disk sheet by sheet, so a report of a million findings fits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from .common import (
    FAMILIES,
    FAMILY_OF,
    LEVEL2_SHEET,
    rule_info,
    severity_word,
    values_text,
    with_record_columns,
)

MAX_ROWS = 1_048_575  # Excel's limit less the header row
MAX_WIDTH = 80

# Column name -> a Polars expression over the findings (after with_record_columns and _prepare).
COMMON: list[tuple[str, pl.Expr]] = [
    ("ErrorCode", pl.col("rule")),
    ("SeverityCode", pl.col("_severity")),
    ("ErrorMessage", pl.col("message")),
    ("ExtendedDescription", pl.col("_extended")),
    ("LEANumber", pl.col("lea")),
    ("SchoolNumber", pl.col("school")),
    ("StudentNumber", pl.col("student_number")),
    ("StatewideStudentID", pl.col("ssid")),
    ("EntryDate", pl.col("_entry_date")),
    ("IncidentID", pl.col("_incident_id")),
]
COURSE: list[tuple[str, pl.Expr]] = [("CourseNumber", pl.col("_course")), ("Period", pl.col("_period"))]
TAIL: list[tuple[str, pl.Expr]] = [
    ("Line", pl.col("line")),
    ("RecordType", pl.col("record_type")),
    ("Fields", pl.col("fields").list.join(";")),
    ("FieldValues", pl.col("_field_values")),
]


def sheet_columns(sheet: str, with_key: bool) -> list[tuple[str, pl.Expr]]:
    cols = list(COMMON)
    if sheet in ("Course", "Student Transcript", LEVEL2_SHEET):
        cols += COURSE
    if sheet == LEVEL2_SHEET:
        cols[1] = ("Severity", cols[1][1])
    cols += TAIL
    if with_key:
        cols.append(("RecordKey", pl.col("record_key")))
    return cols


def _prepare(findings: pl.DataFrame) -> pl.DataFrame:
    df = with_record_columns(findings)
    rules = df["rule"].unique().drop_nulls().to_list()
    extended = {r: rule_info(r).extended for r in rules}
    field_values = [values_text(v, f) for v, f in zip(df["values"].to_list(), df["fields"].to_list(), strict=True)]
    family = (pl.col("record_type").fill_null("FILE")
              .replace_strict(FAMILY_OF, default="Student", return_dtype=pl.Utf8))
    return df.with_columns(
        pl.when(pl.col("level").fill_null(1) >= 2).then(pl.lit(LEVEL2_SHEET)).otherwise(family).alias("_sheet"),
        pl.col("severity").str.to_titlecase().alias("_severity"),  # "Error", "Warning" as the download has it
        pl.col("rule").replace_strict(extended, default="", return_dtype=pl.Utf8).alias("_extended"),
        pl.Series("_field_values", field_values, dtype=pl.Utf8),
    )


def write_xlsx(summary: dict[str, Any], findings: pl.DataFrame, path: str | Path) -> None:
    """Writes the workbook to `path` (a file name, or a binary file object XlsxWriter accepts)."""
    with_key = "record_key" in findings.columns
    df = _prepare(findings)
    wb = xlsxwriter.Workbook(str(path) if isinstance(path, Path) else path,
                             {"constant_memory": True, "strings_to_numbers": False,
                              "strings_to_formulas": False, "strings_to_urls": False})
    try:
        fmt = {
            "header": wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "bold": wb.add_format({"bold": True}),
            "int": wb.add_format({"num_format": "#,##0"}),
        }
        _summary_sheet(wb, fmt, summary or {}, df)
        for sheet, _codes in [*FAMILIES, (LEVEL2_SHEET, ())]:
            columns = sheet_columns(sheet, with_key)
            rows = df.filter(pl.col("_sheet") == sheet).head(MAX_ROWS).select(
                [expr.alias(name) for name, expr in columns])
            _findings_sheet(wb, fmt, sheet, rows)
    finally:
        wb.close()


def _findings_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], name: str, rows: pl.DataFrame) -> None:
    ws = wb.add_worksheet(name)
    ws.write_row(0, 0, rows.columns, fmt["header"])
    widths = [len(c) + 2 for c in rows.columns]
    for j, col in enumerate(rows.columns):
        if rows.height:
            longest = rows[col].cast(pl.Utf8).str.len_chars().max()
            widths[j] = max(widths[j], int(longest or 0))
        ws.set_column(j, j, min(widths[j] + 1, MAX_WIDTH))
    numeric = [rows.schema[c].is_integer() for c in rows.columns]
    write_string, write_number = ws.write_string, ws.write_number
    for i, row in enumerate(rows.iter_rows(), start=1):
        for j, v in enumerate(row):
            if v is None or v == "":
                continue
            if numeric[j]:
                write_number(i, j, v)
            else:
                write_string(i, j, v)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows.height, 1), rows.width - 1)


def _summary_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], summary: dict[str, Any],
                   df: pl.DataFrame) -> None:
    ws = wb.add_worksheet("Summary")
    s = summary or {}
    r = 0
    ws.write_string(r, 0, "utrex validation report", fmt["title"])
    r += 2
    facts = [
        ("File", s.get("file")), ("LEA", s.get("lea")), ("School year", s.get("school_year")),
        ("Update", s.get("period")), ("As of", s.get("as_of")), ("Specification", s.get("specification")),
        ("Reference", s.get("reference")), ("Records", s.get("records")), ("Lines", s.get("lines")),
        ("Errors", s.get("errors")), ("Warnings", s.get("warnings")), ("Rules run", s.get("rules_run")),
    ]
    for label, value in facts:
        if value is None:
            continue
        ws.write_string(r, 0, label, fmt["bold"])
        if isinstance(value, int):
            ws.write_number(r, 1, value, fmt["int"])
        else:
            ws.write_string(r, 1, str(value))
        r += 1
    big = [name for name, n in (df.group_by("_sheet").len().iter_rows() if df.height else []) if n > MAX_ROWS]
    for note in [*s.get("notes", []), *(f"the {b} sheet holds only the first {MAX_ROWS:,} findings; "
                                         "the CSV report has them all" for b in big)]:
        ws.write_string(r, 0, "Note", fmt["bold"])
        ws.write_string(r, 1, str(note))  # long notes overflow into the empty cells to the right
        r += 1
    r += 1
    head = ["Rule", "Severity", "Findings", "Sheet", "Title", "Specification"]
    ws.write_row(r, 0, head, fmt["header"])
    top = r
    if df.height:
        by_rule = (df.group_by("rule", "severity", "_sheet").len()
                   .sort(["len", "rule"], descending=[True, False]))
        capped = s.get("capped") or {}
        for rule, sev, sheet, count in by_rule.iter_rows():
            count = int(capped.get(rule, count))  # with --max-per-rule: every finding, not the rows shown
            r += 1
            info = rule_info(rule)
            ws.write_string(r, 0, rule)
            ws.write_string(r, 1, severity_word(sev))
            ws.write_number(r, 2, count, fmt["int"])
            ws.write_string(r, 3, sheet)
            ws.write_string(r, 4, info.title)
            if info.citation:
                ws.write_string(r, 5, info.citation)
    ws.autofilter(top, 0, max(r, top + 1), len(head) - 1)
    for j, w in enumerate([40, max(12, min(MAX_WIDTH, len(str(s.get("file", ""))) + 2)), 10, 18, 50, 60]):
        ws.set_column(j, j, w)
