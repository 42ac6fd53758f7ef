"""Bulk inserts of a polars frame inside the caller's transaction, without a Python loop over rows of
our own: PostgreSQL receives CSV through COPY (psycopg 3), SQLite the driver's executemany in batches.

`checkpoint(name)` is called between batches and at every step of a load: it does nothing, and is the
place where the fault-injection tests raise (or kill the process) to prove a load atomic.
"""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import Connection

SQLITE_BATCH = 50_000
COPY_BATCH = 200_000


def checkpoint(name: str) -> None:
    """A named point of a load (a no-op; tests replace it to inject faults)."""


def insert_frame(conn: Connection, table: str, df: pl.DataFrame, name: str | None = None) -> int:
    """Insert every row of `df` (columns named as the table's) into `table`; returns the row count."""
    if not df.height:
        return 0
    cols = df.columns
    label = name or table
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)"
        for i, part in enumerate(df.iter_slices(COPY_BATCH)):
            buf = io.BytesIO()
            part.write_csv(buf, include_header=False, null_value="")
            with dbapi.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]
                copy.write(buf.getbuffer())
            checkpoint(f"{label}:batch{i}")
        return df.height
    params = ", ".join("?" for _ in cols) if conn.dialect.paramstyle == "qmark" else ", ".join("%s" for _ in cols)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({params})"
    for i, part in enumerate(df.iter_slices(SQLITE_BATCH)):
        conn.exec_driver_sql(sql, part.rows())
        checkpoint(f"{label}:batch{i}")
    return df.height
