"""Benchmark: `utrex report october-1` for a whole synthetic state of at least 1,000,000 loaded records, on
the embedded SQLite store and on a throwaway PostgreSQL database.

    python benchmarks/report.py [--records 1000000] [--leas 8] [--regenerate] [--skip-postgresql]

1. Generates (once, cached in benchmarks/data/state-*/, git-ignored) a synthetic state with
   `utrex synth --state` (several LEAs, students moving between them), sized to reach --records.
2. On each backend, starting empty, loads the LEAs one by one with `utrex submit` (not timed as the
   report: the load's own target is benchmarks/store.py's), then runs, in a fresh process,
   `utrex report october-1 --format csv --output ...` for the whole state, and once with `--detail`:
   wall time, CPU time and the process's own peak RSS (run.py's `measure`).
3. Prints a table and writes benchmarks/results/report-latest.json.

Target (issue 5): the October 1 report of a state of at least 1,000,000 loaded records in under 10 seconds
on either backend. The tests never run this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: measuring and the machine's description)
import store as store_bench  # noqa: E402  (benchmarks/store.py: the environment and a throwaway PostgreSQL)

TARGET_SECONDS = 10.0
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
RECORDS_PER_STUDENT = 3.5  # about what `utrex synth --state` makes per student in October


def state(records: int, leas: int, regenerate: bool) -> tuple[Path, int]:
    """The cached state folder (lea*-october.txt, reference/) and its record count."""
    folder = bench.DATA / f"state-{records}-{leas}-{bench.synth_fingerprint()}"
    files = sorted(folder.glob("lea*-october.txt"))
    total = sum(bench.count_lines(f) for f in files)
    students = int(records / RECORDS_PER_STUDENT / leas) + 1
    while regenerate or total < records:  # records per student vary with size: scale up until big enough
        if total:
            students = int(students * records / total * 1.02) + 1
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("lea*-october.txt"):
            old.unlink()
        cmd = [sys.executable, "-m", "utrex", "synth", "--state", "--leas", str(leas), "--students", str(students),
               "--period", "october", "--output", str(folder), "--seed", "1"]
        print("generating:", " ".join(cmd[2:]), flush=True)
        subprocess.run(cmd, check=True, capture_output=True)
        total, regenerate = sum(bench.count_lines(f) for f in sorted(folder.glob("lea*-october.txt"))), False
    return folder, total


def _utrex(args: list[str], env: dict[str, str], label: str) -> dict[str, Any]:
    with store_bench.environment(env):
        r = bench.measure([sys.executable, "-m", "utrex", *args], label)
    if r["exit_status"] != 0:
        raise SystemExit(f"utrex {' '.join(args)} exited {r['exit_status']}:\n{r['stderr'][-3000:]}")
    return r


def measure_backend(folder: Path, label: str, env: dict[str, str], out: Path) -> dict[str, Any]:
    loaded = 0
    _utrex(["reference", "load", str(folder / "reference")], env, f"reference load ({label})")
    for f in sorted(folder.glob("lea*-october.txt")):
        r = _utrex(["submit", str(f), "--lea", f.name[3:5], "--user", "bench", "--format", "json"], env,
                   f"load {f.name} ({label})")
        sub = json.loads(r["stdout"])
        if sub["status"] != "loaded":
            raise SystemExit(f"{f.name}: {sub['status']} {sub.get('reason')}")
        loaded += sub["accepted"]
    report = _utrex(["report", "october-1", "--format", "csv", "--output", str(out)], env,
                    f"utrex report october-1 ({label})")
    detail = _utrex(["report", "october-1", "--detail", "--format", "csv", "--output", str(out)], env,
                    f"utrex report october-1 --detail ({label})")
    rows = bench.count_lines(out) - 1
    return {"backend": label, "loaded_records": loaded, "wall_seconds": report["wall_seconds"],
            "cpu_seconds": report["cpu_seconds"], "peak_rss_mb": report["peak_rss_mb"],
            "detail_wall_seconds": detail["wall_seconds"], "detail_rows": rows}


def on_sqlite(folder: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="utrex-bench-") as home:
        env = {"UTREX_HOME": home, "UTREX_DATABASE_URL": "", "UTREX_SECRET_KEY": ""}
        return measure_backend(folder, "SQLite (embedded)", env, Path(home) / "october-1.csv")


def on_postgresql(folder: Path, admin_dsn: str) -> dict[str, Any]:
    with store_bench.throwaway_postgresql(admin_dsn) as (env, _, _):
        return measure_backend(folder, "PostgreSQL", env, Path(env["UTREX_HOME"]) / "october-1.csv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--leas", type=int, default=8)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--skip-postgresql", action="store_true")
    ap.add_argument("--postgresql", default=PG_ADMIN, help="libpq DSN of a server where a database may be created")
    args = ap.parse_args(argv)
    folder, total = state(args.records, args.leas, args.regenerate)
    load_before = os.getloadavg()
    runs = [on_sqlite(folder)]
    if not args.skip_postgresql:
        runs.append(on_postgresql(folder, args.postgresql))
    print()
    print(f"{folder.name}: {total:,} records in {args.leas} LEAs")
    print(f"{'backend':<20} {'loaded':>10} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>11} {'detail s':>9} "
          f"{'students':>9}  target <{TARGET_SECONDS:.0f} s")
    for r in runs:
        r["met"] = r["wall_seconds"] < TARGET_SECONDS
        print(f"{r['backend']:<20} {r['loaded_records']:>10,} {r['wall_seconds']:>7.2f} {r['cpu_seconds']:>7.2f} "
              f"{r['peak_rss_mb']:>11,.0f} {r['detail_wall_seconds']:>9.2f} {r['detail_rows']:>9,}  "
              f"{'met' if r['met'] else 'NOT met'}")
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "state": folder.name, "records": total,
           "target_seconds": TARGET_SECONDS, "runs": runs, "machine": bench.machine(),
           "load_before": load_before, "load_after": os.getloadavg()}
    (bench.RESULTS / "report-latest.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0 if all(r["met"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
