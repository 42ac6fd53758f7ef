"""The tables of the operational data store (SQLAlchemy 2, typed). Alembic migrations create them.

- `submissions`: one row per file an LEA submitted, refused or failed ones included: the log.
- `raw_files`: the submitted file, SSNs below 12th grade blanked, compressed and encrypted.
- `findings`: the validator's findings of a submission (never a Social Security Number).
- `submission_records`: every record of a submission: line, type, key, accepted or held (and by what).
  With the raw file this keeps every submission retrievable, record by record.
- `records`: the records in force, one per (LEA, school year, record key): the accepted text, the
  submission that supplied it, and `stale` when a later submission held that record.
- `reference_versions`: the reference data versions validated against.

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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
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
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
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


class SubmissionRecord(Base):
    __tablename__ = "submission_records"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(8))
    record_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))  # accepted | held
    held_by: Mapped[str | None] = mapped_column(Text)


class Record(Base):
    __tablename__ = "records"

    lea: Mapped[str] = mapped_column(String(8), primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(Text, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))  # that supplied this version
    line: Mapped[int] = mapped_column(BigInteger)  # in that submission's file
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    held_in: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))  # the submission that held it

    __table_args__ = (Index("ix_records_type", "lea", "school_year", "record_type"),)
