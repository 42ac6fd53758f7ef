"""`utrex diff OLD NEW`: what changed between two validation results.

OLD and NEW are JSON reports of `utrex validate --format json`, or Clearinghouse files, which are
validated here with the same --period, --as-of and --reference. Exit status: 0 no new error findings,
1 new error findings, 2 usage or unreadable input.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .main import app, fail, parse_date, write_output


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"


def _is_json(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def load_result(path: Path, options: Any) -> dict[str, Any]:
    """A validation result as the validation JSON has it: {"summary": {...}, "findings": [...]}."""
    if not path.exists():
        raise fail(f"{path}: no such file")
    if path.is_dir():
        raise fail(f"{path} is a folder, not a file")
    try:
        if _is_json(path):
            try:
                data = json.loads(path.read_text(encoding="utf-8-sig"))
            except (ValueError, UnicodeDecodeError) as e:
                raise fail(f"{path}: not a readable JSON validation report ({e})") from None
            if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
                raise fail(f"{path}: not a validation report (expected the JSON of 'utrex validate --format json')")
            return data
    except OSError as e:
        raise fail(f"cannot read {path}: {e.strerror}") from None
    from ..engine import findings as fnd
    from ..engine.reader import UnreadableInput
    from ..engine.validate import validate_file
    from ..reference.model import ReferenceError

    try:
        result = validate_file(path, options)
    except UnreadableInput as e:
        raise fail(str(e)) from None
    except ReferenceError as e:
        raise fail(f"reference data: {e}") from None
    return {"summary": result.summary, "findings": fnd.to_dicts(result.findings)}


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier result: a validation JSON report or a Clearinghouse file")],
    new: Annotated[Path, typer.Argument(help="The later result: a validation JSON report or a Clearinghouse file")],
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="text, json, csv or html")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the comparison here instead of stdout")] = None,
    period: Annotated[str | None, typer.Option(help="For Clearinghouse files: october, december, year-end or monthly")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="For Clearinghouse files: 'today' as YYYY-MM-DD")] = None,
    reference: Annotated[Path | None, typer.Option(help="For Clearinghouse files: folder of reference CSV files")] = None,
) -> None:
    """Compare two validation results: new, resolved and still-open findings. Exit 1 when there are new errors."""
    from ..engine.validate import Options
    from ..report import diff as d
    from ..spec import Period

    p: Period | None = None
    if period is not None:
        try:
            p = Period(period.lower())
        except ValueError:
            raise fail(f"--period {period!r} is not one of {', '.join(x.value for x in Period)}") from None
    as_of_date = parse_date(as_of, "--as-of")
    ref = None
    if reference is not None:
        from ..reference.model import ReferenceError, load_reference

        try:
            ref = load_reference(reference)
        except ReferenceError as e:
            raise fail(f"reference data: {e}") from None
    opts = Options(period=p, as_of=as_of_date, reference=ref)
    old_result = load_result(old, opts)
    new_result = load_result(new, opts)
    _warn_if_unlike(old_result.get("summary") or {}, new_result.get("summary") or {})
    result = d.diff_results(old_result, new_result)
    if format == DiffFormat.json:
        write_output(d.to_json(result) + "\n", output)
    elif format == DiffFormat.csv:
        write_output(d.to_csv(result), output)
    elif format == DiffFormat.html:
        write_output(d.render_diff_html(result, old_result.get("summary"), new_result.get("summary")), output)
    else:
        write_output(d.to_text(result, old_result.get("summary"), new_result.get("summary")), output)
    raise typer.Exit(1 if d.new_errors(result) else 0)


def _warn_if_unlike(old: dict[str, Any], new: dict[str, Any]) -> None:
    for key, word in (("lea", "LEA"), ("school_year", "school year"), ("period", "update")):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and str(a) != str(b):
            typer.echo(f"utrex: note: the results differ in {word} ({a} and {b}); findings are compared all the same",
                       err=True)
