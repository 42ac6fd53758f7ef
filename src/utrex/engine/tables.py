"""The records of a whole file, for Level 2 and the piecemeal outcome, in bounded memory.

Level 1 reads a block at a time; Level 2 compares records across the file (a student's S1 and S2, an AM
and its AC). Level 1 keeps, of each block, only the typed
columns some Level 2 rule reads (see `Tables.plan`); the store holds them, spilling to disk when they grow
large, and Level 2 rules read them as lazy frames.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from ..spec import Specification
from .context import Context
from .parser import PARSED_SCHEMA
from .rules.model import Rule
from .runner import PLACEHOLDER, RuleRunner

STORE_SCHEMA = PARSED_SCHEMA  # a parsed block


class RecordStore:
    """The typed columns Level 2 needs of every record, by type: in memory while they are small (most LEA
    files), spilled to Arrow IPC files in a private temporary folder once they pass `memory_bytes`
    (a statewide or multi-gigabyte file). Use as a context manager, or call close(): the files hold
    student data and are deleted when the run ends."""

    def __init__(self, memory_bytes: int = 768 << 20, directory: str | Path | None = None) -> None:
        self.memory_bytes = memory_bytes
        self.directory = directory
        self.root: Path | None = None
        self._frames: dict[str, list[pl.DataFrame]] = {}
        self._files: dict[str, list[Path]] = {}
        self._held = 0
        self._spills = 0

    def add(self, frames: Mapping[str, pl.DataFrame]) -> None:
        for code, frame in frames.items():
            if frame.height:
                self._frames.setdefault(code, []).append(frame)
                self._held += frame.estimated_size()
        if self._held > self.memory_bytes:
            self._spill()

    def _spill(self) -> None:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="utrex-records-", dir=self.directory))
            self.root.chmod(0o700)
        for code, frames in self._frames.items():
            for frame in frames:
                self._spills += 1
                path = self.root / f"{code}-{self._spills:06d}.arrow"
                frame.write_ipc(path, compression="lz4")
                self._files.setdefault(code, []).append(path)
        self._frames = {}
        self._held = 0

    @property
    def spilled(self) -> bool:
        return self.root is not None

    def scan(self, code: str) -> pl.LazyFrame | None:
        parts = [pl.scan_ipc(f) for f in self._files.get(code, [])]
        parts += [f.lazy() for f in self._frames.get(code, [])]
        if not parts:
            return None
        return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]

    def codes(self) -> list[str]:
        return [c for c in {*self._files, *self._frames} if self._files.get(c) or self._frames.get(c)]

    def close(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        self._files = {}
        self._frames = {}

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# kept of every record; its record key (`runner.record_key`) is not kept but made from these and the layout's
# key fields where a finding or the outcome needs it: building it for every record was a tenth of Level 2
BASE_COLUMNS = ("_line", "_k_lea", "_k_school", "_k_student", "_k_ssid")
# what the piecemeal outcome reads besides the base columns
OUTCOME_FIELDS = {"AC": {"course_section", "period"}, "AM": {"course_number", "period"},
                  "I1": {"incident_id"}, "I2": {"incident_id"}}


class Tables:
    """Typed frames of every record of the file, by record type, for Level 2 rules and the outcome.

    Before Level 1 starts, `plan` finds the columns some Level 2 rule reads (by planning every rule
    against empty frames and reading the projections Polars pushes down to them). Level 1 then keeps
    exactly those typed columns of each block (sliced once, in the same pass as its own rules) and the
    store spills them; a type is read back once, on first use, and shared by every rule. Holding those
    columns of every record is the part of a run whose memory grows with the file."""

    def __init__(self, spec: Specification, store: RecordStore, runner: RuleRunner) -> None:
        self.spec = spec
        self.store = store
        self.runner = runner
        self._typed: dict[str, pl.DataFrame] = {}
        self._needs: dict[str, set[str]] | None = None
        self._probing = False
        self._planner: threading.Thread | None = None
        self._plan_error: BaseException | None = None

    def plan(self, rules: Iterable[Rule], ctx: Context) -> None:
        """Find the columns each type must hold for these rules (on empty frames: no data is read):
        what their checks read, plus the fields and message placeholders of their findings.

        Each check runs once over empty frames that record the columns Polars asks of them after its
        optimizer has pushed the projections down (the columns a plan reads at its leaves), selecting of
        its result only what a finding shows."""
        self._probing = True
        self._seen = {}
        self._empty: dict[str, pl.DataFrame] = {}
        needs: dict[str, set[str]] = {code: set(BASE_COLUMNS) | OUTCOME_FIELDS.get(code, set())
                                      | set(self.spec.layout(code).key) for code in self.spec.codes}
        probes = []
        try:
            for rule in rules:
                assert rule.check2 is not None
                if rule.record_type in needs:
                    needs[rule.record_type] |= _shown(rule)
                probes.append(shown_columns(rule, rule.check2(self, ctx), self.spec))
            pl.collect_all(probes, engine="in-memory")  # the default engine takes 6x longer on these empty probes
        finally:
            self._probing = False
            self._empty = {}
        for code, columns in self._seen.items():
            needs.setdefault(code, set(BASE_COLUMNS)).update(columns)
        self._needs = needs

    def plan_in_background(self, rules: Iterable[Rule], ctx: Context) -> None:
        """`plan` on a thread of its own, so that the first blocks' Level 1 runs meanwhile (`planned` says
        when it is done; `needs` waits for it and raises what it raised)."""
        rules = list(rules)

        def work() -> None:
            try:
                self.plan(rules, ctx)
            except BaseException as e:  # raised by `needs` in the caller
                self._plan_error = e

        self._planner = threading.Thread(target=work, name="utrex-plan", daemon=True)
        self._planner.start()

    def planned(self) -> bool:
        return self._planner is None or not self._planner.is_alive()

    @property
    def needs(self) -> dict[str, set[str]]:
        """Typed columns to keep of each type (after `plan`): what Level 1 hands to the store."""
        if self._planner is not None:
            self._planner.join()
            self._planner = None
        if self._plan_error is not None:
            raise self._plan_error
        assert self._needs is not None, "plan() first"
        return self._needs

    def get(self, code: str) -> pl.LazyFrame:
        if self._probing:
            if code not in self._empty:  # every field sliced and typed, no row: prepared once per type
                self._empty[code] = self.runner.prepare(code, pl.LazyFrame(schema=STORE_SCHEMA)).collect()
            return _recording(self._empty[code], self._seen.setdefault(code, set()))
        if code not in self._typed:
            frame = self.store.scan(code)
            if frame is None:  # no record of this type: an empty frame of the typed columns
                empty = self.runner.prepare(code, pl.LazyFrame(schema=STORE_SCHEMA))
                names = [c for c in empty.collect_schema().names() if c in self.needs[code]]
                frame = empty.select(names)
            self._typed[code] = frame.collect()
        return self._typed[code].lazy()

    def release(self) -> None:
        self._typed = {}

    def has(self, code: str) -> bool:
        return self.store.scan(code) is not None


def _shown(rule: Rule) -> set[str]:
    return set(rule.fields) | set(PLACEHOLDER.findall(rule.message))


def shown_columns(rule: Rule, found: pl.LazyFrame, spec: Specification) -> pl.LazyFrame:
    """The columns of a Level 2 rule's rows that its findings show (`runner.finding_plan`): its fields, the
    placeholders of its message and what makes the record's key. Nothing else is read or carried through
    its joins."""
    shown = _shown(rule) | set(BASE_COLUMNS)
    if rule.record_type in spec.codes:
        shown |= set(spec.layout(rule.record_type).key)
    return found.select([c for c in found.collect_schema().names() if c in shown])


def _recording(empty: pl.DataFrame, seen: set[str]) -> pl.LazyFrame:
    """An empty lazy source with the columns of `empty` that adds to `seen` the columns a query reads of it."""

    def source(with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None,
               batch_size: int | None) -> Iterator[pl.DataFrame]:
        seen.update(with_columns if with_columns is not None else empty.columns)
        yield empty.select(with_columns) if with_columns is not None else empty

    return register_io_source(source, schema=empty.schema)
