"""Schema versions: the Alembic migrations shipped in the package, run from code (no alembic.ini)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect


def migrations_dir() -> Path:
    return Path(str(resources.files("utrex.store") / "migrations"))


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@dataclass
class SchemaState:
    revision: str | None  # None: never migrated
    head: str
    empty: bool  # no table at all: a new database

    @property
    def current(self) -> bool:
        return self.revision == self.head

    @property
    def newer(self) -> bool:
        """The database was migrated by a later utrex than this one."""
        return self.revision is not None and self.revision not in known_revisions()


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        tables = inspect(conn).get_table_names()
    return SchemaState(rev, head(), not tables)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply the migrations up to `revision`; returns the revisions before and after."""
    before = state(engine).revision
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    return before, state(engine).revision or "base"


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
