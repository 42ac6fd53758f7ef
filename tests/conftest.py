from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from utrex.engine.validate import Options, Result, validate_file
from utrex.spec import Period


@pytest.fixture
def run_text(tmp_path: Path):
    """Validate Clearinghouse text; returns the Result."""

    counter = {"n": 0}

    def run(text: str, period: str | None = None, as_of: str | None = None, **kw) -> Result:
        """Level 1 only unless `levels=(1, 2)`: rule tests look at one record at a time."""
        kw.setdefault("levels", (1,))
        counter["n"] += 1
        p = tmp_path / f"f{counter['n']}.txt"
        p.write_bytes(text.encode("ascii", errors="replace") if isinstance(text, str) else text)
        opts = Options(period=Period(period) if period else None,
                       as_of=dt.date.fromisoformat(as_of) if as_of else None, **kw)
        return validate_file(p, opts)

    return run


# --- the operational data store: every store test runs on SQLite and on PostgreSQL ------------------

REQUIRE_ALL = __import__("os").environ.get("UTREX_REQUIRE_ALL") == "1"  # CI: what would be skipped fails instead
PG_SERVER = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def skip_or_fail(reason: str) -> None:
    """Skip a test for want of something, or fail it when CI requires everything (UTREX_REQUIRE_ALL=1)."""
    if REQUIRE_ALL:
        pytest.fail(f"UTREX_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for the test session (dropped at the end): its URL."""
    import secrets

    try:
        import psycopg

        admin = psycopg.connect(PG_SERVER, autocommit=True)
    except Exception as e:  # not installed, not running, refused
        skip_or_fail(f"PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres: {type(e).__name__}: {e}")
        return
    name = f"utrex_test_{secrets.token_hex(6)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    """An empty database on each backend (PostgreSQL: the session database, its schema emptied)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = request.getfixturevalue("pg_database")
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture
def store_settings(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings of a test store; the environment points there too (for the CLI), never at ~."""
    from utrex.store.settings import Settings

    home = tmp_path / "home"
    monkeypatch.setenv("UTREX_HOME", str(home))
    monkeypatch.setenv("UTREX_DATABASE_URL", store_url)
    monkeypatch.delenv("UTREX_SECRET_KEY", raising=False)
    return Settings(home=home, database_url=store_url)


@pytest.fixture
def store(store_settings):
    """An open store at the latest schema, on each backend."""
    from utrex.store import Store, schema

    s = Store(store_settings)
    schema.upgrade(s.engine)
    s.close()
    opened = Store.open(store_settings)
    yield opened
    opened.close()


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal tests check the log-in logic, not argon2's cost (~0.5 s a hash at production parameters
    on this shared machine): they hash cheaply. test_portal_auth asserts the production parameters."""
    from argon2 import PasswordHasher

    from utrex.portal import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("dummy"))
