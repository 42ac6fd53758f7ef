"""Alembic environment of the store. Run through utrex.store.schema (a Config built in code, the
connection passed in `config.attributes["connection"]`), never through an alembic.ini."""

from __future__ import annotations

from alembic import context

from utrex.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the store's migrations with `utrex db upgrade` (utrex.store.schema.upgrade)")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
