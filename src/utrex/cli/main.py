"""The `utrex` command. Exit status: 0 done, 1 done with error findings, 2 usage or unreadable input."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from ..engine.reader import UnreadableInput
from ..reference.model import ReferenceError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="utrex: validate, store and report Utah Clearinghouse (UTREx) student data files.",
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"utrex: {message}", err=True)
    return typer.Exit(code)


def write_output(text: str | bytes, output: Path | None) -> None:
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            output.write_bytes(text)
        else:
            output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror}") from None


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"utrex {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """utrex: validate, store and report Utah Clearinghouse (UTREx) student data files."""


from . import (  # noqa: E402,F401  (register the sub-commands on `app`)
    collections_cmd,
    commands,
    crosslea_cmd,
    cutoff_cmd,
    diff_cmd,
    periods_cmd,
    report_cmd,
    serve_cmd,
    store_cmd,
)


def main() -> None:
    try:
        app()
    except UnreadableInput as e:
        typer.echo(f"utrex: {e}", err=True)
        sys.exit(2)
    except ReferenceError as e:
        typer.echo(f"utrex: reference data: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("utrex: interrupted", err=True)
        sys.exit(130)
