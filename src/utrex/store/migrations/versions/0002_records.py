"""The records in force: one per (LEA, school year, record key), with the submission that supplied it.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("lea", sa.String(8), primary_key=True),
        sa.Column("school_year", sa.Integer(), primary_key=True),
        sa.Column("record_key", sa.Text(), primary_key=True),
        sa.Column("record_type", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("held_in", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=True),
    )
    op.create_index("ix_records_type", "records", ["lea", "school_year", "record_type"])


def downgrade() -> None:
    op.drop_index("ix_records_type", "records")
    op.drop_table("records")
