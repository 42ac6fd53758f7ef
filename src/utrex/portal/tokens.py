"""API tokens: one person's named bearer tokens for scripts and SIS vendors.

A token is shown once, when created; the store keeps only its SHA-256 (a long random string, so a fast
hash suffices and the token is found by its hash). A token acts as its person with their role and LEAs
as they are at each request: revoking the token, disabling the person or withdrawing an LEA takes effect
on the next call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from ..store.db import Store
from ..store.models import utcnow
from . import accounts, audit
from .accounts import Access, AccountError
from .audit import Action, Who
from .models import ApiToken, User
from .security import new_token, token_hash

PREFIX = "utrex_"  # recognisable in a leaked config file or a secret scanner
MAX_NAME = 100
TOUCH_SECONDS = 60  # last_used_at is written at most this often per token: not one write per API call


@dataclass(frozen=True)
class Created:
    token: ApiToken
    secret: str  # the only time the clear token exists outside the client


def create(store: Store, user_id: int, name: str, by: Who) -> Created:
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise AccountError("give the token a name (what will use it, e.g. the SIS nightly export)")
    secret = PREFIX + new_token(32)
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None or user.disabled:
            raise AccountError("no such account")
        row = ApiToken(user_id=user_id, name=name, token_sha256=token_hash(secret), created_at=utcnow())
        s.add(row)
        s.flush()
        audit.record(s, Action.TOKEN_CREATED, by, detail={"token": row.id, "name": name})
    return Created(row, secret)


def of_user(store: Store, user_id: int) -> list[ApiToken]:
    """A person's tokens, newest first, revoked ones included (their history)."""
    with store.session() as s:
        return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke(store: Store, user_id: int, token_id: int, by: Who) -> bool:
    """Revoke one of `user_id`'s own tokens; False when there is no such live token of theirs (the caller
    answers 404 either way: another person's token id tells nothing)."""
    with store.session(write=True) as s:
        done = s.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                                                ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
        if not done.rowcount:
            return False
        audit.record(s, Action.TOKEN_REVOKED, by, detail={"token": token_id})
        return True


@dataclass(frozen=True)
class Bearer:
    """Who an API call acts as: the person's access and the token used (its name goes in the audit log)."""

    access: Access
    token_id: int
    token_name: str


def authenticate(store: Store, secret: str) -> Bearer | None:
    """The person behind a live token of an enabled account, or None (unknown, revoked, disabled)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with store.session() as s:
        row = s.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                        .where(ApiToken.token_sha256 == token_hash(secret))).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or user.disabled:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)  # SQLite: naive UTC
    if last is None or (now - last).total_seconds() > TOUCH_SECONDS:
        with store.session(write=True) as s:
            s.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return Bearer(accounts.access(store, user), token.id, token.name)
