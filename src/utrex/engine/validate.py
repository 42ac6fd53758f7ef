"""Validates one Clearinghouse file: reader -> parser -> rules, block by block, in bounded memory.

Raises UnreadableInput only when nothing can be read as a Clearinghouse file; everything else becomes
findings. The result carries the findings frame and a summary; the exit status follows from them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..reference.model import Reference, load_reference
from ..spec import Period, RecordLayout, Specification, spec_for
from ..spec.render import parse_line
from . import findings as fnd
from .context import Context
from .level2 import run_level2
from .outcome import held_counts, holding, piecemeal, records
from .parser import Parser
from .reader import DEFAULT_BLOCK_BYTES, UnreadableInput, iter_blocks, open_checked, prefetched, sniff
from .rules import registry
from .rules.common import PERIOD_WORDS
from .rules.model import Level, Rule
from .runner import RuleRunner
from .tables import RecordStore, Tables

HEAD_BYTES = 1 << 20
PERIOD_CHOICES = [p.value for p in Period]


@dataclass
class Options:
    period: Period | None = None
    as_of: dt.date | None = None
    reference: Reference | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    block_bytes: int = DEFAULT_BLOCK_BYTES
    levels: tuple[int, ...] = (1, 2)  # Level 2 needs the whole file; (1,) reads one block at a time only
    # receives the per-record outcome (line, record_type, record_key, status, held_by) as a lazy frame,
    # while the spilled records it reads still exist (the ODS loads accepted records through this)
    outcome: Callable[[pl.LazyFrame], None] | None = None
    progress: Callable[[int, int], None] | None = None  # (bytes done, total bytes)


@dataclass
class Result:
    findings: pl.DataFrame
    summary: dict[str, Any]
    context: Context
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return int(self.summary["errors"])

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


@dataclass
class Header:
    di_line: int
    di: dict[str, str]
    after_di: str | None  # the record id of the line after the DI
    first_line_id: str
    cr_only: bool = False  # no LF at all: CR alone ends each line


def read_header(path: Path) -> Header:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    sniff(head, path)
    text = head.decode("ascii", errors="replace")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    complete = lines if len(head) < HEAD_BYTES else lines[:-1]
    for i, line in enumerate(complete):
        if line.startswith("DI="):
            spec = spec_for(None)
            di = parse_line(spec.layout("DI"), line)
            after = complete[i + 1][:3] if i + 1 < len(complete) else None
            return Header(i + 1, di, after, complete[0][:3], b"\n" not in head and b"\r" in head)
    raise UnreadableInput(
        f"{path}: no DI record (a line starting 'DI=') in the first {len(complete):,} lines; "
        "this is not a Clearinghouse file"
    )


def _school_year(di: dict[str, str], notes: list[str], as_of: dt.date | None) -> int:
    sy = di.get("school_year", "").strip()
    if sy.isdigit() and 1990 <= int(sy) <= 2100:
        return int(sy)
    fallback = as_of or dt.date.today()
    year = fallback.year + 1 if fallback.month >= 7 else fallback.year
    notes.append(f"the DI's school year '{sy}' is not a year; dates were checked against school year {year}")
    return year


def _as_of(di: dict[str, str], notes: list[str]) -> dt.date:
    raw = di.get("sisasofdate", "")
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        notes.append(f"the DI's SISASOFDATE '{raw.strip()}' is not a date; 'today' is the date of the run")
        return dt.date.today()


def select_rules(rules: Iterable[Rule], select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Rule]:
    """Rules chosen by id, id prefix (`S1.`, `S1.gender`) or tag; computed once per run."""

    def matches(rule: Rule, pattern: str) -> bool:
        return rule.id == pattern or rule.id.startswith(pattern.rstrip(".") + ".") or pattern in rule.tags \
            or rule.record_type == pattern

    out = []
    for r in rules:
        if select and not any(matches(r, p) for p in select):
            continue
        if any(matches(r, p) for p in ignore):
            continue
        out.append(r)
    return out


def build_context(header: Header, options: Options) -> tuple[Context, Specification]:
    notes: list[str] = []
    as_of = options.as_of or _as_of(header.di, notes)
    school_year = _school_year(header.di, notes, as_of)
    spec = spec_for(school_year)
    if spec.school_year != school_year:
        notes.append(f"no specification for school year {school_year}; the {spec.title} layout was used")
    period = options.period
    if period is None:
        month = header.di.get("which_month", "").strip()
        period = spec.which_month.get(month)
        if period is None:
            period = Period.MONTHLY
            notes.append(f"WHICH MONTH '{month}' is not a known update; it was validated as a monthly update")
    reference = options.reference or load_reference(None)
    notes.extend(reference.notes)
    lea = header.di.get("lea_number", "").strip()
    ctx = Context(spec=spec, school_year=school_year, period=period, as_of=as_of, lea_number=lea,
                  reference=reference, notes=notes)
    return ctx, spec


def _slice(layout: RecordLayout, field_id: str) -> pl.Expr:
    f = layout.field(field_id)
    return pl.col("_text").str.slice(f.offset, f.width)


def validate_file(path: str | Path, options: Options | None = None) -> Result:
    options = options or Options()
    with RecordStore() as store, ExitStack() as cleanup:  # the store's files, the reader's thread
        return _validate(Path(path), options, store, cleanup)


def _validate(path: Path, options: Options, store: RecordStore, cleanup: ExitStack) -> Result:
    started = time.perf_counter()
    path = Path(path)
    size = open_checked(path)
    header = read_header(path)
    ctx, spec = build_context(header, options)
    reg = registry()
    chosen = select_rules(reg.all(), options.select, options.ignore)
    chosen_ids = {r.id for r in chosen}
    level1 = [r for r in chosen if r.level == Level.ONE and 1 in options.levels]
    level2 = [r for r in chosen if r.level == Level.TWO and 2 in options.levels]
    file_rules = [r for r in level1 if r.record_type == "FILE" and r.check is not None]
    by_type: dict[str, list[Rule]] = {}
    for r in level1:
        if r.record_type != "FILE":
            by_type.setdefault(r.record_type, []).append(r)
    meta = {r.id: {"severity": r.severity.value} for r in reg.all()}
    parser = Parser(spec, ctx.lea_number, header.di_line, meta)
    # parsing runs on the reader's thread, one block ahead of the rules (both mostly release the GIL); it
    # starts now, so the first blocks are read while the rules are compiled and Level 2 is planned
    blocks = iter_blocks(path, spec.codes, options.block_bytes, prefetch=False)
    parsed_blocks = cleanup.enter_context(prefetched((b, parser.parse_block(b)) for b in blocks))
    runner = RuleRunner(spec, ctx, by_type, file_rules)
    tables = Tables(spec, store, runner)
    # Level 2 and the piecemeal outcome need every record's keys; Level 1 alone streams in bounded memory
    whole_file = bool(level2) or options.outcome is not None
    if whole_file:  # the typed columns Level 2 will read, found while the first blocks' Level 1 runs
        tables.plan_in_background([r for r in level2 if r.check2 is not None], ctx)
    early: list[dict[str, pl.DataFrame]] = []  # blocks whose rules ran before that: kept once it is done

    s1_layout = spec.layout("S1")
    found: list[pl.DataFrame] = []
    s1_keys: list[pl.DataFrame] = []
    done = 0
    lf_only = 0
    first_lf_only: int | None = None
    unterminated: int | None = None
    for block, parsed in parsed_blocks:
        done += block.nbytes
        lf_only += block.lf_only
        if first_lf_only is None:
            first_lf_only = block.first_lf_only
        unterminated = block.unterminated_line or unterminated
        found.append(parsed.findings)
        if whole_file and tables.planned():
            for frames in early:  # in file order, ahead of this block
                store.add(runner.keep(frames, tables.needs))
            early = []
            block_findings, kept = runner.run_and_keep(parsed.frames, tables.needs)
            store.add(kept)
        else:
            block_findings, _ = runner.run_and_keep(parsed.frames, {})
            if whole_file:
                early.append(parsed.frames)
        found.append(block_findings)
        for code, frame in parsed.frames.items():
            if code == "S1":
                s1_keys.append(frame.select(
                    *[_slice(s1_layout, f).str.strip_chars(" ").alias(a)
                      for f, a in (("school_number", "school"), ("student_number", "student_number"), ("ssid", "_ssid"))]))
        if options.progress:
            options.progress(done, size)

    for frames in early:  # the file ended before Level 2 was planned
        store.add(runner.keep(frames, tables.needs))
    found.append(runner.flush())
    rows: list[dict[str, Any]] = []

    def add(rule_id: str, **kw: Any) -> None:
        if rule_id in chosen_ids:
            rows.append({"rule": rule_id, "level": 1, "severity": reg.get(rule_id).severity.value,
                         "record_type": "FILE", "lea": ctx.lea_number, **kw})

    if header.di_line != 1:
        add("FILE.di_first", line=1, fields=["record_id"], values={"record_id": header.first_line_id},
            message=f"The first record must be the DI record; line 1 holds '{header.first_line_id}' and the DI "
                    f"is on line {header.di_line}")
    if header.after_di is not None and header.after_di != "SC=":
        add("FILE.sc_after_di", line=header.di_line + 1, fields=["record_id"], values={"record_id": header.after_di},
            message=f"The record after the DI must be an SC record; line {header.di_line + 1} holds "
                    f"'{header.after_di}'")
    counts = parser.state.counts
    required = spec.required_record_types.get(ctx.period, ())
    for code in required:
        if counts.get(code, 0) == 0:
            add("FILE.required_record_type", line=None, record_type=code, fields=["record_id"],
                values={"record_id": f"{code}="},
                message=f"No {code} record: the {PERIOD_WORDS[ctx.period]} update must contain "
                        f"{', '.join(required)} records")
    if counts.get("I1", 0) and not counts.get("I2", 0):
        add("FILE.i1_without_i2", line=None, record_type="I2", fields=["record_id"], values={"record_id": "I2="},
            message=f"{counts['I1']} I1 record(s) but no I2 record: every incident needs an I2 for each student involved")
    if lf_only:
        add("FILE.lf_terminator", line=first_lf_only,
            message=f"{lf_only:,} line(s) end with LF alone, the first on line {first_lf_only}; "
                    "each record should end with CR LF")
    if header.cr_only:
        add("FILE.lf_terminator", line=1,
            message="Lines end with CR alone (no LF); they were read as records, but each record should end with CR LF")
    if unterminated is not None:
        add("FILE.missing_terminator", line=unterminated,
            message=f"The last line ({unterminated}) has no terminator; each record should end with CR LF")
    found.append(fnd.from_rows(rows))
    if level2:
        found.append(run_level2(level2, tables, ctx))

    findings = fnd.concat(found)
    oc: dict[str, dict[str, int]] | None = None
    if whole_file:
        if options.outcome is not None:
            options.outcome(piecemeal(tables, findings))
        if holding(findings).height:
            oc = held_counts(tables, findings)
        else:  # no error finding holds a record: every record is accepted, and the counts are the parser's
            oc = {"accepted": {k: v for k, v in counts.items() if v}, "held": {}}
        if findings.height:  # structure findings name the record on their line
            lines = findings.select("line").drop_nulls().unique()
            keys = (records(tables, lines.lazy()).select("line", pl.col("record_key").alias("_rk"))
                    .collect(engine="streaming"))
            findings = (findings.join(keys, on="line", how="left")
                        .with_columns(pl.coalesce("record_key", "_rk").alias("record_key")).drop("_rk"))
    if findings.height:  # the rest name the file, and the line when there is one
        findings = findings.with_columns(pl.coalesce("record_key", pl.concat_str(
            [pl.col("lea").fill_null(ctx.lea_number), pl.lit("FILE"), pl.col("rule"),
             pl.col("line").cast(pl.Utf8).fill_null("")], separator="|")).alias("record_key"))
    if s1_keys and findings.height:
        keys = pl.concat(s1_keys).unique(subset=["school", "student_number"], keep="first")
        findings = (findings.join(keys, on=["school", "student_number"], how="left")
                    .with_columns(pl.coalesce("ssid", "_ssid").alias("ssid")).drop("_ssid"))
    findings = fnd.conform(findings).sort(["line", "rule"], nulls_last=False)

    by_rule = (findings.group_by("rule", "severity").len().sort("rule").to_dicts() if findings.height else [])
    errors = int((findings["severity"] == "error").sum()) if findings.height else 0
    warnings = int((findings["severity"] == "warning").sum()) if findings.height else 0
    summary: dict[str, Any] = {
        "file": str(path),
        "bytes": size,
        "lines": parser.state.lines,
        "records": sum(counts.values()),
        "records_by_type": {k: v for k, v in counts.items() if v},
        "errors": errors,
        "warnings": warnings,
        "findings_by_rule": {d["rule"]: {"severity": d["severity"], "count": d["len"]} for d in by_rule},
        "lea": ctx.lea_number,
        "school_year": ctx.school_year,
        "period": ctx.period.value,
        "as_of": ctx.as_of.isoformat(),
        "specification": spec.title,
        "reference": ctx.reference.source,
        "rules_run": len(level1) + len(level2),
        "levels": list(options.levels),
        # the piecemeal outcome needs the whole file: not computed by a Level 1 only run
        "accepted_by_type": oc["accepted"] if oc else None,
        "held_by_type": oc["held"] if oc else None,
        "accepted": sum(oc["accepted"].values()) if oc else None,
        "held": sum(oc["held"].values()) if oc else None,
        "notes": list(ctx.notes),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Result(findings, summary, ctx)
