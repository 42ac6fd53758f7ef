"""Reference data uploaded in the portal: a zip of the csv files `utrex validate --reference` reads, or the
csv files themselves, unpacked into a folder and checked by the reference loader before anything is stored
(store/reference.py `load_version`). Errors name the file, line and column, never a server path.

A zip is read member by member with a running byte count (its declared sizes can lie: no zip bomb), and only
members named like a reference file are taken, wherever they sit in the archive.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import update

from ..reference.model import ReferenceError
from ..store import reference as store_reference
from ..store.db import Store
from ..store.models import ReferenceVersion

FILES = store_reference.FILES
MAX_BYTES = 512 << 20  # the SSID list of a whole state is tens of megabytes; far more is a mistake
CHUNK = 1 << 20


class UploadRefused(Exception):
    """The upload cannot be used as reference data; the message says what to correct."""


def _copy(src: BinaryIO, dest: Path, budget: list[int]) -> None:
    with dest.open("wb") as f:
        while chunk := src.read(CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UploadRefused(f"the reference data is larger than {MAX_BYTES >> 20} MiB")
            f.write(chunk)


def _take(name: str, folder: Path, taken: set[str]) -> Path:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base in taken:
        raise UploadRefused(f"{base} is there twice: send one of each file")
    taken.add(base)
    return folder / base


def unpack(uploads: Iterable[tuple[str, BinaryIO]], folder: Path) -> list[str]:
    """Write the uploaded files (zips unpacked) into `folder`; the reference files' names, sorted."""
    taken: set[str] = set()
    budget = [MAX_BYTES]
    for name, stream in uploads:
        low = name.lower()
        if low.endswith(".zip"):
            try:
                with zipfile.ZipFile(stream) as z:
                    members = [m for m in z.infolist() if not m.is_dir() and "__macosx" not in m.filename.lower()
                               and m.filename.replace("\\", "/").rsplit("/", 1)[-1].lower() in FILES]
                    if not members:
                        raise UploadRefused(f"{name} holds none of {', '.join(FILES)}")
                    for m in members:
                        with z.open(m) as src:
                            _copy(src, _take(m.filename, folder, taken), budget)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as e:
                raise UploadRefused(f"{name} is not a zip file that can be read ({e})") from None
        elif low.rsplit("/", 1)[-1] in FILES:
            _copy(stream, _take(name, folder, taken), budget)
        else:
            raise UploadRefused(f"{name} is not a reference file: send a zip, or csv files named "
                                f"{', '.join(FILES)}")
    return sorted(taken)


def load(store: Store, uploads: Iterable[tuple[str, BinaryIO]], user: str, label: str) -> ReferenceVersion:
    """Check the uploaded reference data and store it as the new current version (UploadRefused says why
    not; nothing is stored then)."""
    folder = Path(tempfile.mkdtemp(prefix="utrex-ref-upload-"))
    try:
        names = unpack(uploads, folder)
        if not names:
            raise UploadRefused("no file was sent")
        try:
            version = store_reference.load_version(store, folder, user=user)
        except ReferenceError as e:  # the loader names the file by its path here: keep the file's name
            raise UploadRefused(str(e).replace(f"{folder}/", "").replace(str(folder), "the upload")) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    source = f"portal upload by {user}: {label}"[:1000]  # not the temporary folder's path
    with store.session(write=True) as s:
        s.execute(update(ReferenceVersion).where(ReferenceVersion.id == version.id).values(source=source))
    version.source = source
    return version
