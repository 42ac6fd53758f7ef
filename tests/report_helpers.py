"""What the report tests share: loading a hand-built file that must load whole, and running `utrex report`."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.store import submissions as S
from utrex.store.db import Store


def submit_clean(store: Store, path: Path, lea: str) -> S.Submission:
    """Submit `path` for `lea`; it must load with no record held (else the error findings say why)."""
    sub = S.submit(path, lea, store=store)
    assert sub.status == "loaded", sub.reason
    errors = S.submission_findings(store, sub.id).filter(pl.col("severity") == "error")
    assert sub.held == 0, "\n".join(map(str, errors.select("line", "rule", "message").rows()))
    return sub


def report_cli(*args: str) -> str:
    """`utrex report ARGS`'s output; it must exit 0."""
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.output
