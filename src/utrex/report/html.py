"""Validation results as one self-contained HTML page a coordinator can work through.

No network: CSS, the charts (SVG) and a small filtering script are inline. Everything from the file is
escaped by Jinja2's autoescape (the page holds student data), and no data is written into the script:
rows carry data-* attributes that the script reads. The page works as a static document without
JavaScript; the script adds filtering by text, severity, rule, school and student.

Each rule's table is capped (`per_rule` rows, and `max_rows` over the whole page) and says "showing N
of M"; the CSV and XLSX reports carry every finding.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from .. import __version__
from .common import rule_info, severity_word, spec_field, values_text, with_record_columns

PER_RULE = 500
MAX_ROWS = 20_000
MIN_ROWS = 25  # rows every rule still shows once the page's budget is spent
CHART_BARS = 25
TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda n: f"{int(n):,}" if n is not None else ""
    env.filters["sev"] = severity_word
    return env


def render_html(summary: dict[str, Any], findings: pl.DataFrame, *, per_rule: int = PER_RULE,
                max_rows: int = MAX_ROWS, title: str | None = None) -> str:
    """The page for one validation result (`summary` and `findings` as `validate_file` returns them)."""
    df = with_record_columns(findings)
    s = summary or {}
    school_year = _int(s.get("school_year"))
    capped = {str(k): int(v) for k, v in (s.get("capped") or {}).items()}
    rules = _rule_sections(df, per_rule, max_rows, school_year, capped)
    totals = _totals(df, s)
    page_title = title or f"Validation report: {s.get('file', 'file')}"
    return environment().get_template("findings.html.j2").render(
        title=page_title,
        summary=s,
        facts=_facts(s),
        totals=totals,
        rule_chart=_bars([(r["id"], r["severity"], r["count"], r["count"] if r["severity"] == "error" else 0)
                          for r in rules], CHART_BARS, "rule"),
        school_chart=_bars(_by_school(df), CHART_BARS, "school"),
        rules=rules,
        schools=sorted({x for x in df["school"].drop_nulls().unique().to_list() if x}) if df.height else [],
        spec_fields=_spec_fields(rules),
        notes=list(s.get("notes", [])),
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=__version__,
        per_rule=per_rule,
    )


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _facts(s: dict[str, Any]) -> list[tuple[str, Any]]:
    keys = [("File", "file"), ("LEA", "lea"), ("School year", "school_year"), ("Update", "period"),
            ("As of", "as_of"), ("Specification", "specification"), ("Reference data", "reference"),
            ("Records", "records"), ("Rules run", "rules_run")]
    out = []
    for label, key in keys:
        v = s.get(key)
        if v is not None and v != "":
            out.append((label, f"{v:,}" if isinstance(v, int) and key != "school_year" else v))
    return out


def _totals(df: pl.DataFrame, s: dict[str, Any]) -> dict[str, int]:
    if df.height == 0:
        return {"findings": 0, "errors": 0, "warnings": 0, "rules": 0, "schools": 0, "students": 0,
                "records": _int(s.get("records")) or 0}
    who = pl.coalesce(pl.when(pl.col("student_number").str.strip_chars() != "").then(pl.col("student_number")),
                      pl.when(pl.col("ssid").str.strip_chars() != "").then(pl.lit("ssid ") + pl.col("ssid")))
    students = df.select((pl.col("school").fill_null("") + "|" + who).drop_nulls().n_unique()).item()
    return {
        "findings": df.height,
        "errors": int((df["severity"] == "error").sum()),
        "warnings": int((df["severity"] == "warning").sum()),
        "rules": df["rule"].n_unique(),
        "schools": df["school"].drop_nulls().n_unique(),
        "students": int(students),
        "records": _int(s.get("records")) or 0,
        # with --max-per-rule the frame holds only some findings; the summary counted them all
        **({"findings": int(s["errors"]) + int(s["warnings"]), "errors": int(s["errors"]),
            "warnings": int(s["warnings"])} if s.get("capped") and "errors" in s and "warnings" in s else {}),
    }


def _by_school(df: pl.DataFrame) -> list[tuple[str, str, int, int]]:
    if df.height == 0:
        return []
    g = (df.group_by(pl.col("school").fill_null("").alias("school"))
         .agg(pl.len().alias("n"), (pl.col("severity") == "error").sum().alias("e"))
         .sort(["n", "school"], descending=[True, False]))
    return [(school, "error" if e else "warning", int(n), int(e)) for school, n, e in g.iter_rows()]


def _bars(items: list[tuple[str, str, int, int]], limit: int, kind: str) -> dict[str, Any]:
    """Horizontal bar chart geometry: (label, severity, total, errors) -> rows of an inline SVG."""
    shown = items[:limit]
    rest = items[limit:]
    biggest = max((n for _, _, n, _ in shown), default=1) or 1
    label_w, bar_w, row_h = 300, 420, 22
    rows = []
    for i, (label, sev, n, e) in enumerate(shown):
        rows.append({
            "key": label, "label": label or ("(no school: file and LEA level)" if kind == "school" else "?"),
            "severity": sev, "count": n, "errors": e, "y": i * row_h,
            "w": max(1.0, round(bar_w * n / biggest, 1)), "ew": round(bar_w * e / biggest, 1),
        })
    return {
        "rows": rows, "width": label_w + bar_w + 90, "height": max(1, len(rows)) * row_h + 4,
        "label_w": label_w, "row_h": row_h,
        "rest": len(rest), "rest_count": sum(n for _, _, n, _ in rest), "kind": kind,
    }


def _rule_sections(df: pl.DataFrame, per_rule: int, max_rows: int, school_year: int | None,
                   capped: dict[str, int] | None = None) -> list[dict[str, Any]]:
    capped = capped or {}
    if df.height == 0:
        return []
    counts = df.group_by("rule").agg(pl.len().alias("n"), pl.col("severity").first().alias("severity"))
    order = sorted(((r, capped.get(r, n), sev) for r, n, sev in counts.iter_rows()),
                   key=lambda t: (t[2] != "error", -t[1], t[0]))
    heads = (df.sort(["rule", "line"], nulls_last=False).group_by("rule", maintain_order=True).head(per_rule)
             .partition_by("rule", as_dict=True))
    budget = max_rows
    sections = []
    for rule_id, n, sev in order:
        take = min(n, per_rule) if budget > 0 else min(n, MIN_ROWS)
        take = min(take, max(budget, MIN_ROWS))
        budget -= take
        rows = heads[(rule_id,)].head(take)
        info = rule_info(rule_id)
        sections.append({
            "id": rule_id, "severity": sev or info.severity, "count": n, "shown": rows.height,
            "capped": rule_id in capped,
            "title": info.title, "message": info.message, "description": info.description,
            "citation": info.citation, "level": info.level,
            "spec": [f for f in (spec_field(info.record_type, fid, school_year) for fid in info.fields) if f],
            "rows": [_row(d) for d in rows.iter_rows(named=True)],
        })
    return sections


def _row(d: dict[str, Any]) -> dict[str, Any]:
    course = " ".join(x for x in (d["_course"], d["_period"] and f"period {d['_period']}") if x)
    return {
        "line": d["line"], "record_type": d["record_type"], "lea": d["lea"] or "", "school": d["school"] or "",
        "student": d["student_number"] or "", "ssid": d["ssid"] or "", "entry_date": d["_entry_date"] or "",
        "course": course, "incident": d["_incident_id"] or "", "found": values_text(d["values"], d["fields"]),
        "message": d["message"] or "",
    }


def _spec_fields(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for r in rules:
        for f in r["spec"]:
            seen.setdefault(f["anchor"], f)
    return sorted(seen.values(), key=lambda f: f["anchor"])
