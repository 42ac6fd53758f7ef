"""Keys and tokens of the web portal.

The session cookie is signed (itsdangerous, through Starlette's SessionMiddleware) with a key derived by
HKDF from the store's secret key (store/settings.py: `UTREX_SECRET_KEY` or `<home>/secret.key`, generated
on first use). Nothing is hard-coded, every process on the same store signs alike, and the derived key
cannot decrypt the archived files (a different HKDF `info`). CSRF tokens are bound to the session: a
random token kept in the signed cookie and repeated in every form, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..store.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def derive_key(settings: Settings, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"utrex portal {purpose} v1".encode()).derive(settings.key())


def session_secret(settings: Settings) -> str:
    return derive_key(settings, "session").hex()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """How API and password-reset tokens are stored (long random strings: SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())
