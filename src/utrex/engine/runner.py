"""Runs the rules of a record type over a frame in one lazy Polars pass.

Rule expressions are built once per run (not per block: building them per row or block is what made
frictionless slow). Messages are rendered with `pl.format` only for the rows that failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from ..spec import RecordLayout, Specification
from . import findings as fnd
from .context import Context
from .parser import PARSED_SCHEMA, field_columns
from .rules.expr import derived_columns, grade_column
from .rules.model import Rule

PLACEHOLDER = re.compile(r"\{(\w+)\}")
PARSED_COLUMNS = tuple(PARSED_SCHEMA)
# failing records held across blocks before their findings are made: the queries that make findings cost
# per rule that fired, so blocks share them, and memory stays bounded in a file where every record fails
FLUSH_ROWS = 50_000


def render_message(template: str, ctx_vars: dict[str, str], columns: set[str]) -> pl.Expr:
    """`{field}` becomes the value as found (trailing blanks trimmed), `{ctx_*}` a context value."""
    pieces: list[pl.Expr] = []
    last = 0
    for m in PLACEHOLDER.finditer(template):
        pieces.append(pl.lit(template[last : m.start()]))
        name = m.group(1)
        if name in ctx_vars:
            pieces.append(pl.lit(ctx_vars[name]))
        elif name in columns:
            pieces.append(pl.col(name).cast(pl.Utf8).str.strip_chars_end(" ").fill_null(""))
        else:
            pieces.append(pl.lit(m.group(0)))
        last = m.end()
    pieces.append(pl.lit(template[last:]))
    return pl.concat_str(pieces)


def key_columns(layout: RecordLayout) -> list[pl.Expr]:
    def own_or(field_id: str, fallback: str | None) -> pl.Expr:
        if layout.has(field_id):
            return pl.col(field_id).str.strip_chars(" ")
        return pl.col(fallback) if fallback else pl.lit(None, dtype=pl.Utf8)

    return [
        own_or("lea_number", "_lea_ctx").alias("_k_lea"),
        (pl.col("school_number").str.strip_chars(" ") if layout.has("school_number") and layout.code != "SC"
         else pl.col("school_number") if layout.code == "SC" else pl.col("_school_ctx")).alias("_k_school"),
        own_or("student_number", None).alias("_k_student"),
        own_or("ssid", None).alias("_k_ssid"),
    ]


def _key_part(field_id: str) -> pl.Expr:
    value = pl.col(field_id).str.strip_chars(" ")
    if field_id == "incident_id":  # 0000010001 and 10001 are the same incident
        value = value.str.strip_chars_start("0")
    return value.fill_null("")


def record_key(layout: RecordLayout) -> pl.Expr:
    """LEA|school|type|key fields: names a record whatever line it is on (diffs, held records, the ODS)."""
    parts = [pl.col("_k_lea").fill_null("")]
    if layout.school_level or layout.code == "SC":
        parts.append(pl.col("_k_school").fill_null(""))
    parts.append(pl.lit(layout.code))
    parts += [_key_part(f) for f in layout.key]
    return pl.concat_str(parts, separator="|").alias("_k_record")


def finding_plan(rule: Rule, code: str, rows: pl.LazyFrame, cols: set[str], ctx_vars: dict[str, str],
                 layout: RecordLayout | None = None) -> pl.LazyFrame:
    """Findings of `rule` for the records in `rows` (whose columns are `cols`), lazily and in the findings'
    schema, so the findings of many rules are collected in one query. `rows` is a frame prepared by
    `RuleRunner.prepare`, or the rows of a Level 2 rule, whose record key is made from the key fields of
    `layout`."""
    fields = [f for f in rule.fields if f in cols]
    values = (pl.struct([pl.col(f) for f in fields]).struct.json_encode() if fields else pl.lit("{}"))
    return rows.select(
        pl.lit(rule.id).alias("rule"),
        pl.lit(int(rule.level), dtype=pl.Int8).alias("level"),
        pl.lit(rule.severity.value).alias("severity"),
        pl.col("_line").alias("line"),
        pl.lit(code).alias("record_type"),
        pl.lit(list(rule.fields), dtype=pl.List(pl.Utf8)).alias("fields"),
        values.alias("values"),
        pl.col("_k_lea").alias("lea"),
        pl.col("_k_school").alias("school"),
        pl.col("_k_student").alias("student_number"),
        pl.col("_k_ssid").alias("ssid"),
        render_message(rule.message, ctx_vars, cols).alias("message"),
        (pl.col("_k_record") if "_k_record" in cols or layout is None else record_key(layout)).alias("record_key"),
    ).cast(fnd.FINDING_SCHEMA)  # type: ignore[arg-type]


def _kept(prepared: pl.LazyFrame, wanted: Iterable[str]) -> pl.LazyFrame:
    """The columns of a prepared frame that Level 2 keeps (`Tables.needs`)."""
    names = set(wanted)
    return prepared.select([c for c in prepared.collect_schema().names() if c in names])


@dataclass
class _Compiled:
    rule: Rule
    mask: pl.Expr
    column: str


class RuleRunner:
    def __init__(self, spec: Specification, ctx: Context, rules_by_type: dict[str, list[Rule]],
                 file_rules: list[Rule]) -> None:
        self.spec = spec
        self.ctx = ctx
        self.ctx_vars = ctx.message_vars()
        self._compiled: dict[str, list[_Compiled]] = {}
        self._masks: dict[str, tuple[list[pl.Expr], pl.Expr]] = {}
        self._pending: dict[str, list[pl.DataFrame]] = {}  # failing records whose findings are not made yet
        self._pending_rows = 0
        self._steps: dict[str, list[list[pl.Expr]]] = {}
        for code in spec.codes:
            compiled = []
            for i, rule in enumerate([*file_rules, *rules_by_type.get(code, [])]):
                assert rule.check is not None
                mask = rule.check(ctx)
                if code == "S1" and not rule.applies_to_resident_x:
                    mask = mask & (pl.col("resident_status") != "X")
                compiled.append(_Compiled(rule, mask.fill_null(False), f"__r{i}"))
            self._compiled[code] = compiled
            self._masks[code] = ([c.mask.alias(c.column) for c in compiled],
                                 pl.any_horizontal([pl.col(c.column) for c in compiled]) if compiled else pl.lit(False))

    def _prepare_steps(self, code: str) -> list[list[pl.Expr]]:
        """The expressions of `prepare`, built once per type and run (they are rebuilt for no block)."""
        steps = self._steps.get(code)
        if steps is None:
            layout = self.spec.layout(code)
            derived = derived_columns(layout.fields)
            if code == "S1":
                derived.append(grade_column())
            steps = [field_columns(layout), derived, key_columns(layout), [record_key(layout)]]
            self._steps[code] = steps
        return steps

    def prepare(self, code: str, frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
        """The typed frame the rules read: fields, their typed views and the record's key."""
        lf = frame.lazy()
        for step in self._prepare_steps(code):
            lf = lf.with_columns(step)
        return lf

    def run(self, code: str, frame: pl.DataFrame) -> pl.DataFrame:
        return self.run_all({code: frame})

    def run_all(self, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
        found = self.run_and_keep(frames, {})[0]
        return fnd.concat([found, self.flush()])

    def run_and_keep(self, frames: dict[str, pl.DataFrame], keep: Mapping[str, Iterable[str]]
                     ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
        """The findings of every record type of a block, and the typed columns `keep` names of its
        records (for Level 2). Everything is collected together, so Polars spreads the types over the
        cores and slices each field once for both purposes."""
        todo = [(code, frame) for code, frame in frames.items() if self._compiled[code] and frame.height]
        kept_codes = [code for code, frame in frames.items() if code in keep and frame.height]
        prepared = {code: self.prepare(code, frames[code]) for code in {*dict(todo), *kept_codes}}
        plans = [self.failed_rows(code, prepared[code]) for code, _ in todo]
        # the same prepared plan: Polars slices each field once for both
        plans += [_kept(prepared[code], keep[code]) for code in kept_codes]
        out = pl.collect_all(plans, engine="in-memory")  # the in-memory engine plans a block in less time
        for (code, _), f in zip(todo, out, strict=False):
            if f.height:
                self._pending.setdefault(code, []).append(f)
                self._pending_rows += f.height
        found = self.flush() if self._pending_rows >= FLUSH_ROWS else fnd.empty()
        return found, dict(zip(kept_codes, out[len(todo):], strict=True))

    def keep(self, frames: dict[str, pl.DataFrame], keep: Mapping[str, Iterable[str]]) -> dict[str, pl.DataFrame]:
        """The typed columns `keep` names of the records of a block whose rules already ran (`run_and_keep`
        without `keep`)."""
        codes = [code for code, frame in frames.items() if code in keep and frame.height]
        plans = [_kept(self.prepare(code, frames[code]), keep[code]) for code in codes]
        return dict(zip(codes, pl.collect_all(plans, engine="in-memory"), strict=True))

    def flush(self) -> pl.DataFrame:
        """The findings of the failing records held so far (`run_and_keep` holds them up to FLUSH_ROWS):
        typed in one query, then a query per type for the rules that fired. Call it after the last block."""
        if not self._pending:
            return fnd.empty()
        failed = [(code, pl.concat(frames)) for code, frames in self._pending.items()]
        self._pending, self._pending_rows = {}, 0
        # the typed columns and keys of the failing records only (see `failed_rows`)
        typed = pl.collect_all([self.prepare(code, f) for code, f in failed], engine="in-memory")
        return fnd.concat([self.render(code, f) for (code, _), f in zip(failed, typed, strict=True)])

    def failed_rows(self, code: str, prepared: pl.LazyFrame) -> pl.LazyFrame:
        """The rows of a prepared frame (`prepare`) that break at least one rule: the parsed record (as the
        parser made it) and a column per rule. Only these columns are kept, so Polars computes of every row
        only the fields and typed views some rule reads (not the keys, or fields no rule reads); `prepare`
        then types the few failing rows again for their findings."""
        masks, failing = self._masks[code]
        return prepared.with_columns(masks).filter(failing).select(*PARSED_COLUMNS, *(m.meta.output_name() for m in masks))

    def render(self, code: str, failed: pl.DataFrame) -> pl.DataFrame:
        compiled = self._compiled[code]
        if failed.height == 0:
            return fnd.empty()
        # which rules fired, in one pass: a type has up to 150 rules and a block's failing rows few of them;
        # the findings of those are then made in one query
        fired = failed.select([pl.col(c.column).any() for c in compiled]).row(0)
        rows, cols = failed.lazy(), set(failed.columns)
        plans = [finding_plan(c.rule, code, rows.filter(pl.col(c.column)), cols, self.ctx_vars)
                 for c, hit in zip(compiled, fired, strict=True) if hit]
        return pl.concat(plans).collect() if plans else fnd.empty()
