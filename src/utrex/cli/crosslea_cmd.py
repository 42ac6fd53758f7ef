"""`utrex cross-lea`: an LEA's cross-LEA Level 2 warnings (students it shares with other LEAs, by SSID)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from .main import app, write_output
from .store_cmd import _open


class CrossLeaFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


@app.command("cross-lea")
def cross_lea(
    lea: Annotated[str, typer.Option("--lea", help="The LEA whose side of the findings to show")],
    school_year: Annotated[int | None, typer.Option("--school-year", help="School year (ending year; default: the "
                                                    "LEA's latest with records in force)")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-evaluate this LEA's students first (every load "
                                          "does; for records loaded before cross-LEA checks existed)")] = False,
    format: Annotated[CrossLeaFormat, typer.Option("--format", "-f", help="text, json or csv")] = CrossLeaFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")] = None,
) -> None:
    """The cross-LEA warnings of an LEA: a student in membership at schools of record of two LEAs on the
    same day, membership across LEAs above 180 + 10 x transfers, an SSID naming another student elsewhere.
    Each names this LEA's school and student number and the other LEA, school and student number. Exit 0
    (they are warnings)."""
    from ..store.cross_lea_findings import findings_for_lea, latest_year
    from ..store.cross_lea_findings import refresh as do_refresh
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea)
    store = _open()
    try:
        year = school_year if school_year is not None else latest_year(store, lea)
        if refresh and year is not None:
            do_refresh(store, lea, year)
        found = findings_for_lea(store, lea, year)
    finally:
        store.close()
    shown = found.with_columns(pl.col("evaluated_at").dt.strftime("%Y-%m-%dT%H:%M:%S%:z"))
    if format == CrossLeaFormat.csv:
        write_output(shown.write_csv(), output)
    elif format == CrossLeaFormat.json:
        doc = {"lea": lea, "school_year": year, "findings": shown.to_dicts()}
        write_output(json.dumps(doc, indent=1) + "\n", output)
    else:
        write_output(_text(lea, year, found), output)


def _text(lea: str, year: int | None, found: pl.DataFrame) -> str:
    lines = [f"LEA {lea}, school year {year or '-'}: {found.height} cross-LEA finding(s)"]
    for r in found.iter_rows(named=True):  # a report of a few findings, not a hot path
        lines.append(f"{r['severity']:<8} {r['rule']:<28} school {r['school']} student {r['student_number']} "
                     f"SSID {r['ssid']} | other: LEA {r['other_lea']} school {r['other_school']} "
                     f"student {r['other_student_number']}")
        lines.append(f"         {r['message']}")
    return "\n".join(lines) + "\n"
