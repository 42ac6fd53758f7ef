"""The tables of the operational data store (SQLAlchemy 2, typed). Alembic migrations create them.

- `submissions`: one row per file an LEA submitted, refused or failed ones included: the log.
- `raw_files`: the submitted file, SSNs below 12th grade blanked, compressed and encrypted.
- `findings`: the validator's findings of a submission (never a Social Security Number).
- `submission_outcomes`: every record of a submission (line, type, key, accepted or held and by what), as
  one Parquet blob. With the raw file this keeps every submission retrievable, record by record.
- `records`: the records in force, one per (LEA, school year, record key): the accepted text, the
  submission that supplied it, and `stale` when a later submission held that record.
- `reference_versions`: the reference data versions validated against.
- `period_policies`, `extensions`, `finalizations`, `snapshot_records`: the reporting periods
  (store/periods.py): a school year's policy, LEA extensions, and finalized snapshots (copies of the text).

A rollback is a `submissions` row too (`kind` "rollback"): who, when, why (`note`) and which earlier
submission it made current again (`restores_id`), so the log tells every change of the records in force.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Kind(StrEnum):
    SUBMISSION = "submission"  # an LEA file received, validated and loaded
    ROLLBACK = "rollback"  # an earlier submission's accepted records made current again


class Status(StrEnum):
    RECEIVED = "received"
    VALIDATING = "validating"
    VALIDATED = "validated"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


IN_FLIGHT = (Status.RECEIVED.value, Status.VALIDATING.value, Status.LOADING.value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, dt.datetime: DateTime(timezone=True)}


class ReferenceVersion(Base):
    __tablename__ = "reference_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(1000))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))  # of the files' contents, in name order
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> CSV text


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8), index=True)
    school_year: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    validated_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    file_name: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(300))  # host:pid of the process running it
    records: Mapped[int | None] = mapped_column(Integer)
    accepted: Mapped[int | None] = mapped_column(Integer)
    held: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[int | None] = mapped_column(Integer)
    warnings: Mapped[int | None] = mapped_column(Integer)
    ssns_blanked: Mapped[int | None] = mapped_column(Integer)
    # records_by_type, accepted_by_type, held_by_type, findings_by_rule, notes, specification, as_of
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reference_version_id: Mapped[int | None] = mapped_column(ForeignKey("reference_versions.id"))
    reference_source: Mapped[str | None] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(16), default=Kind.SUBMISSION.value,
                                      server_default=Kind.SUBMISSION.value)
    restores_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))  # a rollback's target
    note: Mapped[str | None] = mapped_column(Text)  # why, as the person who asked for a rollback said it

    def to_dict(self) -> dict[str, Any]:
        c = self.counts or {}
        seconds = ((self.finished_at - self.received_at).total_seconds()
                   if self.finished_at and self.received_at else None)
        return {
            "id": self.id, "lea": self.lea, "school_year": self.school_year, "period": self.period,
            "user": self.user, "received_at": _iso(self.received_at), "validated_at": _iso(self.validated_at),
            "finished_at": _iso(self.finished_at), "seconds": round(seconds, 3) if seconds is not None else None,
            "file_name": self.file_name, "sha256": self.sha256, "size": self.size, "status": self.status,
            "reason": self.reason, "records": self.records, "records_by_type": c.get("records_by_type", {}),
            "accepted": self.accepted, "held": self.held, "accepted_by_type": c.get("accepted_by_type", {}),
            "held_by_type": c.get("held_by_type", {}), "errors": self.errors, "warnings": self.warnings,
            "ssns_blanked": self.ssns_blanked, "reference_version": self.reference_version_id,
            "reference": self.reference_source, "kind": self.kind or Kind.SUBMISSION.value,
            "restores": self.restores_id, "note": self.note,
            "prior_year": c.get("prior_year"),  # ES / X updates of the previous year (prior_year.py)
        }


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:  # SQLite hands back naive datetimes: they were stored in UTC
        t = t.replace(tzinfo=dt.UTC)
    return t.isoformat(timespec="seconds")


class RawFile(Base):
    __tablename__ = "raw_files"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    encoding: Mapped[str] = mapped_column(String(32), default="zlib+aes256gcm")
    size: Mapped[int] = mapped_column(BigInteger)  # of the archived (blanked) bytes, before compression
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: see migration 0004
    rule: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(SmallInteger)
    severity: Mapped[str] = mapped_column(String(16))
    line: Mapped[int | None] = mapped_column(BigInteger)
    record_type: Mapped[str | None] = mapped_column(String(8))
    fields: Mapped[str | None] = mapped_column(Text)  # field ids, comma-separated
    school: Mapped[str | None] = mapped_column(String(16))
    student_number: Mapped[str | None] = mapped_column(String(32))
    ssid: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    record_key: Mapped[str | None] = mapped_column(Text)


class SubmissionOutcome(Base):
    """Every record of a submission (line, record_type, record_key, status accepted|held, held_by) as one
    Parquet blob: written in a fraction of a second where a million rows took seconds, and read back
    whole (rollback, examine, finalize) — nothing queries one submission's record by record."""

    __tablename__ = "submission_outcomes"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    rows: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


HAS_SSID = sql_text("ssid IS NOT NULL")


class Record(Base):
    __tablename__ = "records"

    lea: Mapped[str] = mapped_column(String(8), primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(Text, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    submission_id: Mapped[int] = mapped_column(Integer)  # that supplied this version (no foreign key: 0004)
    line: Mapped[int] = mapped_column(BigInteger)  # in that submission's file
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    held_in: Mapped[int | None] = mapped_column(Integer)  # the submission that held it
    # an S1's SSID (trimmed; null on other types and when blank): what ties a student's records across
    # LEAs, indexed so cross-LEA checks and the school of record find them without reading every record
    ssid: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_records_type", "lea", "school_year", "record_type"),
                      # covering, and only over S1 rows with an SSID: the LEAs that report a student
                      Index("ix_records_ssid", "school_year", "ssid", "lea", postgresql_where=HAS_SSID,
                            sqlite_where=HAS_SSID))


# --- reporting periods (migration 0006): policy per school year, extensions, finalized snapshots -----

class PeriodPolicySetting(Base):
    """The period policy chosen for a school year, overriding the one its specification declares."""

    __tablename__ = "period_policies"

    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Extension(Base):
    """An LEA's extension of a period's deadline through a date; the latest granted is in force."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8))
    school_year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))
    until: Mapped[dt.date] = mapped_column(Date)  # inclusive
    user: Mapped[str] = mapped_column(String(200))  # who granted it
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_extensions_period", "lea", "school_year", "period"),)


class Finalization(Base):
    """A submission's accepted records frozen for an LEA's period; the latest of a period is in force and
    its records are in `snapshot_records` (a replaced one keeps its log row, not its records)."""

    __tablename__ = "finalizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8))
    school_year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    user: Mapped[str] = mapped_column(String(200))
    finalized_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline: Mapped[dt.date] = mapped_column(Date)  # the last day it could be made (extension included)
    policy: Mapped[str] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("finalizations.id"))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was frozen: by type, accepted, held, students

    __table_args__ = (Index("ix_finalizations_period", "lea", "school_year", "period"),)


class SnapshotRecord(Base):
    """One record of a finalized snapshot: its own copy of the text, so later loads cannot change it."""

    __tablename__ = "snapshot_records"

    finalization_id: Mapped[int] = mapped_column(ForeignKey("finalizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    record_key: Mapped[str] = mapped_column(Text, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(BigInteger)  # in the finalized submission's file


# --- prior-year exit-status updates and the October 15 cut-off (migration 0007) -----------------------

class ExitStatusUpdate(Base):
    """One change of a prior school year's S1 exit code or completion status, never of its record text:
    from an ES record or an S1 with resident status X of the next year's load (`source` "ES" / "X", with
    the load and the file it came from), or an automatic change of the October 15 cut-off (`source`
    "cutoff", `rule`, `cutoff_run_id`). The latest one per record and field (by `effective_on`, then `id`)
    not `withdrawn_by` a rollback is in force."""

    __tablename__ = "exit_status_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8))
    school_year: Mapped[int] = mapped_column(Integer)  # the year whose record it changes
    record_key: Mapped[str] = mapped_column(Text)  # of that year's S1 record
    student_number: Mapped[str | None] = mapped_column(String(32))
    ssid: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))  # exit_code | hs_completion_status
    old_value: Mapped[str | None] = mapped_column(String(8))  # None: blank
    new_value: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))  # ES | X | cutoff
    rule: Mapped[str | None] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))  # the load that applied it
    source_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))  # the file it came from
    line: Mapped[int | None] = mapped_column(BigInteger)
    cutoff_run_id: Mapped[int | None] = mapped_column(ForeignKey("cutoff_runs.id"))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user: Mapped[str | None] = mapped_column(String(200))
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))  # a rollback

    __table_args__ = (Index("ix_exit_status_updates_year", "lea", "school_year"),)


class CutoffRun(Base):
    """One run of the October 15 automatic changes for a school year that ended (dry runs are not logged)."""

    __tablename__ = "cutoff_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_year: Mapped[int] = mapped_column(Integer, index=True)
    cutoff_date: Mapped[dt.date] = mapped_column(Date)
    user: Mapped[str] = mapped_column(String(200))
    ran_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changes: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # changes by rule


# --- Level 2 across LEAs (migration 0005) ----------------------------------------------------------

class CrossLeaFinding(Base):
    """A cross-LEA finding (`store.cross_lea`): stored once for a pair of LEAs, side a the lower LEA
    number, each side's school, student number and record named, and the message from each side. The
    findings of an SSID are recomputed in the transaction of every load of an LEA reporting it."""

    __tablename__ = "cross_lea_findings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    school_year: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(SmallInteger)
    severity: Mapped[str] = mapped_column(String(16))
    ssid: Mapped[str] = mapped_column(String(32))
    fields: Mapped[str | None] = mapped_column(Text)  # field ids, comma-separated
    lea_a: Mapped[str] = mapped_column(String(8))
    school_a: Mapped[str | None] = mapped_column(String(16))
    student_number_a: Mapped[str | None] = mapped_column(String(32))
    record_key_a: Mapped[str | None] = mapped_column(Text)
    message_a: Mapped[str] = mapped_column(Text)  # as LEA a reads it (LEA b named)
    lea_b: Mapped[str] = mapped_column(String(8))
    school_b: Mapped[str | None] = mapped_column(String(16))
    student_number_b: Mapped[str | None] = mapped_column(String(32))
    record_key_b: Mapped[str | None] = mapped_column(Text)
    message_b: Mapped[str] = mapped_column(Text)  # as LEA b reads it (LEA a named)
    # set by the database: the time of the load's transaction that evaluated it (rows are bulk-inserted)
    evaluated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (Index("ix_cross_lea_findings_a", "school_year", "lea_a"),
                      Index("ix_cross_lea_findings_b", "school_year", "lea_b"),
                      Index("ix_cross_lea_findings_ssid", "school_year", "ssid"))


# The portal's tables (users, authorisations, audit log, API tokens, password resets) live in their own
# module on this Base; imported here so the metadata Alembic and the schema check compare is complete.
from ..collector import models as _collector_models  # noqa: E402,F401  (the collector's tables, migration 0009)
from ..portal import models as _portal_models  # noqa: E402,F401
