"""Charter schools in an enrollment count: each school's maximum enrollment from the reference data in force
(schools.csv `charter_max_enrollment`, blank unless a charter) and whether the count is over it (issue 5,
item 1: "a charter over its maximum enrollment is flagged")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..reference.model import Reference, load_reference

if TYPE_CHECKING:
    from ..store.db import Store

CAPS_SCHEMA = {"lea_number": pl.Utf8, "school_number": pl.Utf8, "charter_max_enrollment": pl.Int64}


def reference_in_force(store: Store) -> Reference:
    """The reference version current in the store, or the shipped sample (what submissions validate against)."""
    from ..store.reference import current

    return current(store)[1] or load_reference(None)


def caps(reference: Reference) -> pl.DataFrame:
    rows = [(s.lea_number, s.number, s.charter_max_enrollment) for s in reference.schools.values()
            if s.charter_max_enrollment is not None]
    return pl.DataFrame(rows, schema=CAPS_SCHEMA, orient="row")


def with_charter_caps(counts: pl.DataFrame, reference: Reference, total: str = "students") -> pl.DataFrame:
    """`counts` (rows by LEA, school and more) with the school's `charter_max_enrollment` (null: no cap) and
    `over_charter_max`: the school's students summed over its rows above the cap (on each of its rows)."""
    school = ["lea_number", "school_number"]
    out = counts.join(caps(reference), on=school, how="left")
    return out.with_columns(
        (pl.col(total).sum().over(school) > pl.col("charter_max_enrollment")).fill_null(False).alias("over_charter_max"))
