"""Compares two validation results: which findings are new, which were resolved, which are still open.

A finding is matched on its rule and the identity of the record it is about, never on its line number
(a record inserted near the top shifts every later line) nor on values that move every day
(membership, days attended, GPA, credits). The identity is the finding's `record_key` when both results
carry one; otherwise it is derived from the record type, LEA, school, student number (or SSID when the
student number is blank), and, where the finding's values hold them, the entry date, course and period,
and incident id. Several findings with the same rule and identity (an AC rule whose values do not name
the course, say) are paired one to one: first those whose other values are equal, then in file order,
so the counts of new and resolved stay right.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from .. import __version__
from .common import (
    COURSE_FIELDS,
    ENTRY_DATE_FIELDS,
    INCIDENT_FIELDS,
    PERIOD_FIELDS,
    findings_from_json,
    rule_info,
    severity_word,
    with_record_columns,
)
from .findings_io import CSV_COLUMNS

STATUSES = ("new", "resolved", "open")

# Values that change from one day's upload to the next without the record being another one.
VOLATILE = frozenset({
    "school_membership", "days_attended", "cumulative_gpa", "scram_membership", "yic_membership",
    "aggregate_memb", "actual_membership", "credits_attempted", "credit_earned", "grade_earned",
    "instruct_hrs_memshp", "instruct_hrs_attend", "sisasofdate", "which_month",
})

Finding = dict[str, Any]


def _clean(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _first(values: Mapping[str, Any], names: Iterable[str]) -> str:
    for n in names:
        if n in values and _clean(values[n]):
            return _clean(values[n])
    return ""


def _values(f: Finding) -> dict[str, Any]:
    v = f.get("values")
    if isinstance(v, str):
        try:
            v = json.loads(v) if v else {}
        except ValueError:
            return {}
    return v if isinstance(v, dict) else {}


def record_identity(f: Finding) -> tuple[str, ...]:
    """The record a finding is about, from its columns and values: no line number, no daily values."""
    values = _values(f)
    student = _clean(f.get("student_number"))
    who = student or (f"ssid:{_clean(f.get('ssid'))}" if _clean(f.get("ssid")) else "")
    return (
        _clean(f.get("record_type")), _clean(f.get("lea")), _clean(f.get("school")), who,
        _first(values, ENTRY_DATE_FIELDS), _first(values, COURSE_FIELDS), _first(values, PERIOD_FIELDS),
        _first(values, INCIDENT_FIELDS),
    )


def _stable_values(f: Finding) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, _clean(v)) for k, v in _values(f).items() if k not in VOLATILE))


def _has_record_key(findings: list[Finding]) -> bool:
    return any(f.get("record_key") not in (None, "") for f in findings)


def match_key(f: Finding, use_record_key: bool) -> tuple[Any, ...]:
    rk = f.get("record_key") if use_record_key else None
    if rk not in (None, ""):
        text = rk if isinstance(rk, str) else json.dumps(rk, sort_keys=True)
        return (f.get("rule"), "key", _without_line(text, f))
    return (f.get("rule"), "derived", *record_identity(f))


def _without_line(key: str, f: Finding) -> str:
    """A finding about the file rather than a record is keyed `LEA|FILE|rule|line`: drop the line."""
    line = f.get("line")
    tail = f"|FILE|{f.get('rule')}|{'' if line is None else line}"
    return key[: len(key) - len(str("" if line is None else line))] if key.endswith(tail) else key


def _findings_of(result: Mapping[str, Any]) -> list[Finding]:
    findings = result.get("findings")
    if not isinstance(findings, list):
        raise ValueError("not a validation result: no list of 'findings'")
    return [f for f in findings if isinstance(f, dict)]


def diff_results(old_json: Mapping[str, Any], new_json: Mapping[str, Any]) -> dict[str, list[Finding]]:
    """{"new": [...], "resolved": [...], "open": [...]}: findings shaped as in the validation json.

    New and open findings are the new result's (current line numbers and values), resolved ones the old
    result's; each list keeps its result's order."""
    old = _findings_of(old_json)
    new = _findings_of(new_json)
    use_rk = _has_record_key(old) and _has_record_key(new)
    groups_old: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    groups_new: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(old):
        groups_old[match_key(f, use_rk)].append(i)
    for i, f in enumerate(new):
        groups_new[match_key(f, use_rk)].append(i)
    matched_old: set[int] = set()
    matched_new: set[int] = set()
    for key, new_ids in groups_new.items():
        old_ids = groups_old.get(key)
        if not old_ids:
            continue
        if len(old_ids) == 1 and len(new_ids) == 1:
            matched_old.add(old_ids[0])
            matched_new.add(new_ids[0])
            continue
        free_old = list(old_ids)
        # equal values first (the same defect on the same record), then one to one in file order
        by_values: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(list)
        for i in free_old:
            by_values[_stable_values(old[i])].append(i)
        rest_new = []
        for j in new_ids:
            same = by_values.get(_stable_values(new[j]))
            if same:
                i = same.pop(0)
                free_old.remove(i)
                matched_old.add(i)
                matched_new.add(j)
            else:
                rest_new.append(j)
        for i, j in zip(free_old, rest_new, strict=False):
            matched_old.add(i)
            matched_new.add(j)
    return {
        "new": [f for j, f in enumerate(new) if j not in matched_new],
        "resolved": [f for i, f in enumerate(old) if i not in matched_old],
        "open": [f for j, f in enumerate(new) if j in matched_new],
    }


def new_errors(diff: Mapping[str, list[Finding]]) -> int:
    return sum(1 for f in diff["new"] if f.get("severity") == "error")


def _counts(findings: list[Finding]) -> str:
    e = sum(1 for f in findings if f.get("severity") == "error")
    w = sum(1 for f in findings if f.get("severity") == "warning")
    return f"{len(findings):,} ({e:,} error(s), {w:,} warning(s))"


def describe(summary: Mapping[str, Any] | None) -> str:
    s = summary or {}
    parts = [f"LEA {s['lea']}" if s.get("lea") else "", f"{s['period']} {s['school_year']}" if s.get("period") else "",
             f"as of {s['as_of']}" if s.get("as_of") else ""]
    return f"{s.get('file', '?')} ({', '.join(p for p in parts if p)})"


def to_text(diff: Mapping[str, list[Finding]], old_summary: Mapping[str, Any] | None = None,
            new_summary: Mapping[str, Any] | None = None, first: int = 100) -> str:
    out: list[str] = []
    if old_summary is not None or new_summary is not None:
        out.append(f"old: {describe(old_summary)}")
        out.append(f"new: {describe(new_summary)}")
    out.append(f"new {_counts(diff['new'])}; resolved {_counts(diff['resolved'])}; "
               f"still open {_counts(diff['open'])}")
    for status, heading in (("new", "New findings"), ("resolved", "Resolved findings"),
                            ("open", "Still open")):
        items = diff[status]
        if not items:
            continue
        out.append("")
        out.append(f"{heading} ({len(items):,}):")
        for f in items[:first]:
            where = f"line {f['line']}" if f.get("line") is not None else "file"
            who = f" school {f['school']}" if f.get("school") else ""
            who += f" student {f['student_number']}" if f.get("student_number") else ""
            out.append(f"  {where}{who} [{f.get('severity')} {f.get('rule')}] {f.get('message')}")
        if len(items) > first:
            out.append(f"  ... and {len(items) - first:,} more (--format csv lists them all)")
    return "\n".join(out) + "\n"


def to_json(diff: Mapping[str, list[Finding]]) -> str:
    return json.dumps({k: diff[k] for k in STATUSES}, indent=1, default=str)


def to_csv(diff: Mapping[str, list[Finding]]) -> str:
    """One row per finding: status, then the validation CSV's columns."""
    rows = [(status, f) for status in STATUSES for f in diff[status]]
    columns = ["status", *CSV_COLUMNS]
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for status, f in rows:
        data["status"].append(status)
        for c in columns[1:]:
            v = f.get(c)
            if c == "fields":
                v = ";".join(v or [])
            elif c == "values":
                v = json.dumps(v) if isinstance(v, dict) else v
            elif c == "record_key" and v is not None and not isinstance(v, str):
                v = json.dumps(v, sort_keys=True)
            data[c].append(v)
    schema = {c: (pl.Int64 if c in ("line", "level") else pl.Utf8) for c in columns}
    buf = io.StringIO()
    pl.DataFrame(data, schema=schema).write_csv(buf)
    return buf.getvalue()


def render_diff_html(diff: Mapping[str, list[Finding]], old_summary: Mapping[str, Any] | None = None,
                     new_summary: Mapping[str, Any] | None = None, per_rule: int = 200) -> str:
    """One self-contained page: counts, then new, resolved and still open findings rule by rule."""
    from .html import _row, environment  # the same escaping, styles and filter script as the report

    groups = []
    rules: set[str] = set()
    schools: set[str] = set()
    for status in STATUSES:
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in diff[status]:
            by_rule[str(f.get("rule"))].append(f)
        sections = []
        ranked = sorted(by_rule.items(), key=lambda kv: (kv[1][0].get("severity") != "error", -len(kv[1]), kv[0]))
        for rule_id, items in ranked:
            info = rule_info(rule_id)
            frame = with_record_columns(findings_from_json(items[:per_rule]))
            rows = [_row(d) for d in frame.iter_rows(named=True)]
            rules.add(rule_id)
            schools.update(r["school"] for r in rows if r["school"])
            sev = str(items[0].get("severity") or info.severity)
            sections.append({"id": rule_id, "severity": sev, "count": len(items), "shown": len(rows),
                             "title": info.title, "message": info.message, "description": info.description,
                             "citation": info.citation, "spec": [], "rows": rows})
        groups.append({"status": status, "count": len(diff[status]), "sections": sections,
                       "errors": sum(1 for f in diff[status] if f.get("severity") == "error")})
    return environment().get_template("diff.html.j2").render(
        title="Validation results compared", old=describe(old_summary), new=describe(new_summary),
        groups=groups, rules=sorted(rules), schools=sorted(schools), statuses=list(STATUSES),
        per_rule=per_rule, version=__version__, generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        sev=severity_word,
    )
