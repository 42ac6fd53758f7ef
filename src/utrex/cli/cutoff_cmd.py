"""`utrex cutoff`: the October 15 automatic changes to the school year that ended (store/cutoff.py)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from .main import app, fail, parse_date, write_output
from .store_cmd import _open


class CutoffFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def cutoff(
    school_year: Annotated[int, typer.Option("--school-year", help="The school year that ended (2012: 2011-12)")],
    date: Annotated[str | None, typer.Option("--date", help="The cut-off date (default October 15 of that "
                                             "year), YYYY-MM-DD")] = None,
    user: Annotated[str | None, typer.Option(help="Who runs it (default: the operating-system user)")] = None,
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's students")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the changes without making them")] = False,
    format: Annotated[CutoffFormat, typer.Option("--format", "-f", help="text or json")] = CutoffFormat.text,
) -> None:
    """Apply the automatic changes of the October 15 cut-off: GP without an update becomes CT, RT without a
    new enrollment or update becomes DO, EX without an S1 or ES record gets completion status DO. Each change
    is recorded; running it again changes nothing more. Exit 0 when done, 2 on a bad option or date."""
    from ..store import cutoff as C
    from ..store.submissions import _os_user, normalize_lea

    when = parse_date(date, "--date")
    store = _open()
    try:
        result = C.run(store, school_year, when, user or _os_user(), dry_run=dry_run,
                       lea=normalize_lea(lea) if lea else None)
    except ValueError as e:
        raise fail(str(e)) from None
    finally:
        store.close()
    d = result.to_dict()
    if format == CutoffFormat.json:
        write_output(json.dumps(d, indent=1, default=str) + "\n", None)
        return
    what = "would change" if result.dry_run else f"changed (run {result.run_id})"
    lines = [f"cut-off of school year {school_year} on {d['cutoff_date']} by {d['user']}: {d['changed']} record(s) "
             f"{what}" + "".join(f"; {k} {v}" for k, v in d["by_rule"].items())]
    lines += [f"  LEA {c['lea']} student {c['student_number']} SSID {c['ssid'] or '-'}: {c['rule']}: "
              f"{c['field']} {c['old_value'] or 'blank'} -> {c['new_value']}" for c in d["changes"]]
    typer.echo("\n".join(lines))
