"""Submissions: an LEA's file received, validated (Level 1 and 2) and loaded, piecemeal and atomically.

A submission moves received -> validating -> validated -> loading -> loaded, or to failed with a reason.
Each step commits on its own; the load is ONE transaction over the record tables:

1. records of this LEA and school year that the file holds but the validator held keep their last
   accepted version in force, marked `stale` (and `held_in` this submission);
2. every other record in force for the LEA and school year is deleted: the file is the LEA's complete
   update (Note 4), so a record it no longer contains stops counting;
3. the accepted records are inserted, with this submission as their source;
4. the submission becomes `loaded`.

Anything that goes wrong rolls the transaction back (the record tables are as they were) and marks the
submission failed, with the reason, in a transaction of its own. A process killed mid-way leaves the
submission received/validating/loading: `Store.open()` marks it failed ("interrupted").
"""

from __future__ import annotations

import getpass
import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import bindparam, delete, insert, select, update

from ..engine.reader import UnreadableInput, iter_blocks, open_checked
from ..engine.validate import Options, read_header, validate_file
from ..reference.model import Reference
from ..spec import spec_for
from . import bulk, cross_lea_findings, crypto, hooks, prior_year
from . import reference as reference_store
from .bulk import insert_frame
from .db import Store, worker_id
from .models import Finding, RawFile, Record, Status, Submission, SubmissionOutcome, utcnow
from .privacy import blank_young_ssns

OUTCOME_COLUMNS = ["line", "record_type", "record_key", "status", "held_by"]
FINDING_COLUMNS = ["rule", "level", "severity", "line", "record_type", "fields", "school", "student_number", "ssid",
                   "message", "record_key"]


class SubmissionError(Exception):
    """A submission was refused or failed; `submission_id` names its log entry (None: none was made)."""

    def __init__(self, message: str, submission_id: int | None = None) -> None:
        super().__init__(message)
        self.submission_id = submission_id


class SubmissionRefused(SubmissionError):
    pass


class SubmissionFailed(SubmissionError):
    pass


def normalize_lea(lea: str | int) -> str:
    s = str(lea).strip()
    return s.zfill(2) if s.isdigit() else s


def _label(submission_id: int) -> str:
    return f"submission:{submission_id}"


class _Opened:
    """The caller's store, or one opened from the settings (and closed) for this call."""

    def __init__(self, store: Store | None) -> None:
        self.own = store is None
        self.store = store or Store.open()

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *exc: object) -> None:
        if self.own:
            self.store.close()


# --- the steps ------------------------------------------------------------------------------------

def submit(path: str | Path, lea: str | int, user: str | None = None, load: bool = True,
           store: Store | None = None, reference: Reference | None = None) -> Submission:
    """Receive, validate and (unless `load=False`) load one LEA file; returns the submission.

    Raises SubmissionRefused (the file is not this LEA's, or not a Clearinghouse file) or
    SubmissionFailed (validation or the load failed; the record tables are unchanged)."""
    with _Opened(store) as st:
        sub, archived = receive(st, Path(path), normalize_lea(lea), user or _os_user())
        return process(st, sub.id, Path(path), archived, load=load, reference=reference)


def process(store: Store, submission_id: int, path: Path, archived: bytes, *, load: bool = True,
            reference: Reference | None = None) -> Submission:
    """Everything after `receive`: validate against the reference data in force (or `reference`) and,
    unless `load=False`, load. Raises SubmissionFailed (the submission is marked failed)."""
    version: int | None = None
    if reference is None:
        try:
            version, reference = reference_store.current(store)
        except Exception as e:
            raise _fail(store, submission_id, e, "reading the reference data") from e
    # a load to follow: the validation commits status loading, so no poller sees `validated` (a final state
    # for a validate-only submission) in between and stops waiting
    outcome = validate(store, submission_id, path, reference, version, then_load=load)
    if load:
        load_submission(store, submission_id, archived=archived, outcome=outcome, _validated=True)
    hooks.after_process(store, submission_id)  # the new-errors notice
    return get(store, submission_id)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def receive(store: Store, path: Path, lea: str, user: str) -> tuple[Submission, bytes]:
    """Log the submission and archive the file (SSNs below grade 12 blanked); refuse another LEA's file."""
    try:
        open_checked(path)
        data = path.read_bytes()
    except UnreadableInput as e:
        raise SubmissionRefused(f"refused: {e}") from None
    except OSError as e:
        raise SubmissionRefused(f"refused: {path}: cannot be read ({e.strerror})") from None
    sub = Submission(lea=lea, user=user, file_name=path.name, sha256=hashlib.sha256(data).hexdigest(),
                     size=len(data), status=Status.RECEIVED.value, received_at=utcnow(), worker=worker_id())
    refusal: str | None = None
    school_year: int | None = None
    try:
        header = read_header(path)
        di_lea = normalize_lea(header.di.get("lea_number", ""))
        sy = header.di.get("school_year", "").strip()
        school_year = int(sy) if sy.isdigit() else None
        if di_lea != lea:
            refusal = (f"refused: the file's DI record names LEA {di_lea or '(blank)'}, but it was submitted for "
                       f"LEA {lea}; an LEA submits only its own file")
    except UnreadableInput as e:
        refusal = f"refused: {e}"
    if refusal is not None:
        sub.status, sub.reason, sub.finished_at, sub.school_year = Status.FAILED.value, refusal, utcnow(), school_year
        with store.session(write=True) as s:
            s.add(sub)
        raise SubmissionRefused(refusal, sub.id)
    archived, blanked = blank_young_ssns(data, school_year)
    sub.ssns_blanked, sub.school_year = blanked, school_year
    key = store.settings.key()
    with store.session(write=True) as s:
        s.add(sub)
        s.flush()
        s.add(RawFile(submission_id=sub.id, size=len(archived), data=crypto.seal(archived, key, _label(sub.id))))
    bulk.checkpoint("receive:archived")
    return sub, archived


def _set(store: Store, submission_id: int, **values: Any) -> None:
    with store.write() as conn:
        conn.execute(update(Submission).where(Submission.id == submission_id).values(**values))


def _fail(store: Store, submission_id: int, error: BaseException, step: str) -> SubmissionFailed:
    reason = f"{step} failed: {type(error).__name__}: {error}" if not isinstance(error, SubmissionError) else str(error)
    _set(store, submission_id, status=Status.FAILED.value, reason=reason, finished_at=utcnow())
    return SubmissionFailed(reason, submission_id)


def validate(store: Store, submission_id: int, path: Path, reference: Reference | None = None,
             reference_version: int | None = None, *, then_load: bool = False) -> pl.DataFrame:
    """Level 1 and Level 2; stores the findings and every record's outcome; returns the outcome frame."""
    _set(store, submission_id, status=Status.VALIDATING.value, worker=worker_id())
    try:
        bulk.checkpoint("validate:start")
        captured: dict[str, pl.DataFrame] = {}

        def keep(lf: pl.LazyFrame) -> None:
            captured["outcome"] = lf.select(OUTCOME_COLUMNS).collect(engine="streaming")

        result = validate_file(path, Options(reference=reference, outcome=keep))
        outcome = captured["outcome"].with_columns(pl.col("record_key").fill_null(""))
        summary = result.summary
        findings = finding_rows(result.findings).with_columns(pl.lit(submission_id).alias("submission_id"))
        counts = {k: summary.get(k) for k in ("records_by_type", "accepted_by_type", "held_by_type",
                                               "findings_by_rule", "notes", "specification", "as_of", "lines",
                                               "rules_run")}
        bulk.checkpoint("validate:checked")
        with store.write() as conn:
            bulk.checkpoint("validate:findings")
            insert_frame(conn, Finding.__tablename__, findings, "findings")
            bulk.checkpoint("validate:outcome")
            conn.execute(insert(SubmissionOutcome).values(submission_id=submission_id, rows=outcome.height,
                                                          data=outcome_blob(outcome)))
            bulk.checkpoint("validate:outcome_written")
            conn.execute(update(Submission).where(Submission.id == submission_id).values(
                status=(Status.LOADING if then_load else Status.VALIDATED).value, validated_at=utcnow(),
                school_year=summary["school_year"],
                period=summary["period"], records=summary["records"], accepted=summary["accepted"],
                held=summary["held"], errors=summary["errors"], warnings=summary["warnings"], counts=counts,
                reference_source=summary["reference"], reference_version_id=reference_version))
            bulk.checkpoint("validate:commit")
    except BaseException as e:
        raise _fail(store, submission_id, e, "validation") from e
    return outcome


def finding_rows(findings: pl.DataFrame) -> pl.DataFrame:
    """The findings as stored: no `values` (they may hold an SSN), and an SSN quoted in a message masked."""
    if not findings.height:
        return pl.DataFrame(schema={c: (pl.Int64 if c in ("line", "level") else pl.Utf8) for c in FINDING_COLUMNS})
    # a message about the SSN field may quote it: every run of 4 or more digits in it is masked
    has_ssn = pl.col("fields").list.contains("ssn").fill_null(False)
    return findings.with_columns(
        pl.when(has_ssn).then(pl.col("message").str.replace_all(r"[0-9]{4,}", "*********"))
        .otherwise(pl.col("message")).alias("message"),
        pl.col("fields").list.join(",").alias("fields"),
        pl.col("level").cast(pl.Int64),
    ).select(FINDING_COLUMNS)


def load_submission(store: Store, submission_id: int, *, archived: bytes | None = None,
                    outcome: pl.DataFrame | None = None, _validated: bool = False) -> Submission:
    """Put a validated submission's accepted records in force (one transaction); returns it, loaded."""
    sub = get(store, submission_id)
    if sub.status != Status.VALIDATED.value and not (_validated and sub.status == Status.LOADING.value):
        raise SubmissionRefused(f"submission {submission_id} is {sub.status}"
                                + (f" ({sub.reason})" if sub.reason else "") + "; only a validated submission loads",
                                submission_id)
    with store.session() as s:
        newer = s.scalar(select(Submission.id).where(
            Submission.lea == sub.lea, Submission.school_year == sub.school_year,
            Submission.status == Status.LOADED.value, Submission.id > submission_id).limit(1))
    if newer is not None:
        raise SubmissionRefused(f"submission {submission_id} is older than submission {newer}, already loaded for "
                                f"LEA {sub.lea} {sub.school_year}; loading it would undo that one", submission_id)
    _set(store, submission_id, status=Status.LOADING.value, worker=worker_id())
    try:
        bulk.checkpoint("load:start")
        if archived is None:
            archived = raw_file(store, submission_id)
        if outcome is None:
            outcome = submission_outcome(store, submission_id)
        accepted, held_keys = split_outcome(outcome, archived, sub.school_year)
        bulk.checkpoint("load:prepared")
        with hooks.around_load(store, submission_id), store.write() as conn:
            apply_load(conn, sub, accepted, held_keys)
    except BaseException as e:
        raise _fail(store, submission_id, e, "load") from e
    return get(store, submission_id)


def split_outcome(outcome: pl.DataFrame, archived: bytes, school_year: int | None) -> tuple[pl.DataFrame, list[str]]:
    """The accepted records with their text (one per key: the last line wins) and the keys held only."""
    acc = outcome.filter(pl.col("status") == "accepted").select("line", "record_type", "record_key")
    spec = spec_for(school_year)
    texts: list[pl.DataFrame] = []
    with tempfile.TemporaryDirectory(prefix="utrex-load-") as tmp:
        p = Path(tmp) / "archived.txt"
        p.write_bytes(archived)
        for block in iter_blocks(p, spec.codes):
            frame = pl.DataFrame({"line": block.line, "text": pl.Series("text", block.text, dtype=pl.Utf8)})
            texts.append(frame.join(acc, on="line", how="semi"))
    text = pl.concat(texts) if texts else pl.DataFrame(schema={"line": pl.Int64, "text": pl.Utf8})
    accepted = (acc.join(text.with_columns(pl.col("text").str.strip_chars_end("\r\n")), on="line", how="inner")
                .unique("record_key", keep="last", maintain_order=True))
    held = (outcome.filter(pl.col("status") == "held").select("record_key").unique()
            .join(accepted.select("record_key"), on="record_key", how="anti"))
    return accepted, held["record_key"].to_list()


def apply_load(conn: Any, sub: Submission, accepted: pl.DataFrame, held_keys: list[str],
               source: int | None = None) -> None:
    """Steps 1-4 of the module's docstring, in the caller's transaction. `source` is the submission
    whose file the records come from (a rollback's target; by default `sub` itself)."""
    lea, year, sid = sub.lea, sub.school_year, source if source is not None else sub.id
    bulk.checkpoint("load:begin")
    if held_keys:
        stmt = (update(Record.__table__)  # type: ignore[arg-type]
                .where(Record.lea == lea, Record.school_year == year)
                .where(Record.record_key == bindparam("k"))
                .values(stale=True, held_in=sid))
        for i in range(0, len(held_keys), 50_000):
            conn.execute(stmt, [{"k": k} for k in held_keys[i:i + 50_000]])
            bulk.checkpoint(f"load:stale{i // 50_000}")
    bulk.checkpoint("load:staled")
    conn.execute(delete(Record).where(Record.lea == lea, Record.school_year == year)
                 .where((Record.held_in.is_(None)) | (Record.held_in != sid)))
    bulk.checkpoint("load:deleted")
    # sorted by key: the primary key's index is then built in order, a third faster than in file order
    rows = accepted.select(
        pl.lit(lea).alias("lea"), pl.lit(year, dtype=pl.Int64).alias("school_year"), "record_key", "record_type",
        "text", pl.lit(sid, dtype=pl.Int64).alias("submission_id"), "line", pl.lit(False).alias("stale"),
        s1_ssid(year)).sort("record_key")
    insert_frame(conn, Record.__tablename__, rows, "load:records")
    bulk.checkpoint("load:inserted")
    prior_year.apply_at_load(conn, sub, accepted, sid)  # ES / X updates of the previous school year
    bulk.checkpoint("load:prior_year")
    cross_lea_findings.reevaluate(conn, lea, year)  # the students this LEA shares with others, again
    bulk.checkpoint("load:cross_lea")
    conn.execute(update(Submission).where(Submission.id == sub.id).values(
        status=Status.LOADED.value, finished_at=utcnow(), reason=None))
    bulk.checkpoint("load:commit")


def s1_ssid(school_year: int | None) -> pl.Expr:
    """`records.ssid`: an S1's SSID from its text (trimmed; null when blank and on other record types)."""
    f = spec_for(school_year).layout("S1").field("ssid")
    value = pl.col("text").str.slice(f.offset, f.width).str.strip_chars(" ")
    return pl.when((pl.col("record_type") == "S1") & (value != "")).then(value).alias("ssid")


# --- reading back ---------------------------------------------------------------------------------

def get(store: Store, submission_id: int) -> Submission:
    with store.session() as s:
        sub = s.get(Submission, submission_id)
    if sub is None:
        raise SubmissionRefused(f"no submission {submission_id}")
    return sub


def list_submissions(store: Store, lea: str | None = None) -> list[Submission]:
    q = select(Submission).order_by(Submission.id)
    if lea is not None:
        q = q.where(Submission.lea == normalize_lea(lea))
    with store.session() as s:
        return list(s.scalars(q))


def raw_file(store: Store, submission_id: int) -> bytes:
    """The archived file of a submission, decrypted (SSNs below grade 12 blanked)."""
    with store.session() as s:
        raw = s.get(RawFile, submission_id)
    if raw is None:
        raise SubmissionRefused(f"submission {submission_id} has no archived file")
    return crypto.unseal(raw.data, store.settings.key(), _label(submission_id))


def query_frame(store: Store, query: Any, schema: dict[str, Any]) -> pl.DataFrame:
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


OUTCOME_SCHEMA = {"line": pl.Int64, "record_type": pl.Utf8, "record_key": pl.Utf8, "status": pl.Utf8,
                  "held_by": pl.Utf8}


def outcome_blob(outcome: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    outcome.select(OUTCOME_COLUMNS).cast(OUTCOME_SCHEMA).write_parquet(buf, compression="zstd")  # type: ignore[arg-type]
    return buf.getvalue()


def submission_outcome(store: Store, submission_id: int) -> pl.DataFrame:
    """Every record of a validated submission: line, record_type, record_key, status, held_by (by line)."""
    with store.session() as s:
        row = s.get(SubmissionOutcome, submission_id)
    if row is None:
        return pl.DataFrame(schema=OUTCOME_SCHEMA)
    return pl.read_parquet(io.BytesIO(row.data)).sort("line")


def submission_findings(store: Store, submission_id: int) -> pl.DataFrame:
    f = Finding
    cols = [f.rule, f.level, f.severity, f.line, f.record_type, f.fields, f.school, f.student_number, f.ssid,
            f.message, f.record_key]
    return query_frame(store, select(*cols).where(f.submission_id == submission_id).order_by(f.id),
                  {c: (pl.Int64 if c in ("level", "line") else pl.Utf8) for c in FINDING_COLUMNS})


def in_force(store: Store, lea: str, school_year: int) -> pl.DataFrame:
    """The records in force for an LEA and school year, by key."""
    r = Record
    return query_frame(store, select(r.record_key, r.record_type, r.text, r.submission_id, r.line, r.stale, r.held_in)
                  .where(r.lea == normalize_lea(lea), r.school_year == school_year).order_by(r.record_key),
                  {"record_key": pl.Utf8, "record_type": pl.Utf8, "text": pl.Utf8, "submission_id": pl.Int64,
                   "line": pl.Int64, "stale": pl.Boolean, "held_in": pl.Int64})
