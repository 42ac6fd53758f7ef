"""The data collector: sources, schedules, runs and collected files (utrex.collector.models).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collection_sources",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("credentials", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_collection_sources_lea_name", "collection_sources", ["lea", "name"], unique=True)
    op.create_table(
        "collection_schedules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("manifest", sa.String(64), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("collection_sources.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("every", sa.String(64), nullable=False),
        sa.Column("skip_unsubmitted", sa.Boolean(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("planned_through", TS, nullable=True),
    )
    op.create_index("ix_collection_schedules_lea", "collection_schedules", ["lea"])
    op.create_table(
        "collection_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("schedule_id", sa.Integer(), sa.ForeignKey("collection_schedules.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(300), nullable=True),
        sa.Column("file_name", sa.String(1000), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("manifest_errors", sa.Integer(), nullable=True),
        sa.Column("manifest_findings", sa.JSON(), nullable=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=True),
    )
    op.create_index("ix_collection_runs_due", "collection_runs", ["schedule_id", "due_at"], unique=True)
    op.create_index("ix_collection_runs_lea", "collection_runs", ["lea", "id"])
    op.create_table(
        "collected_files",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("collection_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("file_name", sa.String(1000), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("collected_files")
    op.drop_index("ix_collection_runs_lea", "collection_runs")
    op.drop_index("ix_collection_runs_due", "collection_runs")
    op.drop_table("collection_runs")
    op.drop_index("ix_collection_schedules_lea", "collection_schedules")
    op.drop_table("collection_schedules")
    op.drop_index("ix_collection_sources_lea_name", "collection_sources")
    op.drop_table("collection_sources")
