"""`per_request`: keep a store read's answer for the rest of a `Store.sharing()` block (a portal page).

A dashboard asks the same small questions several times (the school year's period policy, an LEA's
finalization and extension of each period) from functions that each stand alone. Within a page the answer
cannot change except by the page's own writes, and any write through the store drops every kept answer
(Store.write and write sessions); outside a sharing block nothing is kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .db import Store

R = TypeVar("R")


def per_request(fn: Callable[..., R]) -> Callable[..., R]:
    """Decorate `fn(store, *args)`; the arguments after the store (hashable) are the key."""
    @functools.wraps(fn)
    def wrapper(store: Store, *args: Any) -> R:
        memo = store.memo()
        if memo is None:
            return fn(store, *args)
        key = (fn.__qualname__, *args)
        if key not in memo:
            memo[key] = fn(store, *args)
        return memo[key]  # type: ignore[no-any-return]
    return wrapper
