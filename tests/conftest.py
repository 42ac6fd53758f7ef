from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from utrex.engine.validate import Options, Result, validate_file
from utrex.spec import Period


@pytest.fixture
def run_text(tmp_path: Path):
    """Validate Clearinghouse text; returns the Result."""

    counter = {"n": 0}

    def run(text: str, period: str | None = None, as_of: str | None = None, **kw) -> Result:
        """Level 1 only unless `levels=(1, 2)`: rule tests look at one record at a time."""
        kw.setdefault("levels", (1,))
        counter["n"] += 1
        p = tmp_path / f"f{counter['n']}.txt"
        p.write_bytes(text.encode("ascii", errors="replace") if isinstance(text, str) else text)
        opts = Options(period=Period(period) if period else None,
                       as_of=dt.date.fromisoformat(as_of) if as_of else None, **kw)
        return validate_file(p, opts)

    return run
