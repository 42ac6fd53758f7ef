"""Benchmark: `utrex submit` (Level 1 + Level 2 validation, archiving and the load) of a 1,000,000-record
LEA file on a fresh embedded SQLite store and on a fresh throwaway PostgreSQL database.

    python benchmarks/store.py [--records 1000000] [--regenerate] [--skip-postgresql]
                               [--postgresql "host=127.0.0.1 port=5432 user=postgres dbname=postgres"]

1. The data file is the one benchmarks/run.py caches in benchmarks/data/ (generated with `utrex synth`
   the same way, by run.py's own functions, when it is missing or the generator changed).
2. Each backend starts empty: SQLite in a temporary data home (the zero-configuration default), and on
   PostgreSQL a new database, migrated with `utrex db upgrade` before the clock starts and dropped after.
3. `utrex submit FILE --lea 14 --format json` runs in a fresh process: wall time, CPU time and the
   process's own peak RSS (run.py's `measure`), including start-up, validation, the encrypted archive,
   the findings, the per-record outcome and the records in force.
4. Prints a table and writes benchmarks/results/store-latest.json (git-ignored).

Target (issue 4): validation plus load under 20 seconds on either backend. The tests never run this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: the cached data file and the measuring)

TARGET_SECONDS = 20.0
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


def submit(path: Path, label: str, env: dict[str, str]) -> dict[str, Any]:
    """`utrex submit` in a fresh process with `env` set (the store it writes to)."""
    with environment(env):
        r = bench.measure([sys.executable, "-m", "utrex", "submit", str(path), "--lea", "14", "--user", "bench",
                           "--format", "json"], f"utrex submit ({label})")
    if r["exit_status"] != 0:
        raise SystemExit(f"utrex submit on {label} exited {r['exit_status']}:\n{r['stderr'][-3000:]}")
    sub = json.loads(r.pop("stdout"))
    r.update(backend=label, status=sub["status"], records=sub["records"], accepted=sub["accepted"],
             held=sub["held"], errors=sub["errors"], warnings=sub["warnings"], submission_seconds=sub["seconds"])
    r["stderr"] = r["stderr"][-2000:]
    return r


def on_sqlite(path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="utrex-bench-") as home:
        env = {"UTREX_HOME": home, "UTREX_DATABASE_URL": "", "UTREX_SECRET_KEY": ""}
        r = submit(path, "SQLite (embedded)", env)
        r["database_mb"] = round((Path(home) / "utrex.db").stat().st_size / bench.MB, 1)
        return r


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """`env` set in os.environ (what the measured child process inherits), restored on leaving."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def throwaway_postgresql(admin_dsn: str) -> Iterator[tuple[dict[str, str], Any, str]]:
    """A new, migrated PostgreSQL database and a data home: (the utrex environment, the admin connection,
    the database name); dropped on leaving."""
    import psycopg

    from utrex.store import Store, schema

    name = f"utrex_bench_{secrets.token_hex(4)}"
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    url = (f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
           f"{params.get('port', 5432)}/{name}")
    admin = psycopg.connect(admin_dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="utrex-bench-") as home:
            st = Store(url=url)
            schema.upgrade(st.engine)  # `utrex db upgrade`, before the clock starts
            st.close()
            yield {"UTREX_HOME": home, "UTREX_DATABASE_URL": url, "UTREX_SECRET_KEY": ""}, admin, name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def on_postgresql(path: Path, admin_dsn: str) -> dict[str, Any]:
    with throwaway_postgresql(admin_dsn) as (env, admin, name):
        r = submit(path, "PostgreSQL", env)
        size = admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        r["database_mb"] = round(size[0] / bench.MB, 1) if size else None
        return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--skip-postgresql", action="store_true")
    ap.add_argument("--postgresql", default=PG_ADMIN, help="libpq DSN of a server where a database may be created")
    args = ap.parse_args(argv)
    path, meta = bench.dataset(args.records, args.regenerate)
    load_before = os.getloadavg()
    runs = [on_sqlite(path)]
    if not args.skip_postgresql:
        runs.append(on_postgresql(path, args.postgresql))
    print()
    print(f"{path.name}: {meta['records']:,} records, {meta['bytes'] / bench.MB:,.0f} MB")
    print(f"{'backend':<20} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>11} {'records':>10} {'accepted':>10} "
          f"{'held':>7} {'db MB':>7}  target <{TARGET_SECONDS:.0f} s")
    for r in runs:
        r["met"] = r["wall_seconds"] < TARGET_SECONDS
        print(f"{r['backend']:<20} {r['wall_seconds']:>7.1f} {r['cpu_seconds']:>7.1f} {r['peak_rss_mb']:>11,.0f} "
              f"{r['records']:>10,} {r['accepted']:>10,} {r['held']:>7,} {r['database_mb'] or 0:>7,.0f}  "
              f"{'met' if r['met'] else 'NOT met'}")
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "file": path.name, "data": meta,
           "target_seconds": TARGET_SECONDS, "runs": runs, "machine": bench.machine(),
           "load_before": load_before, "load_after": os.getloadavg()}
    (bench.RESULTS / "store-latest.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0 if all(r["met"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
