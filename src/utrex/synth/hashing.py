"""Counter-based randomness: every synthetic value is a pure function of (seed, tag, keys).

No generator state is carried between records, so a student's name, birth date or school is the same
whatever else is generated (another period, another school year, another number of students), and
the same seed always gives the same bytes. The mixer is SplitMix64's finaliser, vectorised on numpy
uint64 arrays (wrap-around multiplication is intended).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (callers ignore overflow: wrap-around is the point)."""
    x = (x ^ (x >> _S30)) * _C1
    x = (x ^ (x >> _S27)) * _C2
    return x ^ (x >> _S31)


def _u64(k: object) -> np.ndarray:
    a = np.asarray(k)
    if a.dtype == np.uint64:
        return a
    return a.astype(np.int64).astype(np.uint64)


class Hasher:
    """Uniform numbers, integers and weighted choices keyed by a tag and any number of integer keys."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        with np.errstate(over="ignore"):
            self._base = _mix(np.asarray(seed % (1 << 64), dtype=np.uint64) ^ _GOLDEN)
        self._tags: dict[str, np.ndarray] = {}

    def bits(self, tag: str, *keys: object) -> np.ndarray:
        with np.errstate(over="ignore"):
            t = self._tags.get(tag)
            if t is None:
                t = self._tags[tag] = _mix(self._base ^ np.uint64(zlib.crc32(tag.encode())))
            acc = t
            for k in keys:
                acc = _mix((acc ^ _u64(k)) + _GOLDEN)
        return acc

    def u(self, tag: str, *keys: object) -> np.ndarray:
        """Uniform floats in [0, 1)."""
        return (self.bits(tag, *keys) >> _S11).astype(np.float64) * (1.0 / (1 << 53))

    def below(self, tag: str, n: object, *keys: object) -> np.ndarray:
        """Integers in [0, n); n may be an array (values below 1 are treated as 1)."""
        n_ = np.maximum(np.asarray(n, dtype=np.int64), 1)
        return np.minimum((self.u(tag, *keys) * n_).astype(np.int64), n_ - 1)

    def between(self, tag: str, lo: object, hi: object, *keys: object) -> np.ndarray:
        """Integers in [lo, hi] (inclusive); where hi < lo the result is lo."""
        lo_ = np.asarray(lo, dtype=np.int64)
        hi_ = np.maximum(np.asarray(hi, dtype=np.int64), lo_)
        return lo_ + self.below(tag, hi_ - lo_ + 1, *keys)

    def choice(self, tag: str, weights: Sequence[float], *keys: object) -> np.ndarray:
        """Indexes into `weights`, drawn with those relative weights."""
        cum = np.cumsum(np.asarray(weights, dtype=np.float64))
        cum /= cum[-1]
        return np.minimum(np.searchsorted(cum, self.u(tag, *keys), side="right"), len(cum) - 1)

    def normal(self, tag: str, *keys: object) -> np.ndarray:
        """Standard normal values (Box-Muller on two hashed uniforms)."""
        u1 = np.maximum(self.u(tag + ".1", *keys), 1e-12)
        u2 = self.u(tag + ".2", *keys)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def permutation(idx: np.ndarray, modulus: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, modulus) that scatters neighbouring indexes (ids that look random).

    A four-round Feistel network on the next even number of bits, cycle-walked back into range."""
    with np.errstate(over="ignore"):
        half = (max(int(modulus - 1).bit_length(), 2) + 1) // 2
        mask = np.uint64((1 << half) - 1)
        sh = np.uint64(half)
        keys = [_mix(np.asarray((key * 4 + r) % (1 << 64), dtype=np.uint64) ^ _GOLDEN) for r in range(4)]

        def rounds(x: np.ndarray) -> np.ndarray:
            left, right = x >> sh, x & mask
            for k in keys:
                left, right = right, left ^ (_mix(right ^ k) & mask)
            return (left << sh) | right

        x = rounds(np.asarray(idx, dtype=np.int64).astype(np.uint64))
        m = np.uint64(modulus)
        bad = np.flatnonzero(x >= m)
        while bad.size:
            x[bad] = rounds(x[bad])
            bad = bad[x[bad] >= m]
    return x.astype(np.int64)
