"""Cross-LEA Level 2 findings: one row per finding and pair of LEAs, both sides named.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cross_lea_findings",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("ssid", sa.String(32), nullable=False),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("lea_a", sa.String(8), nullable=False),
        sa.Column("school_a", sa.String(16), nullable=True),
        sa.Column("student_number_a", sa.String(32), nullable=True),
        sa.Column("record_key_a", sa.Text(), nullable=True),
        sa.Column("message_a", sa.Text(), nullable=False),
        sa.Column("lea_b", sa.String(8), nullable=False),
        sa.Column("school_b", sa.String(16), nullable=True),
        sa.Column("student_number_b", sa.String(32), nullable=True),
        sa.Column("record_key_b", sa.Text(), nullable=True),
        sa.Column("message_b", sa.Text(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_cross_lea_findings_a", "cross_lea_findings", ["school_year", "lea_a"])
    op.create_index("ix_cross_lea_findings_b", "cross_lea_findings", ["school_year", "lea_b"])
    op.create_index("ix_cross_lea_findings_ssid", "cross_lea_findings", ["school_year", "ssid"])


def downgrade() -> None:
    op.drop_index("ix_cross_lea_findings_ssid", "cross_lea_findings")
    op.drop_index("ix_cross_lea_findings_b", "cross_lea_findings")
    op.drop_index("ix_cross_lea_findings_a", "cross_lea_findings")
    op.drop_table("cross_lea_findings")
