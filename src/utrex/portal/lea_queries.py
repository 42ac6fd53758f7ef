"""What the LEA pages read from the store, in SQL: a submission checked against the LEA of the URL, the
submission log a page at a time, a submission's findings filtered and paginated. The comparison with the
LEA's previous submission is store/report.py's (`previous_submission`, `compare_submissions`), which the
new-errors notice uses too."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, or_, select

from ..store.db import Store
from ..store.models import IN_FLIGHT, Finding, Submission


def submission_of(store: Store, lea: str, submission_id: int) -> Submission:
    """The submission if it is this LEA's; 404 otherwise, the same answer as for an id that does not
    exist, so an id guessed under another LEA's address tells nothing."""
    with store.session() as s:
        sub = s.get(Submission, submission_id)
    if sub is None or sub.lea != lea:
        raise HTTPException(404)
    return sub


def source_id(sub: Submission) -> int:
    """Whose findings a log entry shows: a rollback shows those of the submission it restored."""
    return sub.restores_id if sub.restores_id is not None else sub.id


def log_page(store: Store, lea: str, page: int, size: int) -> tuple[list[Submission], int]:
    """One page of the LEA's submission log, newest first, and how many entries there are."""
    with store.session() as s:
        total = int(s.scalar(select(func.count()).select_from(Submission).where(Submission.lea == lea)) or 0)
        rows = list(s.scalars(select(Submission).where(Submission.lea == lea).order_by(Submission.id.desc())
                              .offset((page - 1) * size).limit(size)))
    return rows, total


def latest(store: Store, lea: str) -> Submission | None:
    with store.session() as s:
        return s.scalars(select(Submission).where(Submission.lea == lea).order_by(Submission.id.desc())
                         .limit(1)).first()


@dataclass(frozen=True)
class FindingFilter:
    severity: str = ""
    rule: str = ""
    school: str = ""
    student: str = ""  # a student number or an SSID

    def apply(self, stmt: Any) -> Any:
        if self.severity:
            stmt = stmt.where(Finding.severity == self.severity)
        if self.rule:
            stmt = stmt.where(Finding.rule == self.rule)
        if self.school:
            stmt = stmt.where(Finding.school == self.school)
        if self.student:
            stmt = stmt.where(or_(Finding.student_number == self.student, Finding.ssid == self.student))
        return stmt

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("severity", self.severity), ("rule", self.rule), ("school", self.school),
                                  ("student", self.student)) if v}


FINDING_COLUMNS = (Finding.rule, Finding.severity, Finding.level, Finding.line, Finding.record_type,
                   Finding.fields, Finding.school, Finding.student_number, Finding.ssid, Finding.message)


def findings_page(store: Store, submission_id: int, f: FindingFilter, page: int, size: int
                  ) -> tuple[list[dict[str, Any]], int]:
    """The matching findings of a page (in the validator's order) and how many match in all."""
    base = select(func.count()).select_from(Finding).where(Finding.submission_id == submission_id)
    rows = select(*FINDING_COLUMNS).where(Finding.submission_id == submission_id)
    with store.session() as s:
        total = int(s.scalar(f.apply(base)) or 0)
        found = s.execute(f.apply(rows).order_by(Finding.id).offset((page - 1) * size).limit(size)).mappings().all()
    return [dict(r) for r in found], total


_COUNTS: OrderedDict[tuple[str, int, object], list[tuple[str, str, int]]] = OrderedDict()
_COUNTS_LOCK = threading.Lock()


def rule_counts(store: Store, submission_id: int, validated_at: object = None) -> list[tuple[str, str, int]]:
    """(rule, severity, findings) of a submission: errors first, then the most frequent. With the time it
    was validated (its findings never change after), the answer is kept in memory: every page of its
    findings shows these counts, and a group-by per page view is what slowed the page under load."""
    if validated_at is None:
        return _rule_counts(store, submission_id)
    key = (store.url, submission_id, validated_at)  # the time tells a recreated database's id 1 from the old
    with _COUNTS_LOCK:
        if key in _COUNTS:
            _COUNTS.move_to_end(key)
            return list(_COUNTS[key])
    counts = _rule_counts(store, submission_id)
    with _COUNTS_LOCK:
        _COUNTS[key] = counts
        while len(_COUNTS) > 256:
            _COUNTS.popitem(last=False)
    return list(counts)


def _rule_counts(store: Store, submission_id: int) -> list[tuple[str, str, int]]:
    with store.session() as s:
        rows = s.execute(select(Finding.rule, Finding.severity, func.count()).where(
            Finding.submission_id == submission_id).group_by(Finding.rule, Finding.severity)).all()
    return sorted(((r, sev, int(n)) for r, sev, n in rows), key=lambda t: (t[1] != "error", -t[2], t[0]))


def has_findings(sub: Submission) -> bool:
    return sub.status not in IN_FLIGHT and sub.records is not None
