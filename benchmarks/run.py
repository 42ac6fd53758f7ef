"""Benchmark: Level 1, and Level 1 + Level 2, validation of a statewide-size file against a plain Python
read-and-slice loop.

    python benchmarks/run.py [--records 1000000] [--big 6000000] [--skip-big] [--repeat 5] [--regenerate]

1. Generates (once, cached under benchmarks/data/, git-ignored) one single-LEA Clearinghouse file of at
   least --records records with the project's generator (`utrex synth --lea 14 --students N`, N calibrated
   to reach the record count), and one of at least --big records the same way. Concatenating the per-LEA
   files of `utrex synth --state` would not be a valid file (one DI per file), so the file is one big LEA.
2. Measures, each in a fresh process (peak RSS is that process's own, from os.wait4):
   (a) `utrex validate FILE --level 1 --format json --output ... --quiet` (Level 1, exactly as the CLI
       runs it);
   (b) benchmarks/baseline.py: read every line and slice every field into a dict by its layout;
   (c) `utrex validate FILE --level 2 ...` (Level 1 and Level 2);
   (d) (a) on the --big file, to show that memory stays bounded.
   (a), (b) and (c) run --repeat times, interleaved; the fastest run of each counts (the machine's other load
   only ever slows a run down), with the highest peak RSS of all its runs. The load average is recorded.
3. Prints the figures and writes them to benchmarks/results/latest.json (git-ignored).

Targets (issues 2 and 3): Level 1 >= 1.5x the loop's records/s with peak RSS < 1.5 GB; big-file peak
<= 1.5x the 1M-record peak; Level 1 + Level 2 >= 1.2x the loop with peak RSS < 2 GB.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
CRLF = "\r\n"
MB = 1024 * 1024

SPEED_TARGET = 1.5  # Level 1 validate records/s over baseline records/s
L2_SPEED_TARGET = 1.2  # Level 1 + Level 2
L2_PEAK_TARGET_MB = 2048
PEAK_TARGET_MB = 1.5 * 1024  # 1.5 GB
GROWTH_TARGET = 1.5  # big-file peak over 1M-record peak


# ---------------------------------------------------------------------------------------------- data


def count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(16 * MB):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def synth_fingerprint() -> str:
    """Hash of the generator's sources: a changed generator regenerates the cached files."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "src" / "utrex" / "synth").rglob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def run_synth(out: Path, students: int, seed: int = 1) -> None:
    cmd = [sys.executable, "-m", "utrex", "synth", "--output", str(out), "--lea", "14",
           "--students", str(students), "--period", "october", "--seed", str(seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"utrex synth failed ({proc.returncode}): {proc.stderr.strip()}")


def calibrate_synth() -> tuple[float, float] | None:
    """(records per student, fixed records) of `utrex synth`, or None while it is the placeholder."""
    with tempfile.TemporaryDirectory() as tmp:
        sizes = (500, 1500)
        lines = []
        for n in sizes:
            p = Path(tmp) / f"s{n}.txt"
            run_synth(p, n)
            lines.append(count_lines(p))
    per_student = (lines[1] - lines[0]) / (sizes[1] - sizes[0])
    if per_student <= 0:
        return None
    return per_student, lines[0] - per_student * sizes[0]


def write_stand_in(path: Path, records: int) -> dict[str, Any]:
    """The base records of utrex.testing repeated with distinct student numbers (no defects).

    Per school of 2,000 students: SC, 60 AC sections, and per student S1, 6 AM and every 8th an S2."""
    from utrex.spec import spec_for
    from utrex.testing import di_record, record

    spec = spec_for(2013)

    def splice(template: str, code: str, values: dict[str, str]) -> str:
        for fid, v in values.items():
            f = spec.layout(code).field(fid)
            template = template[: f.offset] + v[: f.width].ljust(f.width) + template[f.end :]
        return template

    schools = ["704", "708", "790"]  # LEA 14 schools of the sample reference serving grade 10
    per_school, sections, am_per_student = 2000, 60, 6
    n = 0
    student = 1_000_000
    with open(path, "w", encoding="ascii", newline="") as out:
        out.write(di_record("october") + CRLF)
        n += 1
        k = 0
        while n < records:
            school = schools[k % len(schools)]
            k += 1
            loc = {"school_number": school}
            out.write(record("SC", loc) + CRLF)
            courses = [f"C{j:04d}" for j in range(sections)]
            out.write("".join(record("AC", {**loc, "course_section": c}) + CRLF for c in courses))
            n += 1 + sections
            s1, s2, am = record("S1", loc), record("S2", loc), record("AM", loc)
            buf: list[str] = []
            for i in range(per_school):
                if n >= records:
                    break
                student += 1
                num = str(student)
                buf.append(splice(s1, "S1", {"student_number": num, "ssid": str(student + 1_000_000)}))
                n += 1
                if i % 8 == 0:
                    buf.append(splice(s2, "S2", {"student_number": num}))
                    n += 1
                for j in range(am_per_student):
                    buf.append(splice(am, "AM", {"student_number": num,
                                                 "course_number": courses[(i + j * 7) % sections]}))
                    n += 1
            out.write(CRLF.join(buf) + CRLF)
    return {"generator": "stand-in", "students": student - 1_000_000}


def dataset(records: int, regenerate: bool) -> tuple[Path, dict[str, Any]]:
    """A cached file of at least `records` records (regenerated when the generator changed)."""
    DATA.mkdir(parents=True, exist_ok=True)
    fingerprint = synth_fingerprint()
    for meta_path in DATA.glob(f"lea14-{records}-*.json"):
        meta = json.loads(meta_path.read_text())
        path = meta_path.with_suffix(".txt")
        if not regenerate and meta.get("synth_fingerprint") == fingerprint and path.exists() \
                and path.stat().st_size == meta.get("bytes"):
            print(f"using cached {path.name} ({meta['records']:,} records, {meta['generator']})", flush=True)
            return path, meta
    started = time.perf_counter()
    calib = calibrate_synth()
    if calib is None:
        print(f"utrex synth is still the placeholder: writing a stand-in file of {records:,} records", flush=True)
        path = DATA / f"lea14-{records}-stand-in.txt"
        meta = write_stand_in(path, records)
    else:
        per_student, fixed = calib
        students = max(1, math.ceil((records - fixed) / per_student * 1.01))
        path = DATA / f"lea14-{records}-synth.txt"
        for _ in range(5):
            print(f"utrex synth --lea 14 --students {students:,} (~{per_student:.2f} records/student) ...", flush=True)
            run_synth(path, students)
            lines = count_lines(path)
            if lines >= records:
                break
            students = math.ceil(students * records / max(lines, 1) * 1.01)
        else:
            raise SystemExit(f"could not reach {records:,} records with utrex synth")
        meta = {"generator": "utrex synth", "students": students}
    meta.update(records=count_lines(path), bytes=path.stat().st_size, synth_fingerprint=fingerprint,
                generated_seconds=round(time.perf_counter() - started, 1))
    for old in DATA.glob(f"lea14-{records}-*"):
        if old.stem != path.stem:
            old.unlink()
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {path.name}: {meta['records']:,} records, {meta['bytes'] / MB:,.0f} MB "
          f"in {meta['generated_seconds']} s", flush=True)
    return path, meta


# ---------------------------------------------------------------------------------------- measuring


def measure(cmd: list[str], label: str) -> dict[str, Any]:
    """Run `cmd` in a fresh process; wall seconds, CPU seconds and that process's own peak RSS."""
    print(f"running {label} ...", flush=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
    return {"label": label, "command": " ".join(cmd), "exit_status": proc.returncode,
            "wall_seconds": round(wall, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(rss / MB, 1), "stdout": stdout, "stderr": stderr}


def run_validate(path: Path, label: str, level: str = "1") -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = RESULTS / f"findings-{label}.json"
    name = "utrex validate L1" if level == "1" else "utrex validate L1+L2"
    r = measure([sys.executable, "-m", "utrex", "validate", str(path), "--level", level, "--format", "json",
                 "--output", str(report), "--quiet"], f"{name} ({label})")
    if r["exit_status"] not in (0, 1):
        raise SystemExit(f"utrex validate exited {r['exit_status']}:\n{r['stderr'][-3000:]}")
    summary = json.loads(report.read_text())["summary"]
    r.update(records=summary["records"], lines=summary["lines"], errors=summary["errors"],
             warnings=summary["warnings"], engine_seconds=summary["seconds"],
             findings_by_rule={k: v["count"] for k, v in summary["findings_by_rule"].items()})
    report.unlink()  # can be large; the summary is kept in latest.json
    return r


def run_baseline(path: Path, label: str) -> dict[str, Any]:
    r = measure([sys.executable, str(HERE / "baseline.py"), str(path)], f"baseline loop ({label})")
    if r["exit_status"] != 0:
        raise SystemExit(f"baseline failed:\n{r['stderr'][-3000:]}")
    out = json.loads(r["stdout"])
    r.update(records=out["records"], engine_seconds=out["seconds"])
    return r


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run (the least disturbed by other load) with the highest peak RSS of all runs."""
    best = dict(min(runs, key=lambda r: r["wall_seconds"]))
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    best["runs"] = [{"wall_seconds": r["wall_seconds"], "cpu_seconds": r["cpu_seconds"],
                     "peak_rss_mb": r["peak_rss_mb"]} for r in runs]
    best["records_per_second"] = round(best["records"] / best["wall_seconds"])
    best.pop("stdout", None)
    best["stderr"] = best["stderr"][-2000:]
    return best


# ------------------------------------------------------------------------------------------ machine


def machine() -> dict[str, Any]:
    import numpy
    import polars
    import pyarrow

    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / MB
    except (ValueError, OSError, AttributeError):
        mem = None
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "cpu_count": os.cpu_count(),
        "memory_mb": round(mem) if mem else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "git_commit": commit,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000, help="records of the main file (default 1,000,000)")
    ap.add_argument("--big", type=int, default=6_000_000, help="records of the big file (default 6,000,000)")
    ap.add_argument("--skip-big", action="store_true", help="do not generate or validate the big file")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the cached data files")
    ap.add_argument("--repeat", type=int, default=5,
                    help="runs of validate and of the baseline on the main file; the fastest counts (default 5)")
    args = ap.parse_args(argv)
    # byte-compile the package first, as an installed package is: where PYTHONDONTWRITEBYTECODE is set, every
    # run would otherwise compile utrex's modules from source again (40 ms a run)
    compileall.compile_dir(str(ROOT / "src"), quiet=1)

    path, meta = dataset(args.records, args.regenerate)
    big_path, big_meta = (None, None) if args.skip_big else dataset(args.big, args.regenerate)

    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {"validate": [], "baseline": [], "level2": []}
    for _ in range(args.repeat):  # interleaved, so that other load disturbs all alike
        runs["validate"].append(run_validate(path, "main"))
        runs["baseline"].append(run_baseline(path, "main"))
        runs["level2"].append(run_validate(path, "main", level="2"))
    validate, baseline = best_of(runs["validate"]), best_of(runs["baseline"])
    level2 = best_of(runs["level2"])
    big = best_of([run_validate(big_path, "big")]) if big_path else None
    load_after = os.getloadavg()

    speed_ratio = validate["records_per_second"] / baseline["records_per_second"]
    growth = big["peak_rss_mb"] / validate["peak_rss_mb"] if big else None
    l2_ratio = level2["records_per_second"] / baseline["records_per_second"]
    targets = {
        "speed_ratio": {"target": f">= {SPEED_TARGET}", "value": round(speed_ratio, 2),
                        "met": speed_ratio >= SPEED_TARGET},
        "peak_rss_mb": {"target": f"< {PEAK_TARGET_MB:.0f}", "value": validate["peak_rss_mb"],
                        "met": validate["peak_rss_mb"] < PEAK_TARGET_MB},
    }
    targets["level2_speed_ratio"] = {"target": f">= {L2_SPEED_TARGET}", "value": round(l2_ratio, 2),
                                     "met": l2_ratio >= L2_SPEED_TARGET}
    targets["level2_peak_rss_mb"] = {"target": f"< {L2_PEAK_TARGET_MB:.0f}", "value": level2["peak_rss_mb"],
                                     "met": level2["peak_rss_mb"] < L2_PEAK_TARGET_MB}
    if big:
        targets["big_over_main_peak"] = {"target": f"<= {GROWTH_TARGET}", "value": round(growth, 2),
                                         "met": growth <= GROWTH_TARGET}
    result = {
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "repeat": args.repeat,
        "data": {"main": {"file": path.name, **meta}, "big": {"file": big_path.name, **big_meta} if big_path else None},
        "validate": validate,
        "baseline": baseline,
        "validate_level2": level2,
        "validate_big": big,
        "validate_over_baseline_speed": round(speed_ratio, 2),
        "big_over_main_peak_rss": round(growth, 2) if growth else None,
        "targets": targets,
    }

    m = result["machine"]
    print()
    print(f"machine: {m['platform']}, {m['cpu_count']} CPUs, {m['memory_mb']:,} MB; Python {m['python']}, "
          f"Polars {m['polars']}; data from {meta['generator']}; load average {load_before[0]:.1f} -> "
          f"{load_after[0]:.1f}; best of {args.repeat} runs on the main file")
    print(f"{'run':<26}{'records':>12}{'wall s':>9}{'cpu s':>9}{'records/s':>12}{'peak RSS MB':>13}")
    for r in (validate, level2, baseline, big):
        if r:
            print(f"{r['label']:<26}{r['records']:>12,}{r['wall_seconds']:>9.2f}{r['cpu_seconds']:>9.2f}"
                  f"{r['records_per_second']:>12,}{r['peak_rss_mb']:>13,.0f}")
    print()
    for name, t in targets.items():
        print(f"{name:<22} {t['value']:>8}  target {t['target']:<8} {'met' if t['met'] else 'MISSED'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
