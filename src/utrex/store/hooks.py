"""What runs around a store's loads and after its submissions are processed: the notices of issue 7.

Every path that puts a file in force (the portal's upload and API, `utrex submit`, `utrex submission
--load`, a rollback, a scheduled collection) goes through `submissions.load_submission` or
`rollback.rollback`, and every path that validates a submission through `submissions.process`; the hooks
are called there, so no path can forget them. The store does not know what they do: `Hooks.defaults()`
names `utrex.notices` by module path and imports it only when a hook fires, so opening a store stays cheap
and store/ imports nothing above it. A hook that fails is logged, never raised: a notice must not turn a
finished load into a failure.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .db import Store

log = logging.getLogger("utrex.store.hooks")
AroundLoad = Callable[["Store", int], AbstractContextManager[None]]
AfterProcess = Callable[["Store", int], None]
DEFAULT_MODULE = "utrex.notices"  # around_load(store, id) and after_process(store, id)


@dataclass
class Hooks:
    around_load: list[AroundLoad] = field(default_factory=list)
    after_process: list[AfterProcess] = field(default_factory=list)

    @classmethod
    def defaults(cls) -> Hooks:
        """The notices (mail only where SMTP is configured): on for every store."""
        return cls(around_load=[_lazy_around(DEFAULT_MODULE)], after_process=[_lazy_after(DEFAULT_MODULE)])

    def clear(self) -> None:
        self.around_load.clear()
        self.after_process.clear()


def _lazy_around(module: str) -> AroundLoad:
    def around(store: Store, submission_id: int) -> AbstractContextManager[None]:
        return importlib.import_module(module).around_load(store, submission_id)  # type: ignore[no-any-return]
    return around


def _lazy_after(module: str) -> AfterProcess:
    def after(store: Store, submission_id: int) -> None:
        importlib.import_module(module).after_process(store, submission_id)
    return after


@contextmanager
def around_load(store: Store, submission_id: int) -> Iterator[None]:
    """Enter every around-load hook of the store (one that fails to enter is skipped), run the load, exit
    them in reverse order. An exception of the load propagates and the hooks see it (they send nothing)."""
    with ExitStack() as stack:
        for hook in list(store.hooks.around_load):
            try:
                stack.enter_context(hook(store, submission_id))
            except Exception:
                log.exception("a hook before loading submission %s failed", submission_id)
        yield


def after_process(store: Store, submission_id: int) -> None:
    for hook in list(store.hooks.after_process):
        try:
            hook(store, submission_id)
        except Exception:
            log.exception("a hook after processing submission %s failed", submission_id)
