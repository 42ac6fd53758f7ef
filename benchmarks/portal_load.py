"""Load test of the portal (issue 6): people browsing findings while others upload large files, on loopback.

    python benchmarks/portal_load.py [--seconds 120] [--browsers 20] [--uploaders 5] [--records 50000]
                                     [--think 0] [--postgres] [--postgresql DSN] [--regenerate]

1. Data: one `utrex synth --defects` file of at least `--records` records per LEA (14 for the browsers'
   findings, 15.. for the uploaders), generated once and cached in benchmarks/data/portal-load/.
2. The store starts empty: SQLite in a temporary data home (the default), or with `--postgres` a throwaway
   PostgreSQL database (benchmarks/store.py's, dropped at the end). Accounts are created (an LEA viewer of
   LEA 14 per browser, an LEA uploader per uploader, each of its own LEA) and LEA 14's file is loaded, so
   there are findings to browse, before the clock starts.
3. The portal runs as `utrex serve` in its own process (its own interpreter: the clients do not share its
   GIL). For `--seconds`, over httpx on threads:
   - each browser logs in, then loops: dashboard, submission log, a submission's findings without a filter,
     by severity, by a rule taken from the page's rule list, and the next pages while there are some;
   - each uploader loops: the upload page, an upload of its file (a 303 to the status page means started),
     then the status page every 2 s (as the page's own refresh does) until the work is done.
   After the clock stops no new upload starts; the running ones are followed to the end (`--drain` s).
4. Every request's latency and status are recorded. Reported: failed requests (an exception, or a status
   other than the one that page answers: 200, or 303 for log-in and upload), uploads started against
   submissions stored (loaded or validated; a failed or missing one is a lost upload), and p50/p95/p99 of
   the page requests (the GETs: dashboards, logs, findings, status pages). Log-in (argon2, slow by design)
   and the upload POSTs (they carry the file) are reported on their own lines.
   Results: benchmarks/results/portal-load-latest.json (git-ignored).

Targets (issue 6): no failed request, no lost upload, p95 page latency under 500 ms; the exit status is 1
when one is missed. The tests never run this: it is run by hand (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: machine description, results folder)
import store as store_bench  # noqa: E402  (benchmarks/store.py: the throwaway PostgreSQL database)

from utrex.portal.serve import default_workers  # noqa: E402

DATA = HERE / "data" / "portal-load"
P95_TARGET_MS = 500.0
PASSWORD = "load test password 2013"
BROWSE_LEA = "14"
UPLOAD_LEAS = [f"{n:02d}" for n in range(15, 40)]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATUS_POLL_SECONDS = 2.0  # the status page's own refresh (views_submissions.REFRESH_SECONDS)


# --- data ----------------------------------------------------------------------------------------

def synth_file(lea: str, records: int, regenerate: bool) -> Path:
    """A cached `utrex synth --defects 0.002` file of LEA `lea` with at least `records` records."""
    DATA.mkdir(parents=True, exist_ok=True)
    path, meta_path = DATA / f"lea{lea}-{records}.txt", DATA / f"lea{lea}-{records}.json"
    fingerprint = bench.synth_fingerprint()
    if not regenerate and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("synth_fingerprint") == fingerprint and meta.get("bytes") == path.stat().st_size:
            return path
    students = math.ceil(records / 4.5)  # about 4.6 records a student; raised until the file is big enough
    for _ in range(6):
        cmd = [sys.executable, "-m", "utrex", "synth", "--lea", lea, "--students", str(students), "--period",
               "october", "--seed", str(int(lea)), "--defects", "0.002", "--output", str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"utrex synth failed ({proc.returncode}): {proc.stderr.strip()}")
        lines = bench.count_lines(path)
        if lines >= records:
            break
        students = math.ceil(students * records / max(lines, 1) * 1.02)
    else:
        raise SystemExit(f"could not reach {records:,} records with utrex synth")
    meta_path.write_text(json.dumps({"lea": lea, "records": lines, "students": students, "bytes": path.stat().st_size,
                                     "synth_fingerprint": fingerprint}, indent=1) + "\n")
    print(f"wrote {path.name}: {lines:,} records", flush=True)
    return path


# --- the store and the server --------------------------------------------------------------------

@contextmanager
def empty_store(postgres: bool, dsn: str) -> Iterator[dict[str, str]]:
    """The environment of an empty, migrated store: a temporary SQLite data home, or a throwaway
    PostgreSQL database (benchmarks/store.py), removed on leaving."""
    if postgres:
        with store_bench.throwaway_postgresql(dsn) as (env, _admin, _name):
            yield env
        return
    from utrex.store import Store, schema

    with tempfile.TemporaryDirectory(prefix="utrex-portal-load-") as home:
        url = f"sqlite:///{Path(home) / 'utrex.db'}"
        st = Store(url=url)
        schema.upgrade(st.engine)
        st.close()
        yield {"UTREX_HOME": home, "UTREX_DATABASE_URL": url, "UTREX_SECRET_KEY": ""}


def prepare(env: dict[str, str], browsers: int, uploaders: int, seed_file: Path) -> tuple[list[str], list[str]]:
    """Accounts (browsers: LEA viewers of LEA 14; uploaders: LEA uploaders of their own LEA) and LEA 14's
    file loaded. Returns the e-mail addresses of the browsers and of the uploaders."""
    from utrex.portal import accounts
    from utrex.portal.accounts import Role
    from utrex.portal.audit import Who
    from utrex.store import Store
    from utrex.store.submissions import submit

    by = Who(None, "portal load test")
    st = Store.open(url=env["UTREX_DATABASE_URL"])
    try:
        accounts.create_user(st, "admin@example.org", PASSWORD, Role.STATE_ADMIN, by)
        viewers = [f"viewer{i}@lea{BROWSE_LEA}.example.org" for i in range(browsers)]
        for email in viewers:
            accounts.create_user(st, email, PASSWORD, Role.LEA_VIEWER, by, leas=[BROWSE_LEA])
        ups = [f"uploader@lea{lea}.example.org" for lea in UPLOAD_LEAS[:uploaders]]
        for email, lea in zip(ups, UPLOAD_LEAS, strict=False):
            accounts.create_user(st, email, PASSWORD, Role.LEA_UPLOADER, by, leas=[lea])
        sub = submit(seed_file, BROWSE_LEA, user="portal load test", store=st)
        print(f"LEA {BROWSE_LEA}: submission {sub.id} {sub.status}, {sub.errors} errors, {sub.warnings} warnings",
              flush=True)
    finally:
        st.close()
    return viewers, ups


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def portal(env: dict[str, str], log: Path, workers: int | None = None) -> Iterator[str]:
    """`utrex serve` on a free loopback port in its own process; its base URL once it answers."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "utrex", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 *(["--workers", str(workers)] if workers else [])],
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"utrex serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"utrex serve did not answer within 60 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()  # uvicorn shuts down: the upload worker finishes its job first
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- the clients ---------------------------------------------------------------------------------

@dataclass
class Record:
    kind: str  # page, status, login, upload
    what: str  # which page, for the breakdown
    ms: float
    status: int | None  # None: no answer (an exception)
    ok: bool
    error: str | None = None


@dataclass
class Run:
    base: str
    until: float  # time.monotonic() when no new work starts
    think: float
    records: list[Record] = field(default_factory=list)
    started: list[int] = field(default_factory=list)  # submission ids of the uploads that started
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, c: httpx.Client, kind: str, what: str, method: str, url: str, expect: int,
                **kw: Any) -> httpx.Response | None:
        t = time.perf_counter()
        try:
            r = c.request(method, url, **kw)
        except httpx.HTTPError as e:
            self.add(Record(kind, what, (time.perf_counter() - t) * 1000, None, False, f"{type(e).__name__}: {e}"))
            return None
        ms = (time.perf_counter() - t) * 1000
        ok = r.status_code == expect  # a page that sends to the log-in page (303) has failed too
        self.add(Record(kind, what, ms, r.status_code, ok, None if ok else f"{method} {url}: {r.status_code}"))
        return r if ok else None

    def add(self, rec: Record) -> None:
        with self.lock:
            self.records.append(rec)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=120, follow_redirects=False)

    def log_in(self, c: httpx.Client, email: str) -> bool:
        page = self.request(c, "page", "login page", "GET", "/login", 200)
        m = CSRF.search(page.text) if page is not None else None
        if m is None:
            return False
        r = self.request(c, "login", "log in", "POST", "/login", 303,
                         data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": m.group(1)})
        return r is not None

    def pause(self) -> None:
        if self.think:
            time.sleep(random.uniform(0, 2 * self.think))


def browse(run: Run, email: str) -> None:
    """A data coordinator reading findings: dashboard, log, findings with filters and pages."""
    rnd = random.Random(email)
    with run.client() as c:
        if not run.log_in(c, email):
            return
        while time.monotonic() < run.until:
            run.request(c, "page", "dashboard", "GET", f"/leas/{BROWSE_LEA}", 200)
            run.pause()
            log = run.request(c, "page", "submission log", "GET", f"/leas/{BROWSE_LEA}/submissions", 200)
            ids = re.findall(rf'href="/leas/{BROWSE_LEA}/submissions/(\d+)"', log.text) if log is not None else []
            if not ids:
                continue
            base = f"/leas/{BROWSE_LEA}/submissions/{rnd.choice(ids)}"
            first = run.request(c, "page", "findings", "GET", base, 200)
            rules = re.findall(r'<option value="([A-Za-z0-9_.]+)"', first.text) if first is not None else []
            rules = [r for r in rules if r not in ("error", "warning")]
            filters: list[dict[str, str]] = [{"severity": "error"}, {"severity": "warning"}]
            if rules:
                filters.append({"rule": rnd.choice(rules)})
            for params in filters:
                if time.monotonic() >= run.until:
                    break
                run.pause()
                what = "findings " + "+".join(params)
                page, n = run.request(c, "page", what, "GET", base, 200, params=params), 1
                while page is not None and 'rel="next"' in page.text and n < 3 and time.monotonic() < run.until:
                    n += 1  # the next pages, as far as a reader goes
                    page = run.request(c, "page", what + " next page", "GET", base, 200, params={**params, "page": n})


def upload(run: Run, email: str, lea: str, path: Path, drain_until: list[float]) -> None:
    """An uploader sending its file again and again, following each to the end on the status page."""
    body = path.read_bytes()
    with run.client() as c:
        if not run.log_in(c, email):
            return
        while time.monotonic() < run.until:
            form = run.request(c, "page", "upload page", "GET", f"/leas/{lea}/upload", 200)
            m = CSRF.search(form.text) if form is not None else None
            if m is None:
                continue
            r = run.request(c, "upload", "upload", "POST", f"/leas/{lea}/upload", 303,
                            data={"csrf_token": m.group(1)}, files={"file": (path.name, body, "text/plain")})
            found = re.search(r"/submissions/(\d+)/status$", r.headers.get("location", "")) if r is not None else None
            if found is None:
                continue
            with run.lock:
                run.started.append(int(found.group(1)))
            status = f"/leas/{lea}/submissions/{found.group(1)}/status"
            while time.monotonic() < drain_until[0]:  # followed past the clock: its end is awaited
                time.sleep(STATUS_POLL_SECONDS)
                page = run.request(c, "status", "status page", "GET", status, 200)
                if page is not None and 'http-equiv="refresh"' not in page.text:
                    break


# --- the report ----------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def stats(records: list[Record]) -> dict[str, Any]:
    ms = [r.ms for r in records]
    return {"requests": len(records), "failed": sum(not r.ok for r in records),
            **{f"p{q}_ms": round(v, 1) if (v := percentile(ms, q)) is not None else None for q in (50, 95, 99)},
            "max_ms": round(max(ms), 1) if ms else None}


def stored(env: dict[str, str], ids: list[int]) -> dict[str, int]:
    """How the started uploads ended, as the store holds them (status -> count; "missing" if absent)."""
    from sqlalchemy import select

    from utrex.store import Store
    from utrex.store.models import Submission

    st = Store.open(url=env["UTREX_DATABASE_URL"])
    try:
        with st.session() as s:
            found = dict(s.execute(select(Submission.id, Submission.status).where(Submission.id.in_(ids))).all())
    finally:
        st.close()
    out: dict[str, int] = {}
    for i in ids:
        key = found.get(i, "missing")
        out[key] = out.get(key, 0) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--browsers", type=int, default=20)
    ap.add_argument("--uploaders", type=int, default=5)
    ap.add_argument("--records", type=int, default=50_000, help="records of each uploaded file")
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between a browser's pages (s)")
    ap.add_argument("--drain", type=float, default=600, help="how long to follow the uploads after the clock (s)")
    ap.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database instead of SQLite")
    ap.add_argument("--postgresql", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5",
                    help="with --postgres: libpq DSN of a server where a database may be created")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--workers", type=int, default=None,
                    help="`utrex serve --workers N` (default: utrex serve's own, the cores up to 4)")
    args = ap.parse_args(argv)
    if args.uploaders > len(UPLOAD_LEAS):
        raise SystemExit(f"at most {len(UPLOAD_LEAS)} uploaders")

    seed_file = synth_file(BROWSE_LEA, args.records, args.regenerate)
    files = {lea: synth_file(lea, args.records, args.regenerate) for lea in UPLOAD_LEAS[:args.uploaders]}
    load_before = os.getloadavg()
    with empty_store(args.postgres, args.postgresql) as env, store_bench.environment(env), \
            tempfile.TemporaryDirectory(prefix="utrex-portal-load-log-") as logs:
        viewers, uploaders = prepare(env, args.browsers, args.uploaders, seed_file)
        with portal(env, Path(logs) / "serve.log", args.workers) as base:
            started_at = time.monotonic()
            run = Run(base, started_at + args.seconds, args.think)
            drain_until = [started_at + args.seconds + args.drain]
            threads = [threading.Thread(target=browse, args=(run, e), daemon=True) for e in viewers]
            threads += [threading.Thread(target=upload, args=(run, e, lea, files[lea], drain_until), daemon=True)
                        for e, lea in zip(uploaders, UPLOAD_LEAS, strict=False)]
            print(f"{args.browsers} browsers and {args.uploaders} uploaders on {base} for {args.seconds:.0f} s "
                  f"({'PostgreSQL' if args.postgres else 'SQLite'}, {args.workers or default_workers()} server process(es)) ...",
                  flush=True)
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started_at
        ends = stored(env, run.started)
    load_after = os.getloadavg()

    recs = run.records
    pages = [r for r in recs if r.kind in ("page", "status")]
    failed = [r for r in recs if not r.ok]
    kept = ends.get("loaded", 0) + ends.get("validated", 0)
    lost = len(run.started) - kept
    summary = {"pages": stats(pages), "login": stats([r for r in recs if r.kind == "login"]),
               "upload_posts": stats([r for r in recs if r.kind == "upload"]),
               "by_page": {w: stats([r for r in pages if r.what == w]) for w in sorted({r.what for r in pages})}}
    p95 = summary["pages"]["p95_ms"]
    met = {"no failed request": not failed, "no lost upload": lost == 0 and bool(run.started),
           f"p95 page latency < {P95_TARGET_MS:.0f} ms": p95 is not None and p95 < P95_TARGET_MS}

    print()
    print(f"{len(recs):,} requests in {elapsed:.0f} s ({len(recs) / elapsed:.1f}/s), {len(failed)} failed")
    print(f"{'':<28} {'requests':>9} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    rows = [("pages (GET)", summary["pages"]), ("log-in POST", summary["login"]),
            ("upload POST", summary["upload_posts"]), *((f"  {w}", s) for w, s in summary["by_page"].items())]
    for label, s in rows:
        print(f"{label:<28} {s['requests']:>9,} {s['failed']:>7} {s['p50_ms'] or 0:>8.0f} {s['p95_ms'] or 0:>8.0f} "
              f"{s['p99_ms'] or 0:>8.0f} {s['max_ms'] or 0:>8.0f}")
    print(f"uploads started {len(run.started)}, stored {kept} ({ends}), lost {lost}")
    for err in sorted({r.error for r in failed if r.error})[:10]:
        print(f"  failed: {err}")
    for name, ok in met.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")

    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "args": vars(args),
           "elapsed_seconds": round(elapsed, 1), "requests": len(recs), "failed": len(failed),
           "failures": sorted({r.error for r in failed if r.error})[:50], "uploads_started": len(run.started),
           "uploads_ended": ends, "lost_uploads": lost, **summary, "targets": met, "machine": bench.machine(),
           "load_before": load_before, "load_after": load_after,
           "server_processes": args.workers or default_workers()}
    (bench.RESULTS / "portal-load-latest.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
