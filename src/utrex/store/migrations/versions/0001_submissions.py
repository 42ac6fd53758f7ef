"""The submission log: submissions, their archived files, findings and per-record outcome.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reference_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.Column("user", sa.String(200), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lea", sa.String(8), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("validated_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("file_name", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(300), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Integer(), nullable=True),
        sa.Column("held", sa.Integer(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("warnings", sa.Integer(), nullable=True),
        sa.Column("ssns_blanked", sa.Integer(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("reference_version_id", sa.Integer(), sa.ForeignKey("reference_versions.id"), nullable=True),
        sa.Column("reference_source", sa.String(1000), nullable=True),
    )
    op.create_index("ix_submissions_lea", "submissions", ["lea"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "raw_files",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=True),
        sa.Column("record_type", sa.String(8), nullable=True),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("school", sa.String(16), nullable=True),
        sa.Column("student_number", sa.String(32), nullable=True),
        sa.Column("ssid", sa.String(32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=True),
    )
    op.create_index("ix_findings_submission_id", "findings", ["submission_id"])
    op.create_table(
        "submission_records",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("line", sa.BigInteger(), primary_key=True),
        sa.Column("record_type", sa.String(8), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("held_by", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("submission_records")
    op.drop_table("findings")
    op.drop_table("raw_files")
    op.drop_index("ix_submissions_status", "submissions")
    op.drop_index("ix_submissions_lea", "submissions")
    op.drop_table("submissions")
    op.drop_table("reference_versions")
