"""A stored submission as the validator's report writers take it: its summary and its findings frame.

`utrex submission ID --format csv|html|xlsx|text|json` writes the same reports as `utrex validate`
from what the store kept. The stored findings carry no `values` (they may hold a Social Security
Number), so the reports' "values found" columns are empty; everything else is as the validator wrote it.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select

from ..engine import findings as fnd
from ..engine.findings import to_dicts
from ..report.diff import diff_results
from .db import Store
from .models import Kind, Status, Submission
from .submissions import get, submission_findings


def submission_report(store: Store, submission_id: int) -> tuple[dict[str, Any], pl.DataFrame]:
    """(summary, findings) of a stored submission, shaped like `validate_file`'s Result."""
    sub = get(store, submission_id)
    d = sub.to_dict()
    c = sub.counts or {}
    summary: dict[str, Any] = {
        "file": sub.file_name, "bytes": sub.size, "lines": c.get("lines") or sub.records or 0,
        "records": sub.records or 0, "records_by_type": c.get("records_by_type") or {},
        "errors": sub.errors or 0, "warnings": sub.warnings or 0,
        "findings_by_rule": c.get("findings_by_rule") or {}, "lea": sub.lea, "school_year": sub.school_year,
        "period": sub.period, "as_of": c.get("as_of"), "specification": c.get("specification"),
        "reference": sub.reference_source, "rules_run": c.get("rules_run", "-"),
        "accepted_by_type": c.get("accepted_by_type"), "held_by_type": c.get("held_by_type"),
        "accepted": sub.accepted, "held": sub.held, "notes": list(c.get("notes") or []),
        "seconds": float(d["seconds"] or 0.0), "submission": sub.id, "status": sub.status, "user": sub.user,
        "received_at": d["received_at"], "sha256": sub.sha256,
    }
    source = sub.restores_id if sub.restores_id is not None else sub.id  # a rollback shows what it restored
    if source != sub.id:
        summary["notes"].append(f"rollback to submission {source}: {sub.note or ''}".rstrip(": "))
    stored = submission_findings(store, source)
    findings = fnd.conform(stored.with_columns(
        pl.col("fields").fill_null("").str.split(",").list.eval(pl.element().filter(pl.element() != "")),
        pl.lit(sub.lea).alias("lea")))
    return summary, findings


def previous_submission(store: Store, sub: Submission) -> Submission | None:
    """The LEA's submission before this one that has findings to compare (validated or loaded): the portal's
    diff page and the new-errors notice pair a submission with it."""
    with store.session() as s:
        return s.scalars(select(Submission).where(
            Submission.lea == sub.lea, Submission.id < sub.id, Submission.kind == Kind.SUBMISSION.value,
            Submission.status.in_((Status.VALIDATED.value, Status.LOADED.value)))
            .order_by(Submission.id.desc()).limit(1)).first()


def compare_submissions(store: Store, old_id: int, new_id: int) -> dict[str, list[dict[str, Any]]]:
    """{"new", "resolved", "open"}: the findings of `new_id` against those of `old_id`, as `utrex diff` pairs
    them, from the two stored results."""
    results = []
    for sid in (old_id, new_id):
        summary, findings = submission_report(store, sid)
        results.append({"summary": summary, "findings": to_dicts(findings)})
    return diff_results(results[0], results[1])
