"""Small counts in reports that leave the LEA: marked, never dropped or altered.

A count from 1 to THRESHOLD - 1 could identify students; such cells are named in the row's `suppressed`
column (comma-separated column names) so whoever publishes the report blanks them. Zero identifies no one.
"""

from __future__ import annotations

import polars as pl

THRESHOLD = 10  # the smallest count safe to publish (the state's minimum n; a setting, declared once here)


def mark_small_counts(counts: pl.DataFrame, columns: list[str], threshold: int = THRESHOLD) -> pl.DataFrame:
    """`counts` with a `suppressed` column: the names of `columns` whose value is 1..threshold-1."""
    names = [pl.when((pl.col(c) > 0) & (pl.col(c) < threshold)).then(pl.lit(c)) for c in columns]
    return counts.with_columns(pl.concat_str(names, separator=",", ignore_nulls=True).fill_null("").alias("suppressed"))
