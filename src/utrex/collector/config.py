"""Adding and listing an LEA's data sources and scheduled collections, and reading runs back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ..store.db import Store
from ..store.models import utcnow
from ..store.submissions import normalize_lea
from . import recurrence
from .manifests import manifest
from .models import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_TIME_ZONE,
    Action,
    CollectionRun,
    CollectionSchedule,
    CollectionSource,
    SourceKind,
)
from .sources import DEFAULT_SETTLE_SECONDS, DEFAULT_TIMEOUT_SECONDS, seal_credentials


class ConfigError(ValueError):
    """A source or schedule cannot be set up as asked; the message says why (nothing was changed)."""


def add_source(store: Store, lea: str, name: str, kind: str, *, user: str, path: str | None = None,
               pattern: str | None = None, settle_seconds: float = DEFAULT_SETTLE_SECONDS, url: str | None = None,
               command: str | None = None, output: str | None = None,
               timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, username: str | None = None,
               password: str | None = None, token: str | None = None) -> CollectionSource:
    try:
        k = SourceKind(kind)
    except ValueError:
        raise ConfigError(f"source kind {kind!r}: use folder, url or command") from None
    if k == SourceKind.FOLDER:
        if not path:
            raise ConfigError("a folder source needs --path (the folder the SIS exports into)")
        config: dict[str, Any] = {"path": path, "pattern": pattern or "*", "settle_seconds": settle_seconds}
    elif k == SourceKind.URL:
        if not url or not url.lower().startswith(("http://", "https://")):
            raise ConfigError("a url source needs --url http(s)://...")
        config = {"url": url, "timeout_seconds": timeout_seconds}
    else:
        if not command:
            raise ConfigError("a command source needs --command (the SIS export; {output} names the file)")
        config = {"command": command, "timeout_seconds": timeout_seconds}
        if output:
            config["output"] = output
    creds = {k2: v for k2, v in (("username", username), ("password", password), ("token", token)) if v}
    if creds and k != SourceKind.URL:
        raise ConfigError("credentials apply to url sources only")
    lea = normalize_lea(lea)
    with store.session(write=True) as s:
        if s.scalar(select(CollectionSource.id).where(CollectionSource.lea == lea, CollectionSource.name == name)):
            raise ConfigError(f"LEA {lea} already has a source named {name!r}")
        src = CollectionSource(lea=lea, name=name, kind=k.value, config=config, created_by=user, created_at=utcnow())
        s.add(src)
        s.flush()
        if creds:  # sealed under a label naming the row: a blob copied onto another source does not open
            src.credentials = seal_credentials(creds, store.settings.key(), src.id)
    return src


def list_sources(store: Store, lea: str | None = None) -> list[CollectionSource]:
    q = select(CollectionSource).order_by(CollectionSource.id)
    if lea is not None:
        q = q.where(CollectionSource.lea == normalize_lea(lea))
    with store.session() as s:
        return list(s.scalars(q))


def find_source(store: Store, lea: str, ref: str | int) -> CollectionSource:
    """An LEA's source by id or name."""
    lea = normalize_lea(lea)
    with store.session() as s:
        q = select(CollectionSource).where(CollectionSource.lea == lea)
        q = q.where(CollectionSource.id == int(ref)) if str(ref).isdigit() else q.where(CollectionSource.name == ref)
        src = s.scalars(q).first()
    if src is None:
        raise ConfigError(f"LEA {lea} has no source {ref!r} (see `utrex sources list`)")
    return src


def source_dict(src: CollectionSource) -> dict[str, Any]:
    return {"id": src.id, "lea": src.lea, "name": src.name, "kind": src.kind, "config": src.config,
            "credentials": bool(src.credentials), "created_by": src.created_by, "created_at": iso(src.created_at)}


def parse_start(text: str) -> tuple[dt.date, dt.time]:
    """`YYYY-MM-DD HH:MM` (or with a T): the first run's local date and time."""
    try:
        t = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise ConfigError(f"--start {text!r}: use YYYY-MM-DD HH:MM (local time of the LEA)") from None
    if t.tzinfo is not None:
        raise ConfigError(f"--start {text!r}: give the LEA's local time, without an offset (see --time-zone)")
    return t.date(), t.time().replace(microsecond=0)


def add_schedule(store: Store, lea: str, source: str | int, action: str, start: str, every: str, *, user: str,
                 manifest_key: str = "clearinghouse", time_zone: str = DEFAULT_TIME_ZONE,
                 skip_unsubmitted: bool = True, grace_minutes: int = DEFAULT_GRACE_MINUTES,
                 now: dt.datetime | None = None) -> CollectionSchedule:
    """Due times before `now` (default: the real clock) are not runs: the schedule begins when it is made."""
    try:
        act = Action(action)
    except ValueError:
        raise ConfigError(f"--action {action!r}: use collect, validate, submit or submit-if-clean") from None
    try:
        man = manifest(manifest_key)
        rec = recurrence.parse(every)
        recurrence.zone(time_zone)
    except ValueError as e:  # ManifestError, RecurrenceError: their messages say what to use
        raise ConfigError(str(e)) from None
    if grace_minutes < 0:
        raise ConfigError("--grace must be 0 minutes or more")
    day, at = parse_start(start)
    src = find_source(store, lea, source)
    sched = CollectionSchedule(lea=src.lea, manifest=man.key, source_id=src.id, action=act.value, start_date=day,
                               start_time=at, time_zone=time_zone, every=str(rec), skip_unsubmitted=skip_unsubmitted,
                               grace_minutes=grace_minutes, enabled=True, created_by=user, created_at=utcnow(),
                               planned_through=now or utcnow())
    with store.session(write=True) as s:
        s.add(sched)
    return sched


def get_schedule(store: Store, schedule_id: int) -> CollectionSchedule:
    with store.session() as s:
        sched = s.get(CollectionSchedule, schedule_id)
    if sched is None:
        raise ConfigError(f"no scheduled collection {schedule_id}")
    return sched


def list_schedules(store: Store, lea: str | None = None, enabled_only: bool = False) -> list[CollectionSchedule]:
    q = select(CollectionSchedule).order_by(CollectionSchedule.id)
    if lea is not None:
        q = q.where(CollectionSchedule.lea == normalize_lea(lea))
    if enabled_only:
        q = q.where(CollectionSchedule.enabled.is_(True))
    with store.session() as s:
        return list(s.scalars(q))


def list_runs(store: Store, lea: str | None = None, schedule_id: int | None = None,
              limit: int | None = None) -> list[CollectionRun]:
    """Runs, newest first."""
    q = select(CollectionRun).order_by(CollectionRun.id.desc())
    if lea is not None:
        q = q.where(CollectionRun.lea == normalize_lea(lea))
    if schedule_id is not None:
        q = q.where(CollectionRun.schedule_id == schedule_id)
    if limit:
        q = q.limit(limit)
    with store.session() as s:
        return list(s.scalars(q))


def schedule_dict(sc: CollectionSchedule) -> dict[str, Any]:
    return {"id": sc.id, "lea": sc.lea, "manifest": sc.manifest, "source": sc.source_id, "action": sc.action,
            "start": f"{sc.start_date.isoformat()} {sc.start_time.strftime('%H:%M')}", "time_zone": sc.time_zone,
            "every": sc.every, "skip_unsubmitted": sc.skip_unsubmitted, "grace_minutes": sc.grace_minutes,
            "enabled": sc.enabled, "created_by": sc.created_by, "planned_through": iso(sc.planned_through)}


def run_dict(r: CollectionRun) -> dict[str, Any]:
    return {"id": r.id, "schedule": r.schedule_id, "lea": r.lea, "due_at": iso(r.due_at), "manual": r.manual,
            "started_at": iso(r.started_at), "finished_at": iso(r.finished_at), "status": r.status,
            "reason": r.reason, "file_name": r.file_name, "size": r.size, "manifest_errors": r.manifest_errors,
            "manifest_findings": r.manifest_findings or [], "submission": r.submission_id}


def aware(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    if t is None:
        return None
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def iso(t: dt.datetime | None) -> str | None:
    a = aware(t)
    return a.isoformat(timespec="seconds") if a else None
