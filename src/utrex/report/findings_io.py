"""Validation results as JSON, CSV and a readable text summary."""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl

from ..engine import findings as fnd

CSV_COLUMNS = ["rule", "level", "severity", "line", "record_type", "fields", "values", "lea", "school",
               "student_number", "ssid", "message", "record_key"]


def cap_per_rule(summary: dict[str, Any], findings: pl.DataFrame, limit: int
                 ) -> tuple[dict[str, Any], pl.DataFrame]:
    """At most `limit` findings of each rule (the first in file order), and a summary that says so.

    The summary's counts (errors, warnings, findings_by_rule) stay those of every finding, so the exit
    status does not change; `capped` maps each cut rule to its total and a note states the cut."""
    summary = {**summary, "max_per_rule": limit, "capped": {}}
    if findings.height == 0:
        return summary, findings
    totals = findings.group_by("rule").len()
    over = {r: int(n) for r, n in totals.filter(pl.col("len") > limit).sort("rule").iter_rows()}
    if not over:
        return summary, findings
    kept = findings.filter(pl.int_range(pl.len()).over("rule") < limit)
    summary["capped"] = over
    summary["notes"] = [*summary.get("notes", []), *(capped_line(r, n, limit) for r, n in over.items())]
    return summary, kept


def capped_line(rule: str, total: int, limit: int) -> str:
    return f"{rule}: {total:,} findings, {limit:,} shown (--max-per-rule {limit})"


def to_json(summary: dict[str, Any], findings: pl.DataFrame) -> str:
    return json.dumps({"summary": summary, "findings": fnd.to_dicts(findings)}, indent=1, default=str)


def to_csv(findings: pl.DataFrame) -> str:
    df = findings.with_columns(pl.col("fields").list.join(";"))
    buf = io.StringIO()
    df.select(CSV_COLUMNS).write_csv(buf)
    return buf.getvalue()


def to_text(summary: dict[str, Any], findings: pl.DataFrame, first: int = 20) -> str:
    out: list[str] = []
    s = summary
    out.append(f"{s['file']}: LEA {s['lea']}, school year {s['school_year']}, {s['period']} update, as of {s['as_of']}")
    out.append(f"{s['records']:,} records in {s['lines']:,} lines: "
               + ", ".join(f"{k} {v:,}" for k, v in s["records_by_type"].items()))
    out.append(f"{s['errors']:,} error(s), {s['warnings']:,} warning(s) from {s['rules_run']} rules "
               f"in {s['seconds']:.2f} s")
    for note in s.get("notes", []):
        out.append(f"note: {note}")
    if s["findings_by_rule"]:
        out.append("")
        out.append("Findings by rule:")
        capped = s.get("capped") or {}
        for rule, d in sorted(s["findings_by_rule"].items(), key=lambda kv: (-kv[1]["count"], kv[0])):
            shown = f"  ({s['max_per_rule']:,} shown)" if rule in capped else ""
            out.append(f"  {d['count']:>9,}  {d['severity']:<7}  {rule}{shown}")
    if findings.height:
        out.append("")
        out.append(f"First {min(first, findings.height)} finding(s):")
        for d in findings.head(first).iter_rows(named=True):
            where = f"line {d['line']}" if d["line"] is not None else "file"
            who = f" student {d['student_number']}" if d["student_number"] else ""
            out.append(f"  {where}{who} [{d['severity']} {d['rule']}] {d['message']}")
    return "\n".join(out) + "\n"
