"""Rollback: an earlier loaded submission's accepted records made the records in force again.

A rollback is its own entry in the submission log (`kind` "rollback"): who asked, when, why (`note`)
and which submission it restored (`restores_id`). It does not guess what the records were: it reloads
the restored submission's stored outcome and archived file through the same load as a submission
(`submissions.apply_load`), in one transaction, so it is atomic like any load and a killed rollback is
marked failed when the store next opens.

The restored submission's held records are treated as they were when it was loaded: each keeps the
version in force now, marked stale (held in the restored submission); a record it did not contain
stops counting.
"""

from __future__ import annotations

from . import bulk, hooks
from .db import Store, worker_id
from .models import Kind, Status, Submission, utcnow
from .submissions import (
    SubmissionRefused,
    _fail,
    _Opened,
    _os_user,
    apply_load,
    get,
    normalize_lea,
    raw_file,
    split_outcome,
    submission_outcome,
)


def rollback(lea: str | int, to: int, reason: str, user: str | None = None,
             store: Store | None = None) -> Submission:
    """Make submission `to` current again for its LEA and school year; returns the rollback's log entry.

    Raises SubmissionRefused (nothing changed, no entry made) when `to` is not a loaded submission of
    this LEA or no reason is given, SubmissionFailed when the reload failed (the records are unchanged)."""
    with _Opened(store) as st:
        target = _target(st, normalize_lea(lea), to, reason)
        entry = _log_entry(st, target, reason.strip(), user or _os_user())
        try:
            bulk.checkpoint("rollback:start")
            archived = raw_file(st, target.id)
            accepted, held_keys = split_outcome(submission_outcome(st, target.id), archived, target.school_year)
            bulk.checkpoint("rollback:prepared")
            with hooks.around_load(st, entry.id), st.write() as conn:
                apply_load(conn, entry, accepted, held_keys, source=target.id)
        except BaseException as e:
            raise _fail(st, entry.id, e, "rollback") from e
        return get(st, entry.id)


def _target(store: Store, lea: str, to: int, reason: str) -> Submission:
    if not reason or not reason.strip():
        raise SubmissionRefused("a rollback needs a reason (it is recorded in the submission log)")
    target = get(store, to)
    if target.lea != lea:
        raise SubmissionRefused(f"submission {to} is LEA {target.lea}'s, not LEA {lea}'s")
    if target.kind != Kind.SUBMISSION.value or target.status != Status.LOADED.value:
        what = "a rollback" if target.kind == Kind.ROLLBACK.value else f"{target.status}"
        raise SubmissionRefused(f"submission {to} is {what}; only a loaded submission can be made current again")
    return target


def _log_entry(store: Store, target: Submission, reason: str, user: str) -> Submission:
    """The rollback's entry, committed as `loading` before the records change (a kill leaves it to recover)."""
    entry = Submission(
        kind=Kind.ROLLBACK.value, restores_id=target.id, note=reason, lea=target.lea,
        school_year=target.school_year, period=target.period, user=user, received_at=utcnow(),
        validated_at=target.validated_at, file_name=target.file_name, sha256=target.sha256, size=target.size,
        status=Status.LOADING.value, worker=worker_id(), records=target.records, accepted=target.accepted,
        held=target.held, errors=target.errors, warnings=target.warnings, ssns_blanked=target.ssns_blanked,
        counts=target.counts, reference_version_id=target.reference_version_id,
        reference_source=target.reference_source)
    with store.session(write=True) as s:
        s.add(entry)
    return entry
