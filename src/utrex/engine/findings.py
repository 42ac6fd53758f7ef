"""Findings are data: one Polars frame shape for every finding of every level and source."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "rule": pl.Utf8(),
    "level": pl.Int8(),
    "severity": pl.Utf8(),
    "line": pl.Int64(),
    "record_type": pl.Utf8(),
    "fields": pl.List(pl.Utf8()),
    "values": pl.Utf8(),  # JSON object {field id: value as found}
    "lea": pl.Utf8(),
    "school": pl.Utf8(),
    "student_number": pl.Utf8(),
    "ssid": pl.Utf8(),
    "message": pl.Utf8(),
    # names the record independently of line numbers: LEA|school|type|key fields (spec RecordLayout.key)
    "record_key": pl.Utf8(),
}
COLUMNS = list(FINDING_SCHEMA)


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Cast and order any frame of findings to FINDING_SCHEMA."""
    exprs = []
    for name, dtype in FINDING_SCHEMA.items():
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(exprs)


def from_rows(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    rows = list(rows)
    if not rows:
        return empty()
    norm = []
    for r in rows:
        d = {k: r.get(k) for k in COLUMNS}
        if isinstance(d["values"], dict):
            d["values"] = json.dumps(d["values"])
        d["fields"] = list(d["fields"] or [])
        norm.append(d)
    return pl.DataFrame(norm, schema=FINDING_SCHEMA)


def concat(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [conform(f) for f in frames if f is not None and f.height]
    if not frames:
        return empty()
    return pl.concat(frames, how="vertical")


def to_dicts(df: pl.DataFrame) -> list[dict[str, Any]]:
    out = df.to_dicts()
    for d in out:
        d["values"] = json.loads(d["values"]) if d["values"] else {}
    return out
