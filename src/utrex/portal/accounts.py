"""People and what they may do: accounts, passwords (argon2id, a policy), log-in with lock-out, and the
explicit authorisation of each person for each LEA.

Roles: a state administrator or state viewer sees every LEA; an LEA uploader or LEA viewer sees only the
LEAs a state administrator authorised them for. Uploading and finalizing need an uploader (of that LEA)
or a state administrator; viewers only read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..store.db import Store
from ..store.models import utcnow
from ..store.submissions import normalize_lea
from . import audit
from .audit import Action, Who
from .leas import known_leas
from .models import Authorisation, User

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is a denial of service

_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106 low-memory profile)
# verified against when the e-mail is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class Role(StrEnum):
    STATE_ADMIN = "state_admin"
    STATE_VIEWER = "state_viewer"
    LEA_UPLOADER = "lea_uploader"
    LEA_VIEWER = "lea_viewer"


STATE_ROLES = frozenset({Role.STATE_ADMIN, Role.STATE_VIEWER})
ROLE_LABELS = {Role.STATE_ADMIN: "State administrator", Role.STATE_VIEWER: "State viewer",
               Role.LEA_UPLOADER: "LEA uploader", Role.LEA_VIEWER: "LEA viewer"}

# The most used passwords of 12 characters or more (public breach lists), and words that make up the
# weak ones; compared after lower-casing and removing digits and punctuation at the ends.
_COMMON_TEXT = """
123456789012 1234567890123 qwertyuiopasdf qwertyuiop123 passwordpassword password1234 password12345
iloveyou1234 administrator administrator1 changemechangeme letmeinletmein welcome12345 abc123abc123
qwerty123456 1q2w3e4r5t6y 1qaz2wsx3edc zaq12wsxcde3 aaaaaaaaaaaa 111111111111 000000000000
password welcome letmein changeme administrator admin qwerty iloveyou monkey dragon football baseball
sunshine princess superman utrex clearinghouse student students school teacher education utah
"""
COMMON = frozenset(_COMMON_TEXT.split())

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why, for the person asking."""


class LoginRefused(Exception):
    """Log-in refused; the message is what the person sees."""


WRONG = "The e-mail address or the password is wrong."


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problems(password: str, email: str | None = None) -> list[str]:
    """What is wrong with a password under the policy (empty: it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"it must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        problems.append(f"it must be at most {MAX_PASSWORD} characters long")
    low = password.strip().lower()
    if email:
        e = normalize_email(email)
        local = e.split("@")[0]
        if low == e or (len(local) >= 4 and (low == local or local in low and len(low) - len(local) < 6)):
            problems.append("it must not be (or be built on) your e-mail address")
    core = low.strip("0123456789!@#$%^&*()_-+=.,?~ ")
    if low in COMMON or core in COMMON or (len(set(low)) <= 2 and low):
        problems.append("it is one of the most common passwords; choose a passphrase of unrelated words")
    return problems


def check_password(password: str, email: str | None = None) -> None:
    problems = password_problems(password, email)
    if problems:
        raise AccountError("The password is not accepted: " + "; ".join(problems) + ".")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _as_utc(t: dt.datetime | None) -> dt.datetime | None:
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t  # SQLite: naive UTC


# --- accounts ---------------------------------------------------------------------------------------

def get_user(store: Store, user_id: int) -> User | None:
    with store.session() as s:
        return s.get(User, user_id)


def find_user(store: Store, email: str) -> User | None:
    with store.session() as s:
        return s.scalar(select(User).where(User.email == normalize_email(email)))


def users(store: Store) -> list[User]:
    with store.session() as s:
        return list(s.scalars(select(User).order_by(User.email)))


def create_user(store: Store, email: str, password: str, role: Role | str, by: Who, name: str | None = None,
                leas: list[str] | tuple[str, ...] = ()) -> User:
    """A new account (its password checked against the policy), authorised for `leas`, in one transaction."""
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise AccountError(f"{email!r} is not an e-mail address")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"{role!r} is not a role ({', '.join(r.value for r in Role)})") from None
    check_password(password, email)
    now = utcnow()
    with store.session(write=True) as s:
        if s.scalar(select(User.id).where(User.email == email)) is not None:
            raise AccountError(f"there is already an account for {email}")
        user = User(email=email, name=(name or "").strip()[:200] or None, password_hash=hash_password(password),
                    role=role.value, disabled=False, failed_logins=0, session_epoch=0, created_at=now,
                    updated_at=now)
        s.add(user)
        s.flush()
        audit.record(s, Action.USER_CREATED, by, detail={"user": email, "role": role.value})
        for lea in leas:
            _grant(s, user, normalize_lea(lea), by)
    return user


def set_password(store: Store, user_id: int, password: str, by: Who) -> None:
    """A new password; every session of the account ends (its epoch moves) and any lock is lifted."""
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        check_password(password, user.email)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        user.session_epoch += 1
        user.updated_at = utcnow()
        audit.record(s, Action.PASSWORD_CHANGED, by, detail={"user": user.email})


def set_disabled(store: Store, user_id: int, disabled: bool, by: Who) -> None:
    """Disable (every session ends at its next request) or enable an account."""
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        if disabled and user.id == by.user_id:
            raise AccountError("you cannot disable your own account")
        user.disabled = disabled
        user.session_epoch += 1
        user.updated_at = utcnow()
        audit.record(s, Action.PERMISSION_CHANGE, by,
                     detail={"user": user.email, "change": "disable" if disabled else "enable"})


def set_role(store: Store, user_id: int, role: Role | str, by: Who) -> None:
    role = Role(role)
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        if user.id == by.user_id and role != Role.STATE_ADMIN:
            raise AccountError("you cannot take the administrator role from yourself")
        old, user.role, user.updated_at = user.role, role.value, utcnow()
        audit.record(s, Action.PERMISSION_CHANGE, by,
                     detail={"user": user.email, "change": "role", "from": old, "to": role.value})


def log_out(store: Store, user_id: int, by: Who) -> None:
    """End every session of the account (the cookie is client-side, so a copy of it must stop working:
    the epoch it carries moves on) and log the log-out."""
    with store.session(write=True) as s:
        s.execute(update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))
        audit.record(s, Action.LOGOUT, by)


# --- log-in -----------------------------------------------------------------------------------------

def authenticate(store: Store, email: str, password: str, client: str | None = None) -> User:
    """The account, if the password is right and the account usable; else LoginRefused with what to say.
    Every attempt is audited. After MAX_FAILURES wrong passwords the account is locked LOCK_MINUTES."""
    email = normalize_email(email)[:320]
    now = utcnow()
    refusal: str | None = None  # raised after the commit: the failure count and audit rows must stay
    with store.session(write=True) as s:
        user = s.scalar(select(User).where(User.email == email))
        who = Who(user.id if user else None, email, client)
        locked = _as_utc(user.locked_until) if user else None
        if user is None:
            _verify(_DUMMY_HASH, password)
            audit.record(s, Action.LOGIN_FAILED, who, detail={"reason": "unknown e-mail"})
            refusal = WRONG
        elif locked is not None and locked > now:
            audit.record(s, Action.LOGIN_FAILED, who, detail={"reason": "locked"})
            refusal = _locked_message(locked, now)
        elif not _verify(user.password_hash, password[:MAX_PASSWORD]):
            # counted in SQL, so two wrong attempts at once both count
            s.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
            s.refresh(user)
            audit.record(s, Action.LOGIN_FAILED, who, detail={"reason": "wrong password",
                                                              "failures": user.failed_logins})
            refusal = WRONG
            if user.failed_logins >= MAX_FAILURES:
                until = now + dt.timedelta(minutes=LOCK_MINUTES)
                user.locked_until, user.failed_logins = until, 0
                audit.record(s, Action.ACCOUNT_LOCKED, who, detail={"until": until.isoformat(timespec="seconds")})
                refusal = _locked_message(until, now)
        elif user.disabled:  # said only to someone who knows the password
            audit.record(s, Action.LOGIN_FAILED, who, detail={"reason": "disabled"})
            refusal = "This account is disabled. Ask the state administrator to enable it."
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.failed_logins, user.locked_until = 0, None
            audit.record(s, Action.LOGIN_OK, who)
    if refusal is not None or user is None:
        raise LoginRefused(refusal or WRONG)
    return user


def _verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return (f"Too many wrong passwords: this account is locked for {minutes} more minute"
            f"{'s' if minutes != 1 else ''} (until {until:%H:%M} UTC). Try again then, or ask the state "
            "administrator to reset the password.")


# --- authorisation per LEA --------------------------------------------------------------------------

def _grant(s: Session, user: User, lea: str, by: Who) -> bool:
    if s.get(Authorisation, (user.id, lea)) is not None:
        return False
    s.add(Authorisation(user_id=user.id, lea=lea, granted_by=by.user_id, granted_at=utcnow()))
    audit.record(s, Action.PERMISSION_CHANGE, by, lea=lea, detail={"user": user.email, "change": "grant"})
    return True


def grant(store: Store, user_id: int, lea: str, by: Who) -> bool:
    """Authorise a person for an LEA (audited); False when they already were."""
    lea = normalize_lea(lea)
    if lea not in known_leas(store):
        raise AccountError(f"LEA {lea} is not a known LEA")
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        return _grant(s, user, lea, by)


def revoke(store: Store, user_id: int, lea: str, by: Who) -> bool:
    """Withdraw a person's authorisation for an LEA (audited); False when they had none."""
    lea = normalize_lea(lea)
    with store.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("no such account")
        gone = s.execute(delete(Authorisation).where(Authorisation.user_id == user_id, Authorisation.lea == lea))
        if not gone.rowcount:
            return False
        audit.record(s, Action.PERMISSION_CHANGE, by, lea=lea, detail={"user": user.email, "change": "revoke"})
        return True


def authorised_leas(store: Store, user_id: int) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(Authorisation.lea).where(Authorisation.user_id == user_id)
                              .order_by(Authorisation.lea)))


def authorisations(store: Store) -> dict[int, list[str]]:
    """Every person's LEAs (user id -> LEA numbers)."""
    out: dict[int, list[str]] = {}
    with store.session() as s:
        for uid, lea in s.execute(select(Authorisation.user_id, Authorisation.lea).order_by(Authorisation.lea)):
            out.setdefault(uid, []).append(lea)
    return out


@dataclass(frozen=True)
class Access:
    """What one person may do, computed once per request."""

    user: User
    leas: frozenset[str]  # the LEAs they may see

    @property
    def is_state(self) -> bool:
        return self.user.role in STATE_ROLES

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.STATE_ADMIN

    def can_see(self, lea: str) -> bool:
        return normalize_lea(lea) in self.leas

    def can_upload(self, lea: str) -> bool:
        return self.can_see(lea) and self.user.role in (Role.STATE_ADMIN, Role.LEA_UPLOADER)

    def can_finalize(self, lea: str) -> bool:
        return self.can_upload(lea)


def visible_leas(store: Store, user: User) -> list[str]:
    """The LEAs a person may see: every known LEA for the state roles, their authorised LEAs otherwise
    (nothing for a disabled account)."""
    if user.disabled:
        return []
    if user.role in STATE_ROLES:
        return list(known_leas(store))
    return authorised_leas(store, user.id)


def access(store: Store, user: User) -> Access:
    return Access(user, frozenset(visible_leas(store, user)))


def can_upload(store: Store, user: User, lea: str) -> bool:
    return access(store, user).can_upload(lea)


def can_finalize(store: Store, user: User, lea: str) -> bool:
    return access(store, user).can_finalize(lea)
