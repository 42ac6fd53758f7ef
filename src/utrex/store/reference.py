"""Reference data in the store: `utrex reference load DIR` stores the CSV files that `utrex validate
--reference` reads as a new version, current from the moment its transaction commits (the previous
versions stay listed). Submissions are validated against the current version and record its id."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from sqlalchemy import select, update

from ..reference.model import Reference, load_reference
from .db import Store
from .models import ReferenceVersion, utcnow

FILES = ("leas.csv", "schools.csv", "core_codes.csv", "ssids.csv", "languages.csv")


def load_version(store: Store, folder: str | Path, user: str | None = None) -> ReferenceVersion:
    """Check the folder as the validator would (ReferenceError names file, line and column), then store it."""
    folder = Path(folder)
    load_reference(folder)  # refuses a malformed folder before anything is written
    files = {name: (folder / name).read_text(encoding="utf-8-sig") for name in FILES if (folder / name).is_file()}
    digest = hashlib.sha256("\0".join(f"{k}\0{v}" for k, v in sorted(files.items())).encode()).hexdigest()
    version = ReferenceVersion(source=str(folder.resolve()), loaded_at=utcnow(), user=user, sha256=digest,
                               current=True, files=files)
    with store.session(write=True) as s:
        s.execute(update(ReferenceVersion).where(ReferenceVersion.current.is_(True)).values(current=False))
        s.add(version)
    return version


def versions(store: Store) -> list[ReferenceVersion]:
    with store.session() as s:
        return list(s.scalars(select(ReferenceVersion).order_by(ReferenceVersion.id)))


def current(store: Store) -> tuple[int | None, Reference | None]:
    """The version in force and its Reference; (None, None) when none was loaded (the shipped sample)."""
    with store.session() as s:
        v = s.scalar(select(ReferenceVersion).where(ReferenceVersion.current.is_(True))
                     .order_by(ReferenceVersion.id.desc()).limit(1))
    if v is None:
        return None, None
    with tempfile.TemporaryDirectory(prefix="utrex-ref-") as tmp:
        for name, text in v.files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        ref = load_reference(tmp)
    ref.source = f"reference version {v.id} ({v.source}, loaded {v.loaded_at:%Y-%m-%d %H:%M})"
    return v.id, ref
