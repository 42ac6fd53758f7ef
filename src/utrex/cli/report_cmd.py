"""`utrex report NAME`: a state report from the store (issue 5), as csv, json, html or xlsx.

A report may carry further named parts (Year-End: `discipline`, the incidents by infraction type and
action): json, xlsx and html carry them all; csv holds one table, the main one or `--part NAME`.

Exit status: 0 written; 1 refused (e.g. nothing finalized to report on); 2 usage (unknown or unbuilt
report name, --school without --lea, xlsx without --output, --part the report has not or with a format
other than csv)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .main import app, fail, write_output
from .store_cmd import _open


class ReportFormat(StrEnum):
    csv = "csv"
    json = "json"
    html = "html"
    xlsx = "xlsx"


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="october-1, december-1, year-end, charter-summary or "
                                             "compliance")],
    lea: Annotated[str | None, typer.Option("--lea", help="Only the students counted at this LEA's schools")] = None,
    school: Annotated[str | None, typer.Option("--school", help="Only this school of the LEA (needs --lea)")] = None,
    school_year: Annotated[int | None, typer.Option("--school-year", help="Ending year, 2013 for 2012-13 "
                                                    "(default: the latest the store holds)")] = None,
    finalized: Annotated[bool, typer.Option("--finalized", help="Each LEA's snapshot finalized for the period "
                                            "instead of the live records in force")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="List the students behind the counts")] = False,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="csv, json, html or xlsx")] = ReportFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")] = None,
    part: Annotated[str | None, typer.Option("--part", help="csv only: this part of the report instead of its "
                                             "main table (year-end: discipline)")] = None,
) -> None:
    """A state report: counts by LEA, school and grade (csv: one row each; with --detail the students, keyed
    the same way). Counts of 1-9 are named in the `suppressed` column: blank them before publishing.
    Year-End also carries the discipline incidents by infraction type and action: json under "discipline",
    xlsx sheets "discipline" and "discipline detail", html its own section, csv with --part discipline."""
    from ..reports import output as out
    from ..reports.registry import REPORTS, built, run, run_parts
    from ..store.examine import latest_school_year
    from ..store.periods import school_year_of
    from ..store.submissions import normalize_lea

    kind = REPORTS.get(name)
    if kind is None or kind.compute is None:
        why = "is not built yet" if kind is not None else "is not a report"
        raise fail(f"{name!r} {why}; built: {', '.join(built())}")
    if school is not None and lea is None:
        raise fail("--school needs --lea (a school number is the LEA's)")
    if format == ReportFormat.xlsx and output is None:
        raise fail("--format xlsx needs --output")
    if part is not None and part not in {p.name for p in kind.parts}:
        raise fail(f"{name} has no part {part!r}; parts: {', '.join(p.name for p in kind.parts) or 'none'}")
    if part is not None and format != ReportFormat.csv:
        raise fail(f"--part is for csv (one table); {format.value} carries every part")
    store = _open()
    try:
        # default: the latest school year the store holds records of (for the LEA), else today's
        year = (school_year if school_year is not None
                else latest_school_year(store, normalize_lea(lea) if lea else None) or school_year_of(dt.date.today()))
        counts, students, facts = run(name, store, year, lea, school, finalized)
        computed = run_parts(name, store, year, lea, school, finalized)
        # one LEA: the count after each of its loads (one archive read per load); csv holds one table only
        if format != ReportFormat.csv and lea is not None:
            from ..reports.trend import trend

            points = trend(store, name, year, lea, school)
            facts = {**facts, "trend": points} if points else facts
    finally:
        store.close()
    if finalized and not facts.get("students") and counts.is_empty():
        typer.echo(f"utrex: note: no LEA has finalized records for {name} {year} in this scope", err=True)
    elif counts.is_empty():
        typer.echo(f"utrex: note: nothing to count for {name} {year} in this scope (no records in force)", err=True)
    shown = students if detail else None
    extra = [out.Part(p.name, computed[p.name][2], computed[p.name][0], computed[p.name][1] if detail else None,
                      list(p.key), dict(p.html)) for p in kind.parts]
    if format == ReportFormat.csv:
        chosen = next((x for x in extra if x.name == part), None)
        write_output(out.to_csv(counts, shown) if chosen is None else out.to_csv(chosen.counts, chosen.detail),
                     output)
    elif format == ReportFormat.json:
        write_output(out.to_json(facts, counts, shown, extra), output)
    elif format == ReportFormat.html:
        write_output(out.to_html(facts, counts, shown, list(kind.key), **dict(kind.html), extra=extra), output)
    else:
        assert output is not None
        try:
            out.write_xlsx(facts, counts, shown, output, extra)
        except OSError as e:
            raise fail(f"cannot write {output}: {e}") from None
