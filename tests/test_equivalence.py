"""The 180-day equivalent of the specification's Note 5."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from utrex.equivalence import equivalent_days, equivalent_days_expr


def test_the_specifications_example() -> None:
    # "enrolled for 160 days in a year round school that was in session for 172 days ... = 167"
    assert equivalent_days(160, 172) == 167


@pytest.mark.parametrize(("a", "b", "want"), [
    (180, 180, 180), (0, 172, 0), (172, 172, 180), (1, 180, 1),
    (1, 360, 1),  # exactly 0.5 rounds up (Python's round() would give 0)
    (3, 360, 2),  # exactly 1.5 rounds up
    (5, 360, 3),  # 2.5 rounds up, not to even
    (86, 172, 90), (45, 90, 90), (179, 181, 178),
])
def test_rounds_half_up(a: int, b: int, want: int) -> None:
    assert equivalent_days(a, b) == want


def test_numpy_arrays_and_broadcasting() -> None:
    got = equivalent_days(np.array([160, 1, 0, 172]), 172)
    assert got.tolist() == [167, 1, 0, 180]
    assert equivalent_days(np.array([90, 90]), np.array([180, 172])).tolist() == [90, 94]


def test_polars_expression_matches() -> None:
    a = list(range(0, 200, 7))
    df = pl.DataFrame({"a": a, "b": [172] * len(a)})
    got = df.select(equivalent_days_expr("a", "b").alias("eq"))["eq"].to_list()
    assert got == [equivalent_days(x, 172) for x in a]
    assert pl.DataFrame({"a": [1, None, 5]}).select(equivalent_days_expr(pl.col("a"), 360))["a"].to_list() \
        == [1, None, 3]


def test_expression_is_null_where_undefined() -> None:
    df = pl.DataFrame({"a": [10, -1], "b": [0, 180]})
    assert df.select(equivalent_days_expr("a", "b").alias("eq"))["eq"].to_list() == [None, None]


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        equivalent_days(10, 0)
    with pytest.raises(ValueError):
        equivalent_days(-1, 180)
    with pytest.raises(ValueError):
        equivalent_days(np.array([1]), np.array([0]))
