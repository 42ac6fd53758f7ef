"""Faster loads: a submission's per-record outcome as one Parquet blob, and the bulk tables (records,
findings) without foreign keys to submissions.

`submission_records` (a row per record of every submission: a million-row insert per statewide file)
becomes `submission_outcomes` (one Parquet blob per submission); existing rows are carried over.

A foreign key costs a lookup per inserted row (on PostgreSQL a trigger call per row): on a
1,000,000-record load it was more than a third of the time. The rows of these tables are only ever
written by the load and the validation, in the same transaction as (or after) the submission row they
name, and submissions are never deleted, so the reference cannot dangle; the code keeps that promise.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# the foreign keys of 0001/0002 were created unnamed: this names them the way each database did, so
# SQLite's batch mode (which rebuilds the table) can find and leave them out
NAMING = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}
DROPPED = {
    "findings": ["submission_id"],
    "records": ["submission_id", "held_in"],
}
# covering, over S1 rows with an SSID only: the LEAs that report a student
INDEXES = {"ix_records_ssid": ["school_year", "ssid", "lea"]}
OUTCOME = ["line", "record_type", "record_key", "status", "held_by"]


def upgrade() -> None:
    bind = op.get_bind()
    outcomes = op.create_table(
        "submission_outcomes",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    _carry_over(bind, outcomes)
    op.drop_table("submission_records")
    # an S1's SSID beside its text, indexed: cross-LEA checks find a student's records without a scan
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("ssid", sa.String(16), nullable=True))
    _backfill_ssids(bind)
    for name, columns in INDEXES.items():
        op.create_index(name, "records", columns, postgresql_where=sa.text("ssid IS NOT NULL"),
                        sqlite_where=sa.text("ssid IS NOT NULL"))
    for table, columns in DROPPED.items():
        if bind.dialect.name == "postgresql":
            names = [fk["name"] for fk in sa.inspect(bind).get_foreign_keys(table)
                     if fk["constrained_columns"][0] in columns]
            for name in names:
                op.drop_constraint(name, table, type_="foreignkey")
            continue
        with op.batch_alter_table(table, naming_convention=NAMING, recreate="always") as batch:
            for column in columns:
                batch.drop_constraint(f"{table}_{column}_fkey", type_="foreignkey")


def _carry_over(bind: sa.Connection, outcomes: sa.Table) -> None:
    import io

    import polars as pl

    old = sa.table("submission_records", sa.column("submission_id"), *(sa.column(c) for c in OUTCOME))
    ids = [r[0] for r in bind.execute(sa.select(old.c.submission_id).distinct())]
    for sid in ids:
        rows = bind.execute(sa.select(*(old.c[c] for c in OUTCOME)).where(old.c.submission_id == sid)
                            .order_by(old.c.line)).all()
        frame = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
            "line": pl.Int64, "record_type": pl.Utf8, "record_key": pl.Utf8, "status": pl.Utf8, "held_by": pl.Utf8})
        buf = io.BytesIO()
        frame.write_parquet(buf, compression="zstd")
        bind.execute(outcomes.insert().values(submission_id=sid, rows=frame.height, data=buf.getvalue()))


def _backfill_ssids(bind: sa.Connection) -> None:
    from utrex.spec import spec_for

    records = sa.table("records", sa.column("school_year"), sa.column("record_type"), sa.column("text"),
                       sa.column("ssid"))
    for (year,) in bind.execute(sa.select(records.c.school_year).distinct()).all():
        f = spec_for(year).layout("S1").field("ssid")
        value = sa.func.rtrim(sa.func.substr(records.c.text, f.start, f.width))
        bind.execute(records.update().where(records.c.school_year == year, records.c.record_type == "S1")
                     .values(ssid=sa.func.nullif(value, "")))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("ssid")
    import io

    import polars as pl

    bind = op.get_bind()
    records = op.create_table(
        "submission_records",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("line", sa.BigInteger(), primary_key=True),
        sa.Column("record_type", sa.String(8), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("held_by", sa.Text(), nullable=True),
    )
    blobs = sa.table("submission_outcomes", sa.column("submission_id"), sa.column("data"))
    for sid, data in bind.execute(sa.select(blobs.c.submission_id, blobs.c.data)).all():
        frame = pl.read_parquet(io.BytesIO(data)).with_columns(pl.lit(sid).alias("submission_id"))
        if frame.height:
            bind.execute(records.insert(), frame.to_dicts())
    op.drop_table("submission_outcomes")
    for table, columns in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.create_foreign_key(f"{table}_{column}_fkey", "submissions", [column], ["id"],
                                         ondelete="CASCADE" if table != "records" else None)
