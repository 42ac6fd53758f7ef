"""One run of a scheduled collection, and what a person does with a run afterwards.

`execute` takes a planned run (status scheduled) through: collecting (the source fetches the whole file
into a temporary folder) -> the manifest check -> collected, then the schedule's action:

- collect: the file is kept, sealed (`collected_files`), for the person to validate or submit later;
- validate: received and validated without loading (`submissions.process(load=False)`) -> validated;
- submit: validated and loaded even with error findings -> submitted;
- submit-if-clean: validated; loaded only with 0 error findings and 0 manifest errors -> submitted,
  else it stays validated with the reason.

A source that fails, a file the manifest check refuses (no DI/S1), a refused or failed submission: the
run is failed with the reason, and the record tables are untouched (a submission loads in one
transaction or not at all). The run row is the state; `finished_at` is set when the run stops working,
so "a run of this schedule is in progress" is `finished_at IS NULL`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from ..engine.reader import UnreadableInput
from ..engine.validate import read_header
from ..store import crypto
from ..store.db import Store, _alive, worker_id
from ..store.models import Status, Submission, utcnow
from ..store.submissions import SubmissionError, get, load_submission, process, receive
from . import manifests
from .models import (
    AWAITING_PERSON,
    Action,
    CollectedFile,
    CollectionRun,
    CollectionSchedule,
    CollectionSource,
    RunStatus,
)
from .sources import CollectionError, fetch

Clock = Callable[[], dt.datetime]


class RunError(Exception):
    """A person's action on a run was refused (the message says why; nothing was changed)."""


def collected_label(run_id: int) -> str:
    return f"collection:{run_id}"


def _set(store: Store, run_id: int, **values: Any) -> None:
    with store.write() as conn:
        conn.execute(update(CollectionRun).where(CollectionRun.id == run_id).values(**values))


def get_run(store: Store, run_id: int) -> CollectionRun:
    with store.session() as s:
        run = s.get(CollectionRun, run_id)
    if run is None:
        raise RunError(f"no collection run {run_id}")
    return run


class Runner:
    def __init__(self, store: Store, clock: Clock = utcnow, sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.clock = clock
        self.sleep = sleep

    def execute(self, run_id: int) -> CollectionRun:
        """Run a planned run to its end; returns it as stored. Never raises for a failure of the run."""
        with self.store.write() as conn:  # only one executor takes a planned run
            taken = conn.execute(update(CollectionRun).where(
                CollectionRun.id == run_id, CollectionRun.status == RunStatus.SCHEDULED.value).values(
                status=RunStatus.COLLECTING.value, started_at=self.clock(), worker=worker_id())).rowcount
        if not taken:
            return get_run(self.store, run_id)
        try:
            self._execute(run_id)
        except BaseException as e:  # a bug must not leave the run collecting for ever
            self._finish(run_id, RunStatus.FAILED, f"{type(e).__name__}: {e}")
            if not isinstance(e, Exception):
                raise
        run = get_run(self.store, run_id)
        from .notify import after_run  # mail the LEA's people (failure, new errors) when SMTP is configured

        after_run(self.store, run)
        return run

    def _finish(self, run_id: int, status: RunStatus, reason: str | None = None, **values: Any) -> None:
        _set(self.store, run_id, status=status.value, reason=reason, finished_at=self.clock(), **values)

    def _execute(self, run_id: int) -> None:
        with self.store.session() as s:
            run = s.get(CollectionRun, run_id)
            assert run is not None
            sched = s.get(CollectionSchedule, run.schedule_id)
            assert sched is not None
            source = s.get(CollectionSource, sched.source_id)
        with tempfile.TemporaryDirectory(prefix="utrex-collect-") as tmp:
            try:
                if source is None:
                    raise CollectionError(f"the schedule's source {sched.source_id} no longer exists")
                got = fetch(source, Path(tmp), self.store.settings.key(), self.sleep)
            except CollectionError as e:
                self._finish(run_id, RunStatus.FAILED, f"collection failed: {e}")
                return
            data = got.path.read_bytes()
            facts = {"file_name": got.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            try:
                header = read_header(got.path)
                sy = header.di.get("school_year", "").strip()
                school_year = int(sy) if sy.isdigit() else None
            except UnreadableInput as e:
                self._finish(run_id, RunStatus.FAILED, f"the collected file {got.name} is not a Clearinghouse file: {e}",
                             **facts)
                return
            checked = manifests.check(got.path, manifests.manifest(sched.manifest), school_year)
            facts |= {"manifest_errors": checked.errors, "manifest_findings": checked.findings}
            if checked.fatal:
                self._finish(run_id, RunStatus.FAILED, f"the collected file {got.name} does not carry what the "
                             f"{checked.manifest.title} manifest requires: {checked.summary()}", **facts)
                return
            action = Action(sched.action)
            if action == Action.COLLECT:
                sealed = crypto.seal(data, self.store.settings.key(), collected_label(run_id))
                with self.store.session(write=True) as s:
                    s.add(CollectedFile(run_id=run_id, file_name=got.name, data=sealed))
                    s.execute(update(CollectionRun).where(CollectionRun.id == run_id).values(
                        status=RunStatus.COLLECTED.value, finished_at=self.clock(),
                        reason=_manifest_note(checked), **facts))
                return
            _set(self.store, run_id, status=RunStatus.COLLECTED.value, **facts)
            submit = action == Action.SUBMIT or (action == Action.SUBMIT_IF_CLEAN and not checked.errors)
            self._submit(run_id, sched, got.path, action, submit, checked)

    def _submit(self, run_id: int, sched: CollectionSchedule, path: Path, action: Action, submit: bool,
                checked: manifests.ManifestCheck | None) -> None:
        user = f"collector (schedule {sched.id})"
        sub_id: int | None = None
        try:
            sub, archived = receive(self.store, path, sched.lea, user)
            sub_id = sub.id
            _set(self.store, run_id, submission_id=sub_id)
            sub = process(self.store, sub_id, path, archived, load=False)
            errors = int(sub.errors or 0)
            if action == Action.SUBMIT_IF_CLEAN and errors:
                submit = False
            if not submit:
                self._finish(run_id, RunStatus.VALIDATED, _not_submitted(action, errors, checked), submission_id=sub_id)
                return
            # the store's hooks mail the other LEAs new cross-LEA findings (utrex.notices)
            load_submission(self.store, sub_id, archived=archived)
            self._finish(run_id, RunStatus.SUBMITTED, _manifest_note(checked), submission_id=sub_id)
        except SubmissionError as e:
            self._finish(run_id, RunStatus.FAILED, f"submission failed: {e}", submission_id=e.submission_id or sub_id)

    # --- a person's actions on a run (the portal's and the CLI's "validate", "submit", "cancel") ---

    def act(self, run_id: int, what: str) -> CollectionRun:
        run = get_run(self.store, run_id)
        if what == "cancel":
            if run.status not in AWAITING_PERSON:
                raise RunError(f"run {run_id} is {run.status}; only a collected or validated run can be cancelled")
            with self.store.session(write=True) as s:
                s.execute(delete(CollectedFile).where(CollectedFile.run_id == run_id))
            self._finish(run_id, RunStatus.CANCELLED, "cancelled: the collected file will not be submitted")
            return get_run(self.store, run_id)
        if what not in ("validate", "submit"):
            raise RunError(f"unknown action {what!r}: validate, submit or cancel")
        sched = _schedule(self.store, run.schedule_id)
        if run.status == RunStatus.COLLECTED.value and run.finished_at is not None:
            with self.store.session() as s:
                kept = s.get(CollectedFile, run_id)
            if kept is None:
                raise RunError(f"run {run_id} has no collected file any more")
            data = crypto.unseal(kept.data, self.store.settings.key(), collected_label(run_id))
            with tempfile.TemporaryDirectory(prefix="utrex-collect-") as tmp:
                p = Path(tmp) / kept.file_name
                p.write_bytes(data)
                _set(self.store, run_id, finished_at=None)
                self._submit(run_id, sched, p, Action.SUBMIT if what == "submit" else Action.VALIDATE,
                             what == "submit", None)
            with self.store.session(write=True) as s:  # the submission's archive holds it now
                s.execute(delete(CollectedFile).where(CollectedFile.run_id == run_id))
            return get_run(self.store, run_id)
        if run.status == RunStatus.VALIDATED.value and what == "submit" and run.submission_id:
            try:
                load_submission(self.store, run.submission_id)
            except SubmissionError as e:
                raise RunError(f"run {run_id}: {e}") from None
            self._finish(run_id, RunStatus.SUBMITTED, None)
            return get_run(self.store, run_id)
        raise RunError(f"run {run_id} is {run.status}; it cannot be {what}{'ted' if what == 'submit' else 'd'} now")


def _schedule(store: Store, schedule_id: int) -> CollectionSchedule:
    with store.session() as s:
        sched = s.get(CollectionSchedule, schedule_id)
    if sched is None:
        raise RunError(f"no scheduled collection {schedule_id}")
    return sched


def _manifest_note(checked: manifests.ManifestCheck | None) -> str | None:
    if checked is None or not checked.errors:
        return None
    return f"manifest: {checked.summary()}"


def _not_submitted(action: Action, errors: int, checked: manifests.ManifestCheck | None) -> str | None:
    if action != Action.SUBMIT_IF_CLEAN:
        return _manifest_note(checked)
    why = []
    if errors:
        why.append(f"{errors} error finding(s)")
    if checked is not None and checked.errors:
        why.append(f"{checked.errors} record(s) lacking what the manifest requires ({checked.summary()})")
    return "not submitted (submit only if error-free): " + "; ".join(why)


# --- keeping the run table true -------------------------------------------------------------------

def reconcile(store: Store) -> int:
    """Validated runs whose submission a person has since loaded (`utrex submission ID --load`, the
    portal) are submitted: mark them so. Returns how many changed."""
    loaded = select(Submission.id).where(Submission.status == Status.LOADED.value)
    with store.write() as conn:
        return conn.execute(update(CollectionRun).where(
            CollectionRun.status == RunStatus.VALIDATED.value, CollectionRun.submission_id.in_(loaded)).values(
            status=RunStatus.SUBMITTED.value, reason="submitted later by a person")).rowcount


def recover(store: Store, now: dt.datetime | None = None) -> list[int]:
    """Fail the runs a stopped process left planned or collecting (its worker is gone)."""
    with store.session() as s:
        stuck = s.execute(select(CollectionRun.id, CollectionRun.worker, CollectionRun.status).where(
            CollectionRun.finished_at.is_(None))).all()
    dead = [(rid, status) for rid, worker, status in stuck if not _alive(worker)]
    for rid, status in dead:
        with store.write() as conn:
            conn.execute(update(CollectionRun).where(CollectionRun.id == rid, CollectionRun.finished_at.is_(None))
                         .values(status=RunStatus.FAILED.value, finished_at=now or utcnow(),
                                 reason=f"interrupted while {status}: the collector stopped; nothing was loaded "
                                        "by this run after that"))
    return [rid for rid, _ in dead]


def submission_of(store: Store, run: CollectionRun) -> Submission | None:
    return get(store, run.submission_id) if run.submission_id else None
