"""The portal's tables (migration 0008), on the store's declarative Base so one metadata holds the schema.

Secrets are never stored: passwords as argon2 hashes, API tokens and password-reset tokens as SHA-256
(they are long random strings, so a fast hash is enough and lets a token be looked up by its hash).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.models import Base, utcnow

BIGID = BigInteger().with_variant(Integer, "sqlite")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))  # stored lower-case: the log-in name
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(32))  # accounts.Role
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last good log-in or lock
    locked_until: Mapped[dt.datetime | None]
    # bumped when the password changes or the account is disabled: sessions carry it and die with it
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_users_email", "email", unique=True),)


class Authorisation(Base):
    """One person's explicit authorisation for one LEA (the specification: per individual, per LEA)."""

    __tablename__ = "authorisations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lea: Mapped[str] = mapped_column(String(8), primary_key=True)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: set up by `utrex serve`
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_authorisations_lea", "lea"),)


class AuditEntry(Base):
    """Who did what, when, from where. `actor` keeps the e-mail as typed, so failed log-ins of unknown
    names are logged too and the log reads the same after a user is renamed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BIGID, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))  # audit.Action
    lea: Mapped[str | None] = mapped_column(String(8))
    detail: Mapped[dict[str, Any] | None]
    client: Mapped[str | None] = mapped_column(String(64))  # the client's IP address

    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_lea", "lea", "at"),
                      Index("ix_audit_log_user", "user_id", "at"))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_api_tokens_sha256", "token_sha256", unique=True),)


class PasswordReset(Base):
    """A one-time password-reset link (by e-mail, or handed over by an administrator)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the person asked by e-mail
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_password_resets_sha256", "token_sha256", unique=True),)
