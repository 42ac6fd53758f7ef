"""Data sources: where a collection's file comes from, fetched whole into a temporary file first.

- folder: the newest file matching a glob in the folder the SIS exports into. A file still being written
  is not taken: one modified within the settle interval is watched for that long, and if its size or
  modification time changes it is refused ("still being written"), as is one that changes while copied.
- url: an HTTP(S) URL serving the extract, with optional basic or bearer credentials (sealed in the
  store), a timeout per network operation, streamed to the temporary file.
- command: the SIS's export command, run without a shell with a timeout; `{output}` in it (and the
  environment variable UTREX_OUTPUT) names the file to write, or the source's `output` path is read after.

Any failure raises CollectionError with a message a data coordinator can act on; the caller then never
starts a submission, so a failing source cannot half-load anything.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import crypto
from .models import CollectionSource, SourceKind

DEFAULT_SETTLE_SECONDS = 60.0
DEFAULT_TIMEOUT_SECONDS = 600.0
CHUNK = 1 << 20


class CollectionError(Exception):
    """A source could not deliver a file; the message says which source, what failed and why."""


@dataclass
class Fetched:
    path: Path  # the temporary copy (the caller removes it)
    name: str  # the file's own name, for the log


def credentials_label(source_id: int) -> str:
    return f"source:{source_id}"


def seal_credentials(creds: dict[str, str], key: bytes, source_id: int) -> bytes:
    return crypto.seal(json.dumps(creds).encode(), key, credentials_label(source_id))


def open_credentials(source: CollectionSource, key: bytes) -> dict[str, str]:
    if not source.credentials:
        return {}
    return json.loads(crypto.unseal(source.credentials, key, credentials_label(source.id)))


def fetch(source: CollectionSource, workdir: Path, key: bytes | None = None,
          sleep: Callable[[float], None] = time.sleep) -> Fetched:
    """The source's file, copied into `workdir`; CollectionError when it cannot be had."""
    cfg = source.config or {}
    what = f"source {source.name!r} ({source.kind})"
    try:
        if source.kind == SourceKind.FOLDER:
            return _folder(cfg, workdir, what, sleep)
        if source.kind == SourceKind.URL:
            creds = open_credentials(source, key) if source.credentials and key is not None else {}
            return _url(cfg, creds, workdir, what)
        if source.kind == SourceKind.COMMAND:
            return _command(cfg, workdir, what)
    except CollectionError:
        raise
    except crypto.SealError as e:
        raise CollectionError(f"{what}: its credentials cannot be opened: {e}") from None
    except OSError as e:
        raise CollectionError(f"{what}: {e.strerror or e}") from None
    raise CollectionError(f"{what}: unknown source kind {source.kind!r}")


def _nonempty(path: Path, what: str, name: str) -> Fetched:
    if not path.exists():
        raise CollectionError(f"{what}: no file was produced")
    if path.stat().st_size == 0:
        raise CollectionError(f"{what}: the file {name} is empty")
    return Fetched(path, name)


# --- folder ---------------------------------------------------------------------------------------

def _folder(cfg: dict[str, Any], workdir: Path, what: str, sleep: Callable[[float], None]) -> Fetched:
    folder = Path(cfg["path"])
    pattern = cfg.get("pattern") or "*"
    settle = float(cfg.get("settle_seconds", DEFAULT_SETTLE_SECONDS))
    if not folder.is_dir():
        raise CollectionError(f"{what}: the folder {folder} does not exist or is not a folder")
    matches = [p for p in folder.glob(pattern) if p.is_file()]
    if not matches:
        raise CollectionError(f"{what}: no file matching {pattern!r} in {folder}")
    newest = max(matches, key=lambda p: (p.stat().st_mtime_ns, p.name))
    before = newest.stat()
    age = time.time() - before.st_mtime
    if age < settle:  # recently written: watch it for the rest of the interval
        sleep(settle - age)
        if _changed(newest, before):
            raise CollectionError(f"{what}: the newest file {newest.name} is still being written (it changed within "
                                  f"the {settle:g}-second settle interval); the next run will take it")
    dest = workdir / newest.name
    shutil.copyfile(newest, dest)
    if _changed(newest, before):
        raise CollectionError(f"{what}: {newest.name} changed while it was being copied (still being written)")
    return _nonempty(dest, what, newest.name)


def _changed(path: Path, before: os.stat_result) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return True
    return (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns)


# --- url ------------------------------------------------------------------------------------------

def _url(cfg: dict[str, Any], creds: dict[str, str], workdir: Path, what: str) -> Fetched:
    url = cfg["url"]
    timeout = float(cfg.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
    req = urllib.request.Request(url, headers={"User-Agent": "utrex-collector"})
    if creds.get("token"):
        req.add_header("Authorization", f"Bearer {creds['token']}")
    elif creds.get("username"):
        pair = f"{creds['username']}:{creds.get('password', '')}".encode()
        req.add_header("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))
    name = Path(urllib.request.url2pathname(url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])).name or "extract.txt"
    dest = workdir / name
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp, dest.open("wb") as out:
            expected = resp.headers.get("Content-Length")
            while chunk := resp.read(CHUNK):
                out.write(chunk)
        if expected is not None and dest.stat().st_size != int(expected):
            raise CollectionError(f"{what}: {url} sent {dest.stat().st_size} of {expected} bytes (connection cut)")
    except urllib.error.HTTPError as e:
        hint = " (check the source's credentials)" if e.code in (401, 403) else ""
        raise CollectionError(f"{what}: {url} answered HTTP {e.code} {e.reason}{hint}") from None
    except urllib.error.URLError as e:
        raise CollectionError(f"{what}: cannot reach {url}: {e.reason}") from None
    except TimeoutError:
        raise CollectionError(f"{what}: {url} did not answer within {timeout:g} seconds") from None
    return _nonempty(dest, what, name)


# --- command --------------------------------------------------------------------------------------

def _command(cfg: dict[str, Any], workdir: Path, what: str) -> Fetched:
    timeout = float(cfg.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
    target = workdir / "export.txt"
    argv = [a.replace("{output}", str(target)) for a in shlex.split(cfg["command"])]
    produced = Path(cfg["output"]) if cfg.get("output") else target
    if cfg.get("output") and produced.exists():
        produced.unlink()  # yesterday's export must not pass for today's
    env = dict(os.environ, UTREX_OUTPUT=str(target))
    with tempfile.TemporaryFile() as err:
        try:  # a process group of its own, so a timeout kills what the command started too
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env,
                                    cwd=cfg.get("cwd") or None, start_new_session=True)
        except FileNotFoundError:
            raise CollectionError(f"{what}: the command {argv[0]!r} was not found") from None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise CollectionError(f"{what}: the command did not finish within {timeout:g} seconds and was stopped") \
                from None
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace").strip()
    if code != 0:
        raise CollectionError(f"{what}: the command exited with status {code}" + (f": {tail}" if tail else ""))
    if not produced.exists():
        raise CollectionError(f"{what}: the command finished but wrote no file at {produced}")
    if produced != target:
        shutil.copyfile(produced, target)
    return _nonempty(target, what, produced.name)
