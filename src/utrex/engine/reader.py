"""Reads a Clearinghouse file in bounded memory: blocks of whole lines, split and classified with numpy.

Nothing here loops over records in Python. A block becomes one Arrow string column (zero copy over the
block's bytes) plus numpy arrays of line numbers, lengths and record-type indexes; bytes that are not
printable ASCII are reported and replaced by '?' so every later stage sees valid text.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa

T = TypeVar("T")

DEFAULT_BLOCK_BYTES = 32 * 1024 * 1024
FIRST_BLOCK_BYTES = 2 * 1024 * 1024
SEPARATOR_SNIFF_BYTES = 1 << 20
MAX_LINE_BYTES = 256 * 1024 * 1024  # a "line" this long is not a record: the input is not line-oriented text
LF, CR = 10, 13


class UnreadableInput(Exception):
    """Nothing in the input can be read as a Clearinghouse file (exit status 2)."""


@dataclass
class Block:
    text: pa.LargeStringArray  # one string per line, terminators included
    line: np.ndarray  # int64 physical line numbers, 1-based
    length: np.ndarray  # int64 characters before the terminator
    type_index: np.ndarray  # int16 index into the known record types, -1 unknown
    bad_lines: np.ndarray  # line numbers holding bytes that are not printable ASCII
    bad_columns: np.ndarray  # 1-based column of the first such byte on that line
    bad_bytes: np.ndarray  # the byte value found there
    lf_only: int = 0  # lines ended by LF alone
    first_lf_only: int | None = None
    unterminated_line: int | None = None  # the last line of the file, when it has no terminator
    nbytes: int = 0


@dataclass
class FileFacts:
    path: Path
    size: int
    lines: int = 0
    lf_only: int = 0
    first_lf_only: int | None = None
    cr_only: bool = False
    unterminated_line: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def open_checked(path: Path) -> int:
    """Size of a readable regular file, else UnreadableInput with the reason."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UnreadableInput(f"{path}: no such file") from None
    except OSError as e:
        raise UnreadableInput(f"{path}: cannot be read ({e.strerror})") from None
    if path.is_dir():
        raise UnreadableInput(f"{path}: is a directory, not a Clearinghouse file")
    if not os.access(path, os.R_OK):
        raise UnreadableInput(f"{path}: permission denied")
    if st.st_size == 0:
        raise UnreadableInput(f"{path}: the file is empty")
    return st.st_size


def _utf16(head: bytes) -> bool:
    """A byte order mark, or NUL in every other byte of the first characters (UTF-16 without a BOM)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if len(head) < 8:
        return False
    return head[1:8:2] == b"\x00\x00\x00\x00" and b"\x00" not in head[0:8:2] \
        or head[0:8:2] == b"\x00\x00\x00\x00" and b"\x00" not in head[1:8:2]


def sniff(head: bytes, path: Path) -> None:
    """Refuse input that is plainly not a Clearinghouse file, with the reason."""
    if _utf16(head):
        raise UnreadableInput(f"{path}: the file is UTF-16 text; Clearinghouse files are ASCII (save it as ASCII or ANSI)")
    sample = np.frombuffer(head[:65536], dtype=np.uint8)
    printable = np.count_nonzero(((sample >= 32) & (sample < 127)) | (sample == LF) | (sample == CR))
    if sample.size and printable / sample.size < 0.7:
        raise UnreadableInput(f"{path}: binary data ({100 - 100 * printable // sample.size}% of the first "
                              f"{sample.size} bytes are not text), not a Clearinghouse file")
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise UnreadableInput(f"{path}: a compressed or office document, not a Clearinghouse text file")


def line_separator(path: Path) -> int:
    """LF, or CR for a file whose first megabyte holds CRs but no LF (old Mac line ends).

    Decided once from the head of the file, whatever the block size, so that a block boundary that
    falls between the CR and the LF of a CR LF pair cannot change how the file is split."""
    with open(path, "rb") as fh:
        head = fh.read(SEPARATOR_SNIFF_BYTES)
    return CR if b"\n" not in head and b"\r" in head else LF


def iter_blocks(path: Path, type_codes: list[str], block_bytes: int = DEFAULT_BLOCK_BYTES,
                prefetch: bool = True) -> Iterator[Block]:
    """Blocks of whole lines. A file without any LF but with CRs is read with CR as the terminator.

    With `prefetch` the next block is read and split on a background thread while the caller works on
    the current one (file reads and most numpy work release the GIL): at most two blocks ahead."""
    blocks = _blocks(path, type_codes, block_bytes)
    if not prefetch:
        yield from blocks
        return
    yield from prefetched(blocks)


def _blocks(path: Path, type_codes: list[str], block_bytes: int) -> Iterator[Block]:
    prefixes = np.array([(ord(c[0]) << 16) | (ord(c[1]) << 8) | ord("=") for c in type_codes], dtype=np.int64)
    order = np.argsort(prefixes)
    sorted_prefixes = prefixes[order]
    sep = line_separator(path)
    block_bytes = max(1, int(block_bytes))
    next_line = 1
    carry = b""  # the start of a line whose terminator is not read yet
    blocks_read = 0
    with open(path, "rb") as fh:
        while True:
            # A line longer than a block makes the carry grow; reading at least as much again as is
            # carried keeps that linear in the line's length.
            # the first block is small so that the rules start while the rest is still being read
            # and the next ones grow fourfold up to `block_bytes`, so the reader keeps ahead of them
            size = min(block_bytes, FIRST_BLOCK_BYTES << (2 * blocks_read))
            blocks_read = min(blocks_read + 1, 8)
            want = max(size, len(carry))
            # a fresh buffer per block (blocks hand it out zero-copy), not zero-filled: the read fills it
            buf = np.empty(len(carry) + want, dtype=np.uint8)
            buf[: len(carry)] = np.frombuffer(carry, dtype=np.uint8)
            got = fh.readinto(memoryview(buf)[len(carry):])
            total = len(carry) + got
            eof = got == 0
            if eof:
                if total == 0:
                    return
                cut = total
            else:
                cut = _last_separator(buf, len(carry), total, sep) + 1  # the carry holds no terminator
                if cut == 0:
                    if total > MAX_LINE_BYTES:
                        raise UnreadableInput(f"{path}: line {next_line} is longer than {MAX_LINE_BYTES // (1 << 20)} MB "
                                              "without a line end; this is not a Clearinghouse file")
                    carry = bytes(buf[:total])
                    continue
            carry = bytes(buf[cut:total])
            block = _split(memoryview(buf)[:cut], next_line, sep, eof, sorted_prefixes, order)
            next_line += len(block.line)
            yield block
            if eof:
                return


def _last_separator(buf: np.ndarray, lo: int, hi: int, sep: int) -> int:
    """Index of the last `sep` in buf[lo:hi], or -1; searched from the end (a line is short)."""
    window = 1 << 16
    while hi > lo:
        start = max(lo, hi - window)
        found = np.flatnonzero(buf[start:hi] == sep)
        if found.size:
            return start + int(found[-1])
        hi = start
        window *= 4
    return -1


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


class Prefetched(Iterator[T]):
    """Runs `source` one item ahead on a background thread, started at once (its errors are raised in the
    caller). Close it (or use it as a context manager) when it may not be read to the end."""

    def __init__(self, source: Iterator[T]) -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._done = False
        self._worker = threading.Thread(target=self._produce, name="utrex-reader", daemon=True)
        self._worker.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as e:  # handed to the consumer, raised there
            self._put(_Failed(e))

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, _Failed):
            self.close()
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        self._stop.set()
        self._worker.join()
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Prefetched[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prefetched(source: Iterator[T]) -> Prefetched[T]:
    """`source` read one item ahead on a background thread that starts now (see `Prefetched`)."""
    return Prefetched(source)


def _split(data: bytes | memoryview, first_line: int, sep: int, eof: bool, sorted_prefixes: np.ndarray, order: np.ndarray) -> Block:
    buf = np.frombuffer(data, dtype=np.uint8)
    seps = np.flatnonzero(buf == sep)
    unterminated = None
    if seps.size == 0 or seps[-1] != buf.size - 1:  # last line without terminator (only at EOF)
        seps = np.append(seps, buf.size)
        unterminated = first_line + seps.size - 1
    n = seps.size
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = seps[:-1] + 1
    ends = seps.astype(np.int64)  # exclusive, before the terminator
    lf_only = 0
    first_lf_only = None
    trailing_cr = np.zeros(n, dtype=bool)
    if sep == LF:
        prev = np.maximum(ends - 1, 0)
        trailing_cr = (ends > starts) & (buf[prev] == CR)
        terminated = np.ones(n, dtype=bool)
        if unterminated is not None:
            terminated[-1] = False
        lf_mask = terminated & ~trailing_cr
        lf_only = int(np.count_nonzero(lf_mask))
        if lf_only:
            first_lf_only = first_line + int(np.flatnonzero(lf_mask)[0])
        ends = ends - trailing_cr
    length = ends - starts

    # bytes that are not printable ASCII (NUL, controls, DEL, anything >= 0x80), terminators excepted;
    # (b - 32) wraps below 32, so one comparison finds them. Usually only the terminators are found.
    bad = (buf - np.uint8(32)) > np.uint8(94)
    terminators = int(np.count_nonzero(seps < buf.size)) + int(np.count_nonzero(trailing_cr))
    if int(np.count_nonzero(bad)) > terminators:
        bad[seps[seps < buf.size]] = False
        bad[ends[trailing_cr]] = False
        bad_pos = np.flatnonzero(bad)
        owner = np.searchsorted(starts, bad_pos, side="right") - 1
        uniq, first_idx = np.unique(owner, return_index=True)
        bad_lines = uniq + first_line
        bad_columns = bad_pos[first_idx] - starts[uniq] + 1
        bad_bytes = buf[bad_pos[first_idx]]
        fixed = buf.copy()
        fixed[bad_pos] = ord("?")
        buf = fixed
    else:
        bad_lines = bad_columns = bad_bytes = np.empty(0, dtype=np.int64)
    del bad

    # record type from the first three bytes, vectorised
    def byte_at(k: int) -> np.ndarray:
        pos = np.minimum(starts + k, buf.size - 1)
        return np.where(length > k, buf[pos], 0).astype(np.int64)

    key = (byte_at(0) << 16) | (byte_at(1) << 8) | byte_at(2)
    pos = np.searchsorted(sorted_prefixes, key)
    pos_c = np.minimum(pos, sorted_prefixes.size - 1)
    type_index = np.where(sorted_prefixes[pos_c] == key, order[pos_c], -1).astype(np.int16)

    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[:n] = starts
    offsets[n] = buf.size
    text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
    return Block(
        text=text,
        line=np.arange(first_line, first_line + n, dtype=np.int64),
        length=length,
        type_index=type_index,
        bad_lines=np.asarray(bad_lines, dtype=np.int64),
        bad_columns=np.asarray(bad_columns, dtype=np.int64),
        bad_bytes=np.asarray(bad_bytes, dtype=np.int64),
        lf_only=lf_only,
        first_lf_only=first_lf_only,
        unterminated_line=unterminated if eof else None,
        nbytes=len(data),
    )
