"""Reporting periods, deadlines, extensions and finalized snapshots.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_policies",
        sa.Column("school_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_extensions_period", "extensions", ["lea", "school_year", "period"])
    op.create_table(
        "finalizations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("replaces_id", sa.Integer(), sa.ForeignKey("finalizations.id"), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
    )
    op.create_index("ix_finalizations_period", "finalizations", ["lea", "school_year", "period"])
    op.create_table(
        "snapshot_records",
        sa.Column("finalization_id", sa.Integer(), sa.ForeignKey("finalizations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("record_key", sa.Text(), primary_key=True),
        sa.Column("record_type", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_records")
    op.drop_index("ix_finalizations_period", "finalizations")
    op.drop_table("finalizations")
    op.drop_index("ix_extensions_period", "extensions")
    op.drop_table("extensions")
    op.drop_table("period_policies")
