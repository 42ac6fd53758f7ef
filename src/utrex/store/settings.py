"""Where the store lives: data home, database URL and the key that encrypts archived files at rest.

- `UTREX_HOME`: the data home (default `~/.local/share/utrex`, or `$XDG_DATA_HOME/utrex`).
- `UTREX_DATABASE_URL`: an SQLAlchemy URL (default: the SQLite file `<home>/utrex.db`); PostgreSQL is
  `postgresql+psycopg://user:password@host:port/database`.
- `UTREX_SECRET_KEY`: the encryption key (32 bytes, URL-safe base64); without it the key is read from
  `<home>/secret.key`, generated there (mode 0600) on first use.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

KEY_BYTES = 32


class SettingsError(Exception):
    """The settings cannot be used (a bad key, an unwritable home); the message says which and why."""


def default_home() -> Path:
    env = os.environ.get("UTREX_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "utrex"


@dataclass
class Settings:
    home: Path = field(default_factory=default_home)
    database_url: str | None = None  # None: the environment, else the SQLite file in the home
    secret_key: str | None = None  # None: the environment, else <home>/secret.key

    def __post_init__(self) -> None:
        if self.database_url is None:
            self.database_url = os.environ.get("UTREX_DATABASE_URL") or None
        if self.secret_key is None:
            self.secret_key = os.environ.get("UTREX_SECRET_KEY") or None

    @classmethod
    def from_env(cls) -> Settings:
        return cls()

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'utrex.db'}"

    @property
    def embedded(self) -> bool:
        """True for the zero-configuration SQLite file of the data home."""
        return self.database_url is None

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    @property
    def key_path(self) -> Path:
        return self.home / "secret.key"

    def ensure_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise SettingsError(f"cannot create the data home {self.home}: {e.strerror}") from None

    def key(self) -> bytes:
        """The 32-byte encryption key: from the settings or environment, else the key file (created once)."""
        if self.secret_key:
            return decode_key(self.secret_key, "UTREX_SECRET_KEY")
        path = self.key_path
        if not path.exists():
            self.ensure_home()
            encoded = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES))
            try:  # O_EXCL: two first runs at once keep one key
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(encoded + b"\n")
                    fh.flush()
                    os.fsync(fh.fileno())
        try:
            return decode_key(path.read_text().strip(), str(path))
        except OSError as e:
            raise SettingsError(f"cannot read the encryption key {path}: {e.strerror}") from None


def decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SettingsError(f"{where}: the encryption key is not URL-safe base64") from None
    if len(key) != KEY_BYTES:
        raise SettingsError(f"{where}: the encryption key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def mask_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: show nothing that could be a password
        return url.split("@")[-1]
