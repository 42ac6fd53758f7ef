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


def serve(store: Store, host: str, port: int) -> None:
    import uvicorn

    from .app import create_app

    # one process, threads for the synchronous handlers: the store's engine is shared by them
    uvicorn.run(create_app(store), host=host, port=port, proxy_headers=False, server_header=False,
                log_level="info")
