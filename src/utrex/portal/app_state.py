"""`per_app`: a resource the application makes on first use and closes when it stops (the upload job pool,
the "collect now" pool): one per app, made once even when two requests ask at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

T = TypeVar("T")
_lock = threading.Lock()


def per_app(app: FastAPI, name: str, make: Callable[[], T], close: Callable[[T], Any]) -> T:
    found = getattr(app.state, name, None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    with _lock:
        found = getattr(app.state, name, None)
        if found is None:
            found = make()
            setattr(app.state, name, found)
            made = found
            app.router.on_shutdown.append(lambda: close(made))
    return found  # type: ignore[no-any-return]
