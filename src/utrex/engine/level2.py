"""Runs the Level 2 rules over the whole file once Level 1 has read every block.

Each rule returns a lazy frame of the records that violate it; all of them are collected together
(`pl.collect_all`), so Polars shares the common scans and spreads the rules over the cores.
"""

from __future__ import annotations

import polars as pl

from . import findings as fnd
from .context import Context
from .rules.model import Rule
from .runner import finding_plan
from .tables import Tables, shown_columns


def run_level2(rules: list[Rule], tables: Tables, ctx: Context) -> pl.DataFrame:
    todo = [r for r in rules if r.check2 is not None]
    if not todo:
        return fnd.empty()
    # only what a finding shows of a rule's rows is selected, so that Polars gathers no other column
    # through the joins (most of a join's cost on 750,000 AM rows); the same projection `Tables.plan` probes
    lazy = [shown_columns(r, r.check2(tables, ctx), tables.spec) for r in todo]  # type: ignore[misc]
    # in-memory: the rules read frames already collected; the streaming engine adds ~0.1 s of set-up per
    # run and was slower on these joins (1.0 s against 1.4-1.9 s on a 1M-record file)
    frames = pl.collect_all(lazy, engine="in-memory")
    ctx_vars = ctx.message_vars()
    plans = [finding_plan(r, r.record_type, f.lazy(), set(f.columns), ctx_vars, tables.spec.layout(r.record_type))
             for r, f in zip(todo, frames, strict=True) if f.height]
    return pl.concat(plans).collect() if plans else fnd.empty()
