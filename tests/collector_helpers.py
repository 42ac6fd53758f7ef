"""Shared pieces of the collector tests: small synthetic LEA files and a clock the test moves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from utrex.spec import Period
from utrex.synth import cli_synth

DENVER = dt.timezone(dt.timedelta(hours=-7))  # January: Mountain Standard Time


def synth(path: Path, defects: float = 0.0, seed: int = 1, lea: str = "14", students: int = 40) -> Path:
    cli_synth(output=path, lea=lea, students=students, period=Period.OCTOBER, school_year=2013, seed=seed,
              defects=defects, state=False, leas=1, reference=None)
    return path


class Clock:
    """The collector's clock, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> dt.datetime:
        self.now = now
        return now
