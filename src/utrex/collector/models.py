"""The collector's tables (migration 0009), on the store's declarative Base so one metadata holds the schema.

- `collection_sources`: an LEA's data source (folder, url, command) with its settings; credentials are
  sealed with the store's key (store/crypto.py), never stored in clear.
- `collection_schedules`: an LEA's scheduled collection: manifest, source, action, first run (local date
  and time in `time_zone`), recurrence, skip option, missed-run grace, and `planned_through`, the instant
  up to which due runs were planned (what makes schedules survive a restart).
- `collection_runs`: one run of a schedule (or a "collect now"): due time, status, reason, submission.
- `collected_files`: the file a collect-only run collected, sealed, until the person validates or submits it.
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
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..store.models import Base, utcnow


class SourceKind(StrEnum):
    FOLDER = "folder"
    URL = "url"
    COMMAND = "command"


class Action(StrEnum):
    COLLECT = "collect"  # collect only: the person validates and submits later
    VALIDATE = "validate"  # collect and validate: the person submits
    SUBMIT = "submit"  # collect, validate and submit even with errors
    SUBMIT_IF_CLEAN = "submit-if-clean"  # collect, validate, and submit only when error-free


class RunStatus(StrEnum):
    SCHEDULED = "scheduled"
    COLLECTING = "collecting"
    COLLECTED = "collected"
    VALIDATED = "validated"
    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a collected or validated run the person discarded


IN_PROGRESS = (RunStatus.SCHEDULED.value, RunStatus.COLLECTING.value)
AWAITING_PERSON = (RunStatus.COLLECTED.value, RunStatus.VALIDATED.value)

DEFAULT_TIME_ZONE = "America/Denver"
DEFAULT_GRACE_MINUTES = 60


class CollectionSource(Base):
    __tablename__ = "collection_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # SourceKind
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # path/pattern/settle, url/timeout, command/output
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed JSON, label "source:<id>"
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_collection_sources_lea_name", "lea", "name", unique=True),)


class CollectionSchedule(Base):
    __tablename__ = "collection_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lea: Mapped[str] = mapped_column(String(8), index=True)
    manifest: Mapped[str] = mapped_column(String(64))  # manifests.MANIFESTS key
    source_id: Mapped[int] = mapped_column(ForeignKey("collection_sources.id"))
    action: Mapped[str] = mapped_column(String(16))  # Action
    start_date: Mapped[dt.date] = mapped_column(Date)  # local to time_zone
    start_time: Mapped[dt.time] = mapped_column(Time)  # local; every run begins at this wall-clock time
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    every: Mapped[str] = mapped_column(String(64))  # once | daily | weekdays | weekly:MON,THU | monthly:15
    skip_unsubmitted: Mapped[bool] = mapped_column(Boolean, default=True)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_GRACE_MINUTES)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    planned_through: Mapped[dt.datetime | None]  # due times up to this instant have their run rows


class CollectionRun(Base):
    __tablename__ = "collection_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("collection_schedules.id", ondelete="CASCADE"))
    lea: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[dt.datetime]
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # "collect now", not the recurrence
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.SCHEDULED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(300))  # host:pid running it (a dead one is recovered)
    file_name: Mapped[str | None] = mapped_column(String(1000))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    manifest_errors: Mapped[int | None] = mapped_column(Integer)
    manifest_findings: Mapped[list[Any] | None] = mapped_column(JSON)  # [{rule, record_type, count, message}]
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))

    # one run per due time of a schedule: two planners (two processes) cannot both plan it
    __table_args__ = (Index("ix_collection_runs_due", "schedule_id", "due_at", unique=True),
                      Index("ix_collection_runs_lea", "lea", "id"))


class CollectedFile(Base):
    """A collect-only run's file until someone validates or submits it (then the submission's own archive,
    with young students' SSNs blanked, takes over and this row is deleted)."""

    __tablename__ = "collected_files"

    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id", ondelete="CASCADE"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    data: Mapped[bytes] = mapped_column(LargeBinary)  # sealed, label "collection:<run id>"
