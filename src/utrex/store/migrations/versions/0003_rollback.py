"""Rollbacks in the submission log: the kind of entry, the submission a rollback restored, and why.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite cannot add a foreign key to an existing table, so Alembic rebuilds it there
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="submission"))
        batch.add_column(sa.Column("restores_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_submissions_restores_id", "submissions", ["restores_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("fk_submissions_restores_id", type_="foreignkey")
        batch.drop_column("note")
        batch.drop_column("restores_id")
        batch.drop_column("kind")
