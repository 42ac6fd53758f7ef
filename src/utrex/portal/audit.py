"""The audit log: every log-in (good and bad), log-out, upload, download, finalization and permission
change, with who, when, which LEA and the client's address. Written in the transaction of the change it
records where there is one, so a change and its log row commit together."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.db import Store
from ..store.models import utcnow
from .models import AuditEntry


class Action(StrEnum):
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    LOGOUT = "logout"
    UPLOAD = "upload"
    DOWNLOAD = "download"
    FINALIZE = "finalize"
    PERMISSION_CHANGE = "permission_change"  # grant / revoke of an LEA, role, disable / enable
    USER_CREATED = "user_created"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"  # a new password set through a one-time link
    REFERENCE_LOADED = "reference_loaded"
    EXTENSION_GRANTED = "extension_granted"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"


@dataclass(frozen=True)
class Who:
    """The person acting (None for an anonymous request) and where the request came from."""

    user_id: int | None
    email: str | None
    client: str | None = None


def record(s: Session, action: Action | str, who: Who, lea: str | None = None,
           detail: dict[str, Any] | None = None) -> None:
    s.add(AuditEntry(at=utcnow(), user_id=who.user_id, actor=(who.email or "")[:320] or None,
                     action=str(action), lea=lea, detail=detail, client=(who.client or "")[:64] or None))


def write(store: Store, action: Action | str, who: Who, lea: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    """One audit row in its own transaction (for events that change nothing else: a download, a log-out)."""
    with store.session(write=True) as s:
        record(s, action, who, lea, detail)


@dataclass
class Query:
    action: str | None = None
    lea: str | None = None
    actor: str | None = None  # substring of the e-mail
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    def apply(self, stmt: Any) -> Any:
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        if self.lea:
            stmt = stmt.where(AuditEntry.lea == self.lea)
        if self.actor:
            stmt = stmt.where(AuditEntry.actor.contains(self.actor.strip().lower(), autoescape=True))
        if self.since:
            stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(self.since, dt.time(), dt.UTC))
        if self.until:
            stmt = stmt.where(AuditEntry.at < dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(),
                                                                  dt.UTC))
        return stmt


def entries(store: Store, q: Query, limit: int | None = 100, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """The matching rows, newest first, and how many match in all."""
    with store.session() as s:
        total = int(s.scalar(q.apply(select(func.count()).select_from(AuditEntry))) or 0)
        stmt = q.apply(select(AuditEntry)).order_by(AuditEntry.id.desc()).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(s.scalars(stmt)), total


COLUMNS = ("id", "at", "actor", "user_id", "action", "lea", "client", "detail")


def as_dict(e: AuditEntry) -> dict[str, Any]:
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
    return {"id": e.id, "at": at.isoformat(timespec="seconds"), "actor": e.actor, "user_id": e.user_id,
            "action": e.action, "lea": e.lea, "client": e.client, "detail": e.detail}


def to_csv(store: Store, q: Query) -> str:
    rows, _ = entries(store, q, limit=None)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for e in rows:
        d = as_dict(e)
        d["detail"] = json.dumps(d["detail"], sort_keys=True) if d["detail"] is not None else ""
        # a cell starting with = + - @ is a formula to a spreadsheet: neutralise it (CSV injection)
        w.writerow([_safe("" if d[c] is None else str(d[c])) for c in COLUMNS])
    return out.getvalue()


def _safe(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
