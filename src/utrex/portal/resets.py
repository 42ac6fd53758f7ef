"""Password resets and changes: one-time links (stored as SHA-256 in `password_resets`, single use, expiring),
asked for by e-mail or issued by a state administrator, and a person's change of their own password.

A link is consumed in the same transaction that sets the new password, so two uses at once cannot both
succeed and a password refused by the policy leaves the link usable. Using a link, or changing the
password any other way, withdraws the person's other open links and ends their sessions (the epoch moves).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..store.db import Store
from ..store.models import utcnow
from . import accounts, audit
from .accounts import AccountError
from .audit import Action, Who
from .models import PasswordReset, User
from .security import new_token, token_hash

LINK_HOURS = 1  # a link asked for by e-mail
ADMIN_LINK_HOURS = 24  # a link a state administrator issues (mailed or handed over)
MAX_OPEN_LINKS = 3  # asked for by e-mail within LINK_HOURS: more are not sent (no mail bombing)
MAX_TOKEN = 200


class ResetRefused(Exception):
    """The link cannot be used; the message is what the person sees."""


EXPIRED = "This password-reset link has expired or was already used. Ask for a new one."


@dataclass(frozen=True)
class Issued:
    """A link just made: the token exists only here (the store keeps its hash)."""

    user_id: int
    email: str
    token: str
    expires_at: dt.datetime


def _issue(s: Session, user: User, hours: int, by: int | None, note: str) -> Issued:
    token, now = new_token(), utcnow()
    expires = now + dt.timedelta(hours=hours)
    s.add(PasswordReset(user_id=user.id, token_sha256=token_hash(token), created_at=now, created_by=by,
                        expires_at=expires, note=note))
    return Issued(user.id, user.email, token, expires)


def request_link(store: Store, email: str, client: str | None) -> Issued | None:
    """A link for the account of `email`, or None (unknown, disabled, or too many open links): the caller
    answers the same either way. Audited either way, with the e-mail as typed."""
    email = accounts.normalize_email(email)[:320]
    now = utcnow()
    with store.session(write=True) as s:
        user = s.scalar(select(User).where(User.email == email))
        who = Who(user.id if user else None, email, client)
        refusal = None
        if user is None:
            refusal = "unknown e-mail"
        elif user.disabled:
            refusal = "disabled account"
        elif (s.scalar(select(func.count()).select_from(PasswordReset).where(
                PasswordReset.user_id == user.id, PasswordReset.created_by.is_(None), PasswordReset.used_at.is_(None),
                PasswordReset.created_at > now - dt.timedelta(hours=LINK_HOURS))) or 0) >= MAX_OPEN_LINKS:
            refusal = f"{MAX_OPEN_LINKS} links already open"
        if refusal is not None or user is None:
            audit.record(s, Action.PASSWORD_RESET_REQUESTED, who, detail={"via": "e-mail", "sent": False,
                                                                           "reason": refusal})
            return None
        issued = _issue(s, user, LINK_HOURS, None, "asked for by e-mail")
        audit.record(s, Action.PASSWORD_RESET_REQUESTED, who, detail={
            "via": "e-mail", "sent": True, "expires": issued.expires_at.isoformat(timespec="seconds")})
    return issued


def issue_by_admin(store: Store, user_id: int, by: Who) -> Issued:
    """A link a state administrator issues for someone (audited); the password stays until it is used."""
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        if user.disabled:
            raise AccountError(f"{user.email} is disabled: enable the account first")
        issued = _issue(s, user, ADMIN_LINK_HOURS, by.user_id, f"issued by {by.email}")
        audit.record(s, Action.PASSWORD_RESET_REQUESTED, by, detail={
            "user": user.email, "via": "administrator",
            "expires": issued.expires_at.isoformat(timespec="seconds")})
    return issued


def _open_link(s: Session, token: str) -> PasswordReset | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    return s.scalar(select(PasswordReset).where(
        PasswordReset.token_sha256 == token_hash(token), PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > utcnow()))


def link_user(store: Store, token: str) -> User | None:
    """The enabled account an open link resets, or None (unknown, used, expired, disabled)."""
    with store.session() as s:
        link = _open_link(s, token)
        user = s.get(User, link.user_id) if link is not None else None
    return user if user is not None and not user.disabled else None


def _withdraw_links(s: Session, user_id: int) -> None:
    s.execute(update(PasswordReset).where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
              .values(used_at=utcnow()))


def _new_password(s: Session, user: User, password: str) -> None:
    user.password_hash = accounts.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    user.session_epoch += 1  # every session of the account ends
    user.updated_at = utcnow()
    _withdraw_links(s, user.id)


def use_link(store: Store, token: str, password: str, client: str | None) -> User:
    """Set the password of the link's account and consume the link (ResetRefused for a dead link,
    AccountError for a password the policy refuses: the link then stays usable)."""
    with store.session(write=True) as s:
        # consumed first, conditionally: of two uses at once only one updates the row
        link = _open_link(s, token)
        consumed = link is not None and s.execute(update(PasswordReset).where(
            PasswordReset.id == link.id, PasswordReset.used_at.is_(None)).values(used_at=utcnow())).rowcount == 1
        user = s.get(User, link.user_id) if link is not None and consumed else None
        if user is None or user.disabled:
            raise ResetRefused(EXPIRED)
        accounts.check_password(password, user.email)  # raises: the transaction rolls back, the link lives
        _new_password(s, user, password)
        audit.record(s, Action.PASSWORD_RESET, Who(user.id, user.email, client), detail={
            "link": link.id, "issued_by": link.created_by})
    return user


def change_own(store: Store, user_id: int, current: str, password: str, who: Who) -> int:
    """A logged-in person's new password, the current one required; returns the new session epoch (the
    caller keeps its own session on it, the others end). A wrong current password is audited as a
    failed log-in."""
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        if not accounts._verify(user.password_hash, current[:accounts.MAX_PASSWORD]):
            audit.record(s, Action.LOGIN_FAILED, who, detail={"reason": "wrong current password (password change)"})
            wrong = True
        else:
            wrong = False
            if password == current:
                raise AccountError("The new password must differ from the current one.")
            accounts.check_password(password, user.email)
            _new_password(s, user, password)
            audit.record(s, Action.PASSWORD_CHANGED, who, detail={"user": user.email, "via": "own change"})
            epoch = user.session_epoch
    if wrong:  # raised after the commit, so the audit row stays
        raise AccountError("The current password is wrong.")
    return epoch
