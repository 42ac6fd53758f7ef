"""The store half of `utrex demo`: a small synthetic state submitted to an embedded SQLite store of its own
(in the demo's folder, never the user's data home), then the state's October 1 report from it.

It goes through the same calls as `utrex reference load`, `utrex submit` and `utrex report october-1`, so
what it prints is what those commands would show.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from .engine.validate import read_header
from .spec import Period
from .synth import cli_synth

DEMO_LEAS = 3
SCHOOL_YEAR = 2013


def run_store_demo(workdir: Path, students: int, echo: Callable[[str], None]) -> Path:
    """Generate the state, submit every LEA file, write the October 1 report; returns the store's home."""
    from .reports.registry import run
    from .store import Settings, Store
    from .store import reference as reference_store
    from .store.submissions import SubmissionError, submit

    state = workdir / "state"
    home = workdir / "store"
    if (home / "utrex.db").exists():  # the demo's own store of an earlier run: start again
        shutil.rmtree(home)
    echo(cli_synth(output=state, lea="14", students=students, period=Period.OCTOBER, school_year=SCHOOL_YEAR,
                   seed=3, defects=0.0, state=True, leas=DEMO_LEAS, reference=None))
    settings = Settings(home=home)
    settings.database_url = None  # the embedded SQLite file of `home`, whatever UTREX_DATABASE_URL says
    store = Store.open(settings)
    try:
        version = reference_store.load_version(store, state / "reference", user="demo")
        echo(f"store {settings.url}: reference data version {version.id} loaded from {state / 'reference'}")
        for path in sorted(state.glob("*.txt")):
            lea = read_header(path).di.get("lea_number", "").strip()
            try:
                sub = submit(path, lea, user="demo", store=store)
            except SubmissionError as e:
                echo(f"  {path.name}: {e}")
                continue
            echo(f"  submission {sub.id}: LEA {sub.lea} {path.name}: {sub.status}, {sub.accepted or 0:,} records "
                 f"accepted, {sub.held or 0:,} held, {sub.errors or 0:,} error(s), {sub.warnings or 0:,} warning(s)")
        counts, _detail, _facts = run("october-1", store, SCHOOL_YEAR, None, None, False)
    finally:
        store.close()
    report = workdir / "october-1.csv"
    counts.write_csv(report)
    echo(f"October 1 report of the state (school year {SCHOOL_YEAR}): {counts.height:,} rows written to {report}")
    return home
