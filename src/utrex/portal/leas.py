"""The LEAs the portal knows: those of the current reference version (the shipped sample when none was
loaded) and any LEA that has a submission in the store. Parsed reference versions are cached by id:
a version never changes once stored, and parsing one on every page would cost milliseconds each."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select

from ..reference.model import load_reference
from ..store import reference as store_reference
from ..store.db import Store
from ..store.models import ReferenceVersion, Submission


@lru_cache(maxsize=8)
def _names(version_id: int | None, store: Store) -> tuple[tuple[str, str], ...]:
    ref = store_reference.current(store)[1] if version_id is not None else None
    ref = ref or load_reference(None)
    return tuple((num, lea.name) for num, lea in ref.leas.items())


def known_leas(store: Store) -> dict[str, str]:
    """LEA number -> name, in number order."""
    with store.session() as s:
        version = s.scalar(select(ReferenceVersion.id).where(ReferenceVersion.current.is_(True))
                           .order_by(ReferenceVersion.id.desc()).limit(1))
        submitted = [lea for (lea,) in s.execute(select(Submission.lea).distinct())]
    names = dict(_names(version, store))
    for lea in submitted:
        names.setdefault(lea, f"LEA {lea}")
    return dict(sorted(names.items()))
