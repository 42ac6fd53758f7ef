"""Browser uploads: the app's one SubmissionJobs, and an uploaded file streamed to disk in chunks.

The SubmissionJobs is created on first use and kept on `app.state`; its `close` is added to the app's
shutdown handlers then, so the worker finishes the job it runs (no upload lost) before the process ends.
An upload is copied from the request's spooled part to `<spool>/<random>/<its name>` in 1 MiB chunks
(never whole in memory): the store logs `path.name` as the file name, so the name is kept in a folder
of its own; the job deletes the file when done and the empty folders are swept by later uploads.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from fastapi import FastAPI

from ..store.jobs import SubmissionJobs
from .app_state import per_app

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 4 << 30  # a statewide file is about a gigabyte; more is refused (413)
SWEEP_AFTER_SECONDS = 3600  # an empty upload folder older than this is left over from a finished job



def jobs_of(app: FastAPI) -> SubmissionJobs:
    """The app's SubmissionJobs (one per app), created on first use and closed when the app shuts down."""
    return per_app(app, "submission_jobs", lambda: SubmissionJobs(app.state.store), SubmissionJobs.close)


class TooLarge(Exception):
    pass


def safe_name(name: str | None) -> str:
    """The uploaded file's base name, reduced to letters, digits, dot, dash and underscore."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:120]
    return cleaned or "upload.txt"


def spool_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "utrex-portal-uploads"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def save(source: BinaryIO, name: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Copy `source` to a new file named like the upload, chunk by chunk; TooLarge past `max_bytes`
    (nothing is left behind then)."""
    spool = spool_dir()
    _sweep(spool)
    folder = spool / secrets.token_hex(8)
    folder.mkdir(mode=0o700)
    path = folder / safe_name(name)
    written = 0
    try:
        with open(path, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise TooLarge(f"the file is larger than {max_bytes:,} bytes")
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _sweep(spool: Path) -> None:
    """Remove the empty folders of finished uploads (rmdir refuses a folder that still holds a file)."""
    cutoff = time.time() - SWEEP_AFTER_SECONDS
    for d in spool.iterdir():
        try:
            if d.is_dir() and d.stat().st_mtime < cutoff:
                d.rmdir()
        except OSError:
            pass
