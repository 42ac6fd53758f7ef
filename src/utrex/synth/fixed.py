"""Renders whole columns into fixed-width records: one uint8 matrix per record type, one row per record.

Fields are written column by column with numpy (digits by integer division, text from fixed-width
byte arrays), so rendering costs a few vectorised passes per field instead of Python per record.
Rows end with CR LF; `lines()` returns each row as a bytes object, ready to be ordered and joined.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..spec import RecordLayout
from ..testing import apply_overrides
from .calendar import ymd

_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_DIGIT_TABLES: dict[int, np.ndarray] = {}


def _digit_table(width: int) -> np.ndarray:
    """All zero-filled numbers of `width` digits as an (10**width, width) uint8 matrix (width <= 6)."""
    t = _DIGIT_TABLES.get(width)
    if t is None:
        v = np.arange(10**width, dtype=np.int64)
        t = np.empty((v.size, width), dtype=np.uint8)
        for k in range(width):
            v, d = np.divmod(v, 10)
            t[:, width - 1 - k] = 48 + d
        _DIGIT_TABLES[width] = t
    return t


def ident_bytes(values: np.ndarray, width: int) -> np.ndarray:
    """Left-justified digits as an `S{width}` array (compute once per person, gather per record)."""
    v = np.asarray(values, dtype=np.int64)
    buf = np.zeros((v.size, width), dtype=np.uint8)
    nd = np.maximum(np.searchsorted(_POW10, v, side="right"), 1)
    rows = np.arange(v.size)
    for k in range(width):
        sel = k < nd
        if not sel.any():
            break
        buf[rows[sel], nd[sel] - 1 - k] = 48 + (v[sel] // _POW10[k]) % 10
    return buf.view(f"S{width}").ravel()


def table(values: list[str] | tuple[str, ...], width: int | None = None) -> np.ndarray:
    """A lookup array of fixed-width ASCII strings (index it with code numbers)."""
    w = width or max((len(v) for v in values), default=1) or 1
    return np.array([v.encode("ascii") for v in values], dtype=f"S{w}")


class Sheet:
    """`n` records of one layout, blank except for the record id, the CR LF and what is put."""

    def __init__(self, layout: RecordLayout, n: int) -> None:
        self.layout = layout
        self.n = n
        self.width = layout.length
        self.buf = np.full((n, self.width + 2), 32, dtype=np.uint8)
        self.buf[:, self.width] = 13
        self.buf[:, self.width + 1] = 10
        self.buf[:, 0:3] = np.frombuffer(layout.prefix.encode(), dtype=np.uint8)
        self._fields = {f.id: (f.offset, f.width) for f in layout.fields}

    def _region(self, fid: str) -> tuple[int, int]:
        return self._fields[fid]

    def text(self, fid: str, values: np.ndarray | bytes | str, mask: np.ndarray | None = None) -> None:
        """Left-justified text: a bytes/str constant or an `S` array (cut to the field's width)."""
        off, w = self._region(fid)
        if isinstance(values, str):
            values = values.encode("ascii")
        if isinstance(values, bytes):
            raw = np.frombuffer(values[:w].ljust(w), dtype=np.uint8)
            if mask is None:
                self.buf[:, off : off + w] = raw
            else:
                self.buf[mask, off : off + w] = raw
            return
        arr = np.asarray(values)
        k = arr.dtype.itemsize
        if k > w:
            arr = arr.astype(f"S{w}")
            k = w
        if arr.size == 0:
            return
        block = np.ascontiguousarray(arr).view(np.uint8).reshape(arr.size, k)
        block = np.where(block == 0, np.uint8(32), block)
        if mask is None:
            self.buf[:, off : off + k] = block
        else:
            self.buf[mask, off : off + k] = block[mask] if block.shape[0] == self.n else block

    def digits(self, fid: str, values: np.ndarray | int, mask: np.ndarray | None = None,
               width: int | None = None) -> None:
        """Right-justified, zero-filled digits over the whole field (or its first `width` columns)."""
        off, w = self._region(fid)
        w = width or w
        v = np.broadcast_to(np.asarray(values, dtype=np.int64), (self.n,))
        if mask is not None:
            v = v[mask]
        rows = slice(None) if mask is None else mask
        if w <= 5:
            self.buf[rows, off : off + w] = _digit_table(w)[v % _POW10[w]]
            return
        v = v.copy()
        for k in range(w):
            v, d = np.divmod(v, 10)
            self.buf[rows, off + w - 1 - k] = 48 + d

    def ident(self, fid: str, values: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Left-justified digits without leading zeros (student numbers, SSIDs, teacher ids)."""
        off, w = self._region(fid)
        v = np.asarray(values, dtype=np.int64)
        rows = np.arange(self.n)
        if mask is not None:
            v, rows = v[mask], rows[mask]
        nd = np.maximum(np.searchsorted(_POW10, v, side="right"), 1)
        for k in range(w):
            sel = k < nd
            if not sel.any():
                break
            self.buf[rows[sel], off + nd[sel] - 1 - k] = 48 + (v[sel] // _POW10[k]) % 10

    def date(self, fid: str, days: np.ndarray, mask: np.ndarray | None = None) -> None:
        """YYYYMMDD of day numbers, through a table of the dates in range (few distinct days)."""
        d = np.broadcast_to(np.asarray(days, dtype=np.int64), (self.n,))
        if mask is not None:
            d = d[mask]
        if d.size == 0:
            return
        lo, hi = int(d.min()), int(d.max())
        if hi - lo > 200_000:
            vals = np.zeros(self.n, dtype=np.int64)
            vals[slice(None) if mask is None else mask] = ymd(d)
            self.digits(fid, vals, mask)
            return
        tbl = ymd(np.arange(lo, hi + 1))
        off, _ = self._region(fid)
        text = np.empty((tbl.size, 8), dtype=np.uint8)
        v = tbl.copy()
        for k in range(8):
            v, r = np.divmod(v, 10)
            text[:, 7 - k] = 48 + r
        rows = slice(None) if mask is None else mask
        self.buf[rows, off : off + 8] = text[d - lo]

    def flag(self, fid: str, mask: np.ndarray, char: bytes = b"Y") -> None:
        off, _ = self._region(fid)
        self.buf[mask, off] = char[0]

    def override(self, row: int, values: Mapping[str, str]) -> None:
        """Set fields of one record to literal values (planting a defect)."""
        for fid, v in values.items():
            if fid.startswith("__"):
                continue
            off, w = self._region(fid)
            self.buf[row, off : off + w] = np.frombuffer(v[:w].ljust(w).encode("latin-1"), dtype=np.uint8)

    def overridden(self, row: int, values: Mapping[str, str]) -> bytes:
        """Record `row` with `values` set (and `__truncate__`/`__append__` applied), without its terminator;
        the sheet itself is left unchanged."""
        saved = self.buf[row].copy()
        self.override(row, values)
        body = bytes(self.buf[row, : self.width])
        self.buf[row] = saved
        return apply_overrides(body.decode("latin-1"), values).encode("latin-1")

    def lines(self) -> list[bytes]:
        if self.n == 0:
            return []
        return np.ascontiguousarray(self.buf).view(f"S{self.width + 2}").ravel().tolist()
