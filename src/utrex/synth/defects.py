"""Known defects for testing a validator: rule examples planted on synthetic records.

Every Level 1 rule declares `examples[0].breaks`: field overrides that make any otherwise valid record
of its type violate it. The planter walks the eligible rules in a cycle and gives each next defect to a
random unused record of that rule's type, about `rate` of the records, one defect per record; the
sidecar lists the line, rule, field and record type of every defect. Structure defects without a check
(blank line, unknown record type, bytes that are not ASCII, a second DI, LF-only and unterminated
lines) are planted as whole-line changes. What cannot be planted is listed in `NOT_PLANTABLE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..engine.context import Context
from ..engine.parser import record_context
from ..engine.rules import registry
from ..engine.rules.model import Rule
from ..engine.runner import RuleRunner
from ..spec import Kind, Period
from ..spec.samples_2013 import BASE
from ..testing import record
from .fixed import Sheet
from .records import Block, Plant

# parser-level structure rules planted by changing a whole line: rule id -> (action, record type shown)
LINE_ACTIONS = {
    "FILE.blank_line": ("blank", "FILE"),
    "FILE.unknown_record_type": ("unknown", "FILE"),
    "FILE.invalid_character": ("invalid", "FILE"),
    "FILE.di_repeated": ("di", "DI"),
    "ES.record_id.window": ("es", "ES"),
    "ES.record_id.discontinued": ("es", "ES"),
}
ONCE_PER_FILE = ("FILE.lf_terminator", "FILE.missing_terminator")
# DI fields the validator reads its context from: a defect there would change how every record is read
DI_CONTEXT = {"lea_number", "school_year", "which_month", "sisasofdate"}

# Whole-file defects: a file has one DI, one first line, one set of record types, so each file carries one
# of these (chosen by the seed; in state mode LEA by LEA, so a state covers them all). A DI example on a
# field the whole file is read by (DI_CONTEXT) changes how every record is read: such a file carries no
# record-level defects beside it.
FILE_ACTIONS = {
    "FILE.di_first": "a copy of the first SC written before the DI",
    "FILE.sc_after_di": "a copy of a record of the first school written between the DI and the first SC "
                        "(also FILE.no_school on that line)",
    "FILE.required_record_type": "every AM record left out (AM is required in every update)",
    "FILE.i1_without_i2": "every I2 record left out",
}
# ES records are accepted only July 15 - October 15 up to October 2012: in other updates an ES line is the defect
ES_LINE_RULES = ("ES.record_id.window", "ES.record_id.discontinued")
ES_LINE = record("ES")  # the specification's sample ES record

NOT_PLANTABLE = {
    "DI.sisasofdate.after_as_of": "compares the DI with the validation run's --as-of, not with the file",
    "DI.which_month.period": "compares the DI with the validation run's --period, not with the file",
}
# An SC's school number is the school of every record below it: a changed one would move a whole school,
# so SC school-number examples go on one extra SC at the end of the file, with no records under it.


class Verifier:
    """Checks that a planted record really breaks its rule in this file's context.

    An example is written against the base sample record (LEA 14, school 790); a few only break there
    (say, a where-taught school equal to 790) or need reference data the run lacks (SSID locations).
    Each candidate record is run through the rule once, the way the validator will run it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.runner = RuleRunner(ctx.spec, ctx, {}, [])
        self._masks: dict[tuple[str, str], pl.Expr] = {}

    def _mask(self, code: str, rule: Rule) -> pl.Expr:
        k = (code, rule.id)
        if k not in self._masks:
            assert rule.check is not None
            m = rule.check(self.ctx)
            if code == "S1" and not rule.applies_to_resident_x:
                m = m & (pl.col("resident_status") != "X")
            self._masks[k] = m.fill_null(False)
        return self._masks[k]

    def fires(self, items: list[tuple[str, bytes, Rule, str]]) -> list[bool]:
        """items: (record type, line without terminator, rule, school number)."""
        out = [False] * len(items)
        by_code: dict[str, list[int]] = {}
        for i, (code, *_rest) in enumerate(items):
            by_code.setdefault(code, []).append(i)
        for code, idx in by_code.items():
            layout = self.ctx.spec.layout(code)
            texts, lens = [], []
            for i in idx:
                t = items[i][1].decode("ascii", errors="replace").replace("\ufffd", "?")
                lens.append(len(t))
                texts.append(t[: layout.length].ljust(layout.length) if len(t) < layout.length else t)
            frame = pl.DataFrame({
                "_line": np.arange(len(idx), dtype=np.int64), "_len": np.array(lens, dtype=np.int64),
                "_text": texts, "_school_ctx": [items[i][3] for i in idx],
            }).with_columns(record_context(layout, self.ctx.lea_number))
            rules = {items[i][2].id: items[i][2] for i in idx}
            names = {rid: f"__v{k}" for k, rid in enumerate(rules)}
            got = self.runner.prepare(code, frame).select(
                [self._mask(code, r).alias(names[rid]) for rid, r in rules.items()]).collect()
            for row, i in enumerate(idx):
                out[i] = bool(got[names[items[i][2].id]][row])
        return out


def _nth(parts: list[tuple[int, np.ndarray]], n: int) -> tuple[int, int]:
    """The n-th free record over a type's parts: (part index, row)."""
    for part_index, rows in parts:
        if n < rows.size:
            return part_index, int(rows[n])
        n -= rows.size
    raise IndexError(n)


def _eligible(rule: Rule, period: Period) -> bool:
    """A record example is tried in every period: each planted record is verified against its rule in the
    file's own context (an example written for October often breaks other updates too). DI examples are
    not verified record by record (the DI sets the context), so they keep to their own period."""
    if not rule.examples:
        return False
    ex = rule.examples[0]
    return rule.record_type != "DI" or ex.period is None or ex.period == period.value


@dataclass
class Planter:
    """Chooses defects school by school, streaming: only the cycle position and a fraction carry over."""

    rate: float
    period: Period
    seed: int
    verifier: Verifier | None = None
    rules: list[Rule] = field(default_factory=list)
    di_rules: list[Rule] = field(default_factory=list)
    sc_rules: list[Rule] = field(default_factory=list)  # on the school number: an extra SC at the end
    position: int = 0
    carry: float = 0.0
    planted: list[Plant] = field(default_factory=list)
    pending: list[Rule] = field(default_factory=list)  # rules whose record type a school lacked
    failed: dict[str, int] = field(default_factory=dict)  # rule id -> candidates that did not break it
    worked: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        reg = registry()
        for r in reg.all():
            if r.id in NOT_PLANTABLE:
                continue
            if r.record_type == "DI":
                if r.check is not None and _eligible(r, self.period):
                    self.di_rules.append(r)
            elif r.id in FILE_ACTIONS:
                self.di_rules.append(r)
            elif r.id in LINE_ACTIONS:
                if r.check is None or self._breaks_line(r):
                    self.rules.append(r)
            elif r.check is None:
                continue
            elif _eligible(r, self.period):
                if r.record_type == "SC" and "school_number" in r.examples[0].breaks:
                    self.sc_rules.append(r)
                    continue
                self.rules.append(r)
        self.rules.sort(key=lambda r: r.id)
        self.rng = np.random.default_rng([self.seed, 0x5EED])
        if self.rules:
            self.position = int(self.rng.integers(len(self.rules)))

    def _localised(self, breaks: dict[str, str], code: str, block: Block) -> dict[str, str]:
        """An example is written against the specification's sample (LEA 14, school 790): where it gives
        those very numbers it means "this record's own LEA or school", in a synthetic file others."""
        if self.verifier is None:
            return dict(breaks)
        ctx = self.verifier.ctx
        kinds = {f.id: f.kind for f in ctx.spec.layout(code).fields}
        own = {Kind.LEA: (BASE["SC"]["lea_number"], ctx.lea_number),
               Kind.SCHOOL: (BASE["SC"]["school_number"], block.school.number)}
        out = {}
        for k, v in breaks.items():
            sample, mine = own.get(kinds.get(k), (None, v))  # type: ignore[arg-type]
            out[k] = mine if v == sample else v
        return out

    def trailing_sc(self, lea: str, line: int) -> bytes | None:
        """An extra SC after the last school carrying one school-number example (cycled by the seed)."""
        if not self.active or not self.sc_rules:
            return None
        r = sorted(self.sc_rules, key=lambda r: r.id)[int(self.rng.integers(len(self.sc_rules)))]
        self.planted.append(Plant(-1, 0, r.id, "SC", r.fields[0] if r.fields else None, line=line))
        return (record("SC", {"lea_number": lea, **r.examples[0].breaks}) + "\r\n").encode("ascii")

    def _breaks_line(self, r: Rule) -> bool:
        """A whole-line defect with a check (an ES line) is planted only where the line breaks its rule in
        this file's context (ES records are accepted in some updates)."""
        line = ES_LINE.encode("ascii")
        return self.verifier is not None and self.verifier.fires([(r.record_type, line, r, "")])[0]

    @property
    def active(self) -> bool:
        return self.rate > 0 and bool(self.rules)

    def file_plant(self, pick: int | None = None, di: Sheet | None = None) -> Plant | None:
        """The file's one whole-file defect: a DI example or a FILE action (`pick` cycles them; default:
        by the seed). Planting a DI context field stops record-level planting (see FILE_ACTIONS)."""
        if not self.rate or not self.di_rules:
            return None
        rules = sorted(self.di_rules, key=lambda r: r.id)
        if pick is None:  # one LEA's file: keep its record-level defects (no DI field the file is read by)
            rules = [r for r in rules if r.id in FILE_ACTIONS or not set(r.examples[0].breaks) & DI_CONTEXT]
        start = int(self.rng.integers(len(rules))) if pick is None else pick
        for step in range(len(rules)):  # the next one that breaks this file's DI
            r = rules[(start + step) % len(rules)]
            if r.id in FILE_ACTIONS or di is None or self.verifier is None:
                break
            if self.verifier.fires([("DI", di.overridden(0, r.examples[0].breaks), r, "")])[0]:
                break
        if r.id in FILE_ACTIONS:
            return Plant(-1, 0, r.id, "FILE", r.fields[0] if r.fields else None, {}, r.id)
        breaks = dict(r.examples[0].breaks)
        if set(breaks) & DI_CONTEXT:
            self.rules = []
        return Plant(-1, 0, r.id, "DI", r.fields[0] if r.fields else None, breaks)

    def plan(self, block: Block, plantable: dict[int, np.ndarray]) -> list[Plant]:
        """Defects for one school; `plantable[k]` marks the records of part k that may take one."""
        n = block.count()
        target = self.carry + self.rate * n
        k = int(target)
        self.carry = target - k
        if (k == 0 and not self.pending) or not self.rules:
            return []
        free: dict[str, list[tuple[int, np.ndarray]]] = {}
        for i, part in enumerate(block.parts):
            ok = plantable.get(i, np.ones(part.sheet.n, dtype=bool))
            rows = np.flatnonzero(ok)
            if rows.size:
                self.rng.shuffle(rows)
                free.setdefault(part.code, []).append((i, rows))
        used = {code: 0 for code in free}

        def room(code: str) -> bool:
            return used.get(code, 0) < sum(r.size for _, r in free.get(code, []))

        def take(rule: Rule) -> Plant | None:
            code = rule.record_type
            if code == "FILE" or rule.id in ES_LINE_RULES:  # a whole line replaced: any student-level record
                pool = [c for c in free if c not in ("DI", "SC") and room(c)]
                if not pool:
                    return None
                code = pool[int(self.rng.integers(len(pool)))]
            if not room(code):
                return None
            part_index, row = _nth(free[code], used[code])
            used[code] += 1
            ex = rule.examples[0] if rule.examples else None
            action, shown = LINE_ACTIONS.get(rule.id, ("", code))
            breaks = self._localised(ex.breaks, code, block) if ex and rule.check is not None else {}
            return Plant(part_index, row, rule.id, shown, rule.fields[0] if rule.fields else None, breaks, action)

        out: list[Plant] = []
        taken: list[Rule] = []
        for _attempt in range(4):
            batch: list[Plant] = []
            # rules whose record type was missing in earlier schools go first, then the cycle goes on
            # (beyond the school's share: their record types are rare, S3 or ES, and they would wait forever)
            for j in self.rng.permutation(len(self.pending)).tolist():  # no rule starves behind others
                rule = self.pending[j]
                got = take(rule)
                if got is not None:
                    batch.append(got)
                    taken.append(rule)
            for rule in taken:
                self.pending.remove(rule)
            taken.clear()
            steps = 0
            while len(out) + len(batch) < k and steps < len(self.rules):
                rule = self.rules[self.position % len(self.rules)]
                self.position += 1
                steps += 1
                if self.failed.get(rule.id, 0) >= 3 and rule.id not in self.worked:
                    continue
                got = take(rule)
                if got is None:
                    if rule not in self.pending:
                        self.pending.append(rule)
                    continue
                steps = 0
                batch.append(got)
            if not batch:
                break
            out.extend(self._verified(block, batch))
            if len(out) >= k:
                break
        self.planted.extend(out)
        return out

    def _verified(self, block: Block, batch: list[Plant]) -> list[Plant]:
        if self.verifier is None:
            return batch
        reg = registry()
        checked = [p for p in batch if p.overrides]
        items = []
        for p in checked:
            body = block.parts[p.part].sheet.overridden(p.row, p.overrides)
            items.append((block.parts[p.part].code, body, reg.get(p.rule), block.school.number))
        ok = dict(zip(map(id, checked), self.verifier.fires(items), strict=True)) if items else {}
        kept = []
        for p in batch:
            if not p.overrides or ok[id(p)]:
                kept.append(p)
                self.worked.add(p.rule)
            else:
                self.failed[p.rule] = self.failed.get(p.rule, 0) + 1
        return kept

    def sidecar(self, file: str) -> dict[str, object]:
        """The sidecar: every planted defect, and the eligible rules whose example never broke a record
        of this file (they depend on a context the file does not have)."""
        return {
            "file": file,
            "defects": [{"line": p.line, "rule": p.rule, "field": p.field, "record_type": p.record_type}
                        for p in sorted(self.planted, key=lambda p: (p.line is None, p.line or 0))],
            "not_planted": sorted(r for r in self.failed if r not in self.worked),
        }
