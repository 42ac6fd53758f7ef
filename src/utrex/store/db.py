"""Opening the store: the engine (SQLite or PostgreSQL), the schema check, and recovery of submissions a
killed process left half done.

The embedded SQLite store creates its schema on first use (zero configuration). Any other database, or
a database at an older revision, must be migrated with `utrex db upgrade`; the store refuses to open
until then, with a message saying so.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from . import schema
from .hooks import Hooks
from .models import IN_FLIGHT, Status, Submission, utcnow
from .settings import Settings

SQLITE_BUSY_SECONDS = 60


class StoreError(Exception):
    """The store cannot be used as it is; the message says what to do."""


class SchemaOutOfDate(StoreError):
    pass


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(worker: str | None) -> bool:
    """Whether the process that runs a submission is still running (only knowable on this host)."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine: assume it is working
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            db = Path(u.database)
            db.parent.mkdir(parents=True, exist_ok=True)
            if not db.exists():  # student data: readable by its owner only
                os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(u, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock at BEGIN: a writer never fails half way on a busy database
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    if u.get_backend_name() == "postgresql" and u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return create_engine(u, pool_pre_ping=True)


class _Shared:
    """The one read connection of a `Store.sharing()` block, checked out at its first use."""

    def __init__(self, store: Store) -> None:
        self.store, self.conn, self.busy, self.closed = store, None, False, False
        self.memo: dict[Any, Any] = {}  # store/memo.py: answers kept for the block, dropped at any write
        self._lock = threading.Lock()

    @contextmanager
    def lend(self) -> Iterator[Connection]:
        with self._lock:
            if self.conn is None:
                self.conn = self.store.engine.connect().execution_options(write=False)
            self.busy = True
        try:
            yield self.conn
        finally:
            self.busy = False

    def close(self) -> None:
        with self._lock:
            self.closed = True
            if self.conn is not None:
                self.conn.close()
                self.conn = None


_SHARED: ContextVar[_Shared | None] = ContextVar("utrex_shared_read_connection", default=None)


class Store:
    """A connection to the operational data store. `Store.open()` checks the schema and recovers."""

    def __init__(self, settings: Settings | None = None, *, url: str | None = None) -> None:
        self.settings = settings or Settings()
        if url is not None:
            self.settings.database_url = url
        self.url = self.settings.url
        if self.settings.embedded:
            self.settings.ensure_home()
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.hooks = Hooks.defaults()  # the notices around loads (store/hooks.py)

    @classmethod
    def open(cls, settings: Settings | None = None, *, url: str | None = None, recover: bool = True) -> Store:
        store = cls(settings, url=url)
        try:
            store.check_schema()
            if recover:
                store.recover()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_schema(self) -> None:
        st = schema.state(self.engine)
        if st.current:
            return
        if st.empty and self.dialect == "sqlite":
            schema.upgrade(self.engine)
            return
        where = self.settings.masked_url
        if st.newer:
            raise SchemaOutOfDate(f"the database {where} has schema revision {st.revision}, newer than this utrex "
                                  f"knows (head {st.head}): upgrade utrex")
        have = "no utrex schema" if st.revision is None else f"schema revision {st.revision}"
        raise SchemaOutOfDate(f"the database {where} has {have}; this utrex needs revision {st.head}. "
                              "Run `utrex db upgrade` (back the database up first).")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE); committed on success, rolled back on error."""
        self._forget()
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                yield conn
        finally:
            self._forget()

    def memo(self) -> dict[Any, Any] | None:
        """The answers kept for the current `sharing()` block of this store (None outside one)."""
        shared = _SHARED.get()
        return shared.memo if shared is not None and shared.store is self and not shared.closed else None

    def _forget(self) -> None:
        memo = self.memo()
        if memo is not None:
            memo.clear()

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        shared = _SHARED.get()
        if not write and shared is not None and shared.store is self and not shared.busy and not shared.closed:
            with shared.lend() as conn, Session(bind=conn, expire_on_commit=False) as s, s.begin():
                yield s
            return
        if write:
            self._forget()
        try:
            with self.engine.connect().execution_options(write=write) as conn, \
                    Session(bind=conn, expire_on_commit=False) as s, s.begin():
                yield s
        finally:
            if write:
                self._forget()

    @contextmanager
    def sharing(self) -> Iterator[None]:
        """Within it (in this context and the threads that copy it), read sessions take turns on one pooled
        connection, each in its own transaction, instead of checking one out (and, on PostgreSQL, pinging
        it) per session: a portal page makes some twenty small reads. Writes keep their own connections; a
        read session opened inside another gets its own too."""
        shared = _Shared(self)
        _SHARED.set(shared)
        try:
            yield
        finally:
            shared.close()

    def recover(self) -> list[int]:
        """Mark failed the submissions a killed process left received, validating or loading."""
        with self.session() as s:
            stuck = s.execute(select(Submission.id, Submission.worker, Submission.status)
                              .where(Submission.status.in_(IN_FLIGHT))).all()
        dead = [(sid, status) for sid, worker, status in stuck if not _alive(worker)]
        for sid, status in dead:
            with self.write() as conn:
                conn.execute(update(Submission).where(Submission.id == sid, Submission.status == status)
                             .values(status=Status.FAILED.value, finished_at=utcnow(),
                                     reason=f"interrupted while {status}: the process running it stopped; "
                                            "the record tables are as they were before it"))
        return [sid for sid, _ in dead]

    def count_submissions(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(Submission)) or 0)

    def revision(self) -> str | None:
        return schema.state(self.engine).revision
