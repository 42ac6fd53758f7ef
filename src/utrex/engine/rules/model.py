"""What a rule is: a declaration with a stable id, its metadata, and a violation expression.

A rule never knows about output formats. `check(ctx)` returns a Polars expression over the columns of
one record type's frame that is true where a record VIOLATES the rule; the engine evaluates every rule
of a record type in one pass, then renders findings only for the rows that failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ..context import Context
    from ..tables import Tables


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Level(IntEnum):
    ONE = 1  # one record at a time
    TWO = 2  # across records of a submission, and across LEAs


@dataclass(frozen=True)
class Example:
    """A record that breaks the rule and one that passes, as field overrides of the type's base record.

    Tests run every example; `utrex synth --defects` injects `breaks` to plant a known defect. `period`
    sets the update period the example needs; `di` overrides fields of the DI record; `sc` those of the
    SC record."""

    breaks: Mapping[str, str]
    passes: Mapping[str, str] = field(default_factory=dict)
    period: str | None = None
    di: Mapping[str, str] = field(default_factory=dict)
    sc: Mapping[str, str] = field(default_factory=dict)
    as_of: str | None = None  # YYYY-MM-DD when the rule depends on "today"
    # "ssids": the sample reference plus an SSID list holding the base records' SSIDs (active, LEA 14),
    # for rules that only run when the SSID database is loaded
    reference: str | None = None
    # context-only rules (no field can fix them) pass under a different update than the one they break in
    passes_period: str | None = None
    passes_as_of: str | None = None


@dataclass(frozen=True)
class FileExample:
    """A Level 2 example: two small files, as body records after the DI and SC of the base sample.

    `breaks` must produce a finding of the rule on `line` (DI is line 1, the SC line 2, the first body
    record line 3); `passes` must produce none. A body entry ("SC", {...}) starts another school."""

    breaks: tuple[tuple[str, Mapping[str, str]], ...]
    passes: tuple[tuple[str, Mapping[str, str]], ...]
    line: int
    period: str | None = None
    di: Mapping[str, str] = field(default_factory=dict)
    sc: Mapping[str, str] = field(default_factory=dict)
    as_of: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    record_type: str  # "S1" ... or "FILE" for structure rules
    fields: tuple[str, ...]
    severity: Severity
    message: str  # template: {field_id} is the value as found (trailing blanks trimmed); {ctx_*} context values
    citation: str  # the specification's section
    check: Callable[[Context], pl.Expr] | None = None  # None: evaluated by the parser (structure rules)
    level: Level = Level.ONE
    title: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    # S1 records with resident status X carry only an exit update: only rules flagged here still apply.
    applies_to_resident_x: bool = False
    # Level 2: the records of `record_type` that violate the rule, as a lazy frame over `Tables` (the whole
    # file); it keeps the columns of `tables.get(record_type)` and may add columns its message names
    check2: Callable[[Tables, Context], pl.LazyFrame] | None = None
    file_examples: tuple[FileExample, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "level": int(self.level),
            "severity": self.severity.value,
            "record_type": self.record_type,
            "fields": list(self.fields),
            "title": self.title or self.id,
            "message": self.message,
            "description": self.description,
            "citation": self.citation,
            "tags": list(self.tags),
            "applies_to_resident_x": self.applies_to_resident_x,
        }


class RuleRegistry:
    """Rules by id, in declaration order; built-in rule modules register exactly like plug-ins would."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, *rules: Rule) -> None:
        for rule in rules:
            if rule.id in self._rules:
                raise ValueError(f"duplicate rule id {rule.id}")
            self._rules[rule.id] = rule

    def all(self) -> list[Rule]:
        return list(self._rules.values())

    def get(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def for_type(self, record_type: str, level: Level = Level.ONE) -> list[Rule]:
        return [r for r in self._rules.values() if r.record_type == record_type and r.level == level]
