"""The 180-day equivalent of the specification's Note 5: ROUND(a * (180 / b)).

`a` is the days a student was in membership (or attendance) and `b` the days the school was in session.
The specification's example rounds 167.44 to 167; halves round up (a state office's ROUND is the
spreadsheet/SQL one, not Python's round-half-to-even). The computation is done in integers,
(360a + b) // 2b, so 0.5 never meets a binary fraction: 90 days of 360 is exactly 45.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import polars as pl

DAYS = 180


@overload
def equivalent_days(a: int, b: int) -> int: ...


@overload
def equivalent_days(a: np.ndarray, b: int | np.ndarray) -> np.ndarray: ...


def equivalent_days(a, b):  # type: ignore[no-untyped-def]
    """ROUND(a * 180 / b), halves up, for ints or numpy integer arrays (a >= 0, b > 0).

    >>> equivalent_days(160, 172)
    167
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_ = np.asarray(a, dtype=np.int64)
        b_ = np.asarray(b, dtype=np.int64)
        if np.any(b_ <= 0):
            raise ValueError("days in session must be greater than zero")
        if np.any(a_ < 0):
            raise ValueError("days must not be negative")
        return (2 * DAYS * a_ + b_) // (2 * b_)
    a, b = int(a), int(b)
    if b <= 0:
        raise ValueError("days in session must be greater than zero")
    if a < 0:
        raise ValueError("days must not be negative")
    return (2 * DAYS * a + b) // (2 * b)


def equivalent_days_expr(a: pl.Expr | str, b: pl.Expr | str | int) -> pl.Expr:
    """The Polars expression of `equivalent_days`, named like `a`; null where b is null or not positive,
    or a is null or negative."""
    a_ = (pl.col(a) if isinstance(a, str) else a).cast(pl.Int64)
    b_ = (pl.col(b) if isinstance(b, str) else b if isinstance(b, pl.Expr) else pl.lit(b)).cast(pl.Int64)
    return pl.when((b_ > 0) & (a_ >= 0)).then((a_ * (2 * DAYS) + b_) // (b_ * 2)).otherwise(None)
