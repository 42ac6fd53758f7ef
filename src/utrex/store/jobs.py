"""Submissions in the background, for the portal and the collector: start one, carry on, poll its status.

`start` receives the file in the caller's thread (so a refusal — another LEA's file, not a Clearinghouse
file — is answered at once, and the submission has its id and archive before the caller returns), then
validates and loads it on a worker thread. The submission row is the job's state: anyone, in any process,
polls it with `submissions.get(store, id)` or `poll(store, id)`; nothing is kept only in memory.

One worker by default: a statewide file takes about a gigabyte to validate, and loads serialise on the
database anyway. A process that dies with jobs running leaves them received/validating/loading, and
`Store.open()` marks them failed ("interrupted"), as for a killed CLI.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .db import Store
from .models import IN_FLIGHT, Submission
from .submissions import SubmissionError, _os_user, get, normalize_lea, process, receive


class SubmissionJobs:
    """A small pool running received submissions to completion. Use as a context manager, or `close()`."""

    def __init__(self, store: Store, workers: int = 1) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="utrex-submission")
        self._futures: dict[int, Future[Submission | None]] = {}
        self._lock = threading.Lock()

    def start(self, path: str | Path, lea: str | int, user: str | None = None, *, load: bool = True,
              remove_file: bool = False) -> Submission:
        """Receive `path` now and validate (and, unless `load=False`, load) it in the background; returns
        the received submission. Raises SubmissionRefused at once for a file that is refused.
        `remove_file`: delete `path` when the job no longer needs it (an upload's temporary file)."""
        path = Path(path)
        try:
            sub, archived = receive(self.store, path, normalize_lea(lea), user or _os_user())
        except BaseException:
            if remove_file:
                path.unlink(missing_ok=True)
            raise
        future = self._pool.submit(self._run, sub.id, path, archived, load, remove_file)
        with self._lock:
            self._futures[sub.id] = future
        return sub

    def _run(self, submission_id: int, path: Path, archived: bytes, load: bool, remove_file: bool
             ) -> Submission | None:
        try:
            return process(self.store, submission_id, path, archived, load=load)
        except SubmissionError:
            return None  # the submission row says failed, and why: that is what pollers read
        finally:
            if remove_file:
                path.unlink(missing_ok=True)

    def wait(self, submission_id: int, timeout: float | None = None) -> Submission:
        """Block until the job of `submission_id` (started here) is done; returns the submission as stored."""
        with self._lock:
            future = self._futures.get(submission_id)
        if future is not None:
            future.result(timeout=timeout)
        return get(self.store, submission_id)

    def running(self) -> list[int]:
        with self._lock:
            return [sid for sid, f in self._futures.items() if not f.done()]

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def __enter__(self) -> SubmissionJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def poll(store: Store, submission_id: int) -> dict[str, Any]:
    """What a status page or an API client shows while it waits: the log entry plus `done`."""
    sub = get(store, submission_id)
    out = sub.to_dict()
    out["done"] = sub.status not in IN_FLIGHT
    return out


def is_done(sub: Submission) -> bool:
    return sub.status not in IN_FLIGHT
