"""`utrex serve`: open the store, make sure a state administrator exists, run the portal under uvicorn."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..store.db import Store
from . import accounts
from .accounts import Role
from .audit import Who
from .models import User

SETUP = Who(None, "utrex serve (first start)")


@dataclass
class FirstAdmin:
    email: str
    password: str | None  # set only when it was generated here: to be printed once


def ensure_admin(store: Store, env: dict[str, str] | None = None) -> FirstAdmin | None:
    """On first start (no state administrator yet), create one from UTREX_ADMIN_EMAIL and
    UTREX_ADMIN_PASSWORD, or with a generated password returned to be shown once. None if one exists."""
    env = dict(os.environ) if env is None else env
    with store.session() as s:
        if s.scalar(select(User.id).where(User.role == Role.STATE_ADMIN.value).limit(1)) is not None:
            return None
    email = env.get("UTREX_ADMIN_EMAIL") or "admin@localhost"
    given = env.get("UTREX_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(18)  # 24 characters, 144 bits
    accounts.create_user(store, email, password, Role.STATE_ADMIN, SETUP, name="State administrator")
    return FirstAdmin(accounts.normalize_email(email), None if given else password)


def serve(store: Store, host: str, port: int, workers: int = 1) -> None:
    """Run the portal. One process by default (threads for the synchronous handlers share the store's
    engine); with `workers` > 1, that many processes each open the store from the same settings
    (`app_from_env`): pages are Python-bound, so more processes serve more people at once. Everything
    they share is in the store (sessions are signed cookies, lock-outs and tokens are rows), and each runs
    the uploads it received (their status is in the store too)."""
    import uvicorn

    common = {"host": host, "port": port, "proxy_headers": False, "server_header": False, "log_level": "info"}
    if workers <= 1:
        from .app import create_app

        uvicorn.run(create_app(store), **common)  # type: ignore[arg-type]
        return
    os.environ[STORE_URL_ENV] = store.url  # the worker processes open the same store
    uvicorn.run("utrex.portal.serve:app_from_env", factory=True, workers=workers, **common)  # type: ignore[arg-type]


STORE_URL_ENV = "UTREX_DATABASE_URL"


def default_workers() -> int:
    """The machine's cores, at most 4: a page is Python-bound, one process serves one core's worth of
    people (benchmarks/portal_load.py: 20 people browsing with 5 uploading, p95 under 500 ms takes 2)."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def app_from_env() -> object:
    """A worker process's application (uvicorn's factory): the store of the environment's settings."""
    from .app import create_app

    return create_app(Store.open())
