"""Renders field values into fixed-width records, the inverse of the parser's slicing."""

from __future__ import annotations

from collections.abc import Mapping

from .model import RecordLayout


def render(layout: RecordLayout, values: Mapping[str, str]) -> str:
    """A record of exactly `layout.length` characters; values are left justified and cut to their width.

    The record id is filled in; unknown keys raise so a typo in a fixture cannot pass silently."""
    known = set(layout.field_ids())
    unknown = [k for k in values if k not in known and not k.startswith("__")]
    if unknown:
        raise KeyError(f"{layout.code} has no field(s) {', '.join(unknown)}")
    parts = []
    for f in layout.fields:
        v = layout.prefix if f.id == "record_id" else values.get(f.id, "")
        parts.append(v[: f.width].ljust(f.width))
    return "".join(parts)


def parse_line(layout: RecordLayout, line: str) -> dict[str, str]:
    """Field values of one record (for tests and small tools; the engine slices columns instead)."""
    line = line.rstrip("\r\n").ljust(layout.length)
    return {f.id: line[f.offset : f.end] for f in layout.fields}
