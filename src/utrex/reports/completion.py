"""High-school completion outcomes and exit codes of the Year-End report (issue 5, item 3), declared once as
data from the S1 High School Completion Status and Exit Code code sets.

Outcome categories (High Schl Compl Status codes and Notes 2-4, 11): graduates by diploma type (GR, G3, GM:
the basic diploma; GC, GG: the adult education diplomas Note 11 says count as graduates), certificates of
completion (CT: Note 4, neither graduate nor dropout), dropouts (DO), retained seniors (RT, temporary: Note 3),
graduation pending (GP, temporary: Note 2) and aged out of special education (AO: the spec lists it with the
completers of Exit Code Note 5 but in none of the other categories, so it is its own). The exit codes are
counted one column each, as submitted: an exit code DO is not folded into the completion dropouts (the
completion status is the final outcome; Note 7 of Exit Code: an EX is set to DO only by the Warehouse).
"""

from __future__ import annotations

import polars as pl

from ..engine.rules import expr as E
from ..spec.codes_2013 import EXIT_CODE, HS_COMPLETION

# completion status code -> (category, count column); the graduate columns are also summed into GRADUATES
OUTCOMES: dict[str, tuple[str, str]] = {
    "GR": ("graduate", "graduates_gr"), "G3": ("graduate", "graduates_g3"), "GM": ("graduate", "graduates_gm"),
    "GC": ("graduate", "graduates_gc"), "GG": ("graduate", "graduates_gg"),
    "CT": ("certificate", "certificates"), "DO": ("dropout", "dropouts"), "RT": ("retained", "retained_seniors"),
    "GP": ("pending", "pending"), "AO": ("aged_out", "aged_out"),
}
assert set(OUTCOMES) == set(HS_COMPLETION.values()), "every completion status code has one outcome"
GRADUATES = "graduates"
OUTCOME_COLUMNS = [GRADUATES, *[col for _, col in OUTCOMES.values()]]
EXIT_COLUMNS = {code: f"exit_{code.lower()}" for code in EXIT_CODE.values()}
COUNT_COLUMNS = [*OUTCOME_COLUMNS, *EXIT_COLUMNS.values()]  # head counts: all marked when small
DETAIL_COLUMNS = ["exit_code", "hs_completion_status", "completion_outcome"]


def detail_columns() -> list[pl.Expr]:
    """The detail's columns (DETAIL_COLUMNS) from the sliced S1 fields exit_code and hs_completion_status; an
    outcome is null for a blank or unknown status (the file's own checks report an unknown code)."""
    status = E.stripped("hs_completion_status")
    category = status.replace_strict({c: cat for c, (cat, _) in OUTCOMES.items()}, default=None,
                                     return_dtype=pl.Utf8)
    return [E.stripped("exit_code").alias("exit_code"), status.alias("hs_completion_status"),
            category.alias("completion_outcome")]


def count_aggs() -> list[pl.Expr]:
    """Per group of the detail: enrollments per outcome column and per exit code column (COUNT_COLUMNS)."""
    graduates = [c for c, (cat, _) in OUTCOMES.items() if cat == "graduate"]
    return [pl.col("hs_completion_status").is_in(graduates).sum().cast(pl.Int64).alias(GRADUATES),
            *[(pl.col("hs_completion_status") == c).sum().cast(pl.Int64).alias(col)
              for c, (_, col) in OUTCOMES.items()],
            *[(pl.col("exit_code") == c).sum().cast(pl.Int64).alias(col) for c, col in EXIT_COLUMNS.items()]]
