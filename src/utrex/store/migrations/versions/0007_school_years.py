"""Prior-year exit-status updates (ES records, S1 resident status X) and the October 15 automatic changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cutoff_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("cutoff_date", sa.Date(), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("ran_at", TS, nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
    )
    op.create_index("ix_cutoff_runs_school_year", "cutoff_runs", ["school_year"])
    op.create_table(
        "exit_status_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("student_number", sa.String(32), nullable=True),
        sa.Column("ssid", sa.String(32), nullable=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(8), nullable=True),
        sa.Column("new_value", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=True),
        sa.Column("line", sa.BigInteger(), nullable=True),
        sa.Column("cutoff_run_id", sa.Integer(), sa.ForeignKey("cutoff_runs.id"), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("user", sa.String(200), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=True),
    )
    op.create_index("ix_exit_status_updates_year", "exit_status_updates", ["lea", "school_year"])


def downgrade() -> None:
    op.drop_index("ix_exit_status_updates_year", "exit_status_updates")
    op.drop_table("exit_status_updates")
    op.drop_index("ix_cutoff_runs_school_year", "cutoff_runs")
    op.drop_table("cutoff_runs")
