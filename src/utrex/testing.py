"""Builds small Clearinghouse files from the base records and rule examples (tests, synth, docs).

`example_file(rule, "breaks")` renders DI, SC and one record of every school-level type, with the
rule's example overrides applied to the record of the rule's type, and says on which line it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .engine.rules.model import Example, FileExample, Rule
from .reference.model import Reference, load_reference
from .spec import spec_for
from .spec.render import render
from .spec.samples_2013 import BASE, PERIOD_AS_OF, PERIOD_MONTH

DEFAULT_BODY = ("S1", "S2", "AC", "AM", "I1", "I2")


def apply_overrides(line: str, overrides: Mapping[str, str]) -> str:
    """Special keys: __truncate__ cuts N characters off the end, __append__ appends text."""
    if "__truncate__" in overrides:
        line = line[: int(overrides["__truncate__"])]
    if "__append__" in overrides:
        line = line + overrides["__append__"]
    return line


def record(code: str, overrides: Mapping[str, str] | None = None, school_year: int = 2013) -> str:
    overrides = dict(overrides or {})
    layout = spec_for(school_year).layout(code)
    values = {**BASE[code], **{k: v for k, v in overrides.items() if not k.startswith("__")}}
    return apply_overrides(render(layout, values), overrides)


def di_record(period: str = "october", overrides: Mapping[str, str] | None = None) -> str:
    base = {"which_month": PERIOD_MONTH[period], "sisasofdate": PERIOD_AS_OF[period]}
    return record("DI", {**base, **(overrides or {})})


@dataclass
class Built:
    text: str
    target_line: int | None
    period: str
    as_of: str | None
    reference: Reference | None = None


BASE_SSIDS = {"1234567": ({"14"}, True), "2345678": ({"14"}, True), "3456789": ({"14"}, False)}


def example_reference(name: str | None) -> Reference | None:
    """The reference an example names: None is the shipped sample (loaded by the validator)."""
    if name is None:
        return None
    if name == "ssids":
        ref = load_reference(None)
        ref.ssids = {k: (set(v[0]), v[1]) for k, v in BASE_SSIDS.items()}
        ref.notes = []
        return ref
    raise KeyError(f"unknown example reference {name!r}")


def build(body: Sequence[tuple[str, Mapping[str, str]]], period: str = "october",
          di: Mapping[str, str] | None = None, sc: Mapping[str, str] | None = None) -> str:
    lines = [di_record(period, di), record("SC", sc)]
    lines += [record(code, ov) for code, ov in body]
    return "\r\n".join(lines) + "\r\n"


def example_file(rule: Rule, which: str = "breaks", example: Example | None = None) -> Built:
    ex = example or rule.examples[0]
    period = ex.period or "october"
    as_of = ex.as_of
    if which == "passes":
        period = ex.passes_period or period
        as_of = ex.passes_as_of or as_of
    target_type = rule.record_type
    overrides = ex.breaks if which == "breaks" else ex.passes
    lines = [di_record(period, ex.di), record("SC", ex.sc)]
    target_line: int | None = None
    if target_type == "DI":
        lines[0] = apply_overrides(di_record(period, {**ex.di, **overrides}), overrides)
        target_line = 1
    elif target_type == "SC":
        lines[1] = apply_overrides(record("SC", {**ex.sc, **overrides}), overrides)
        target_line = 2
    body = list(DEFAULT_BODY)
    if target_type in ("S3", "ES") or target_type not in body and target_type not in ("DI", "SC", "FILE"):
        body.append(target_type)
    if target_type == "FILE":
        target_type = "S1"
    for code in body:
        if code == target_type:
            lines.append(record(code, overrides))
            target_line = len(lines)
        else:
            lines.append(record(code))
    return Built("\r\n".join(lines) + "\r\n", target_line, period, as_of, example_reference(ex.reference))


def file_example(ex: FileExample, which: str = "breaks") -> Built:
    """The file of a Level 2 example: DI, SC and the example's body records."""
    period = ex.period or "october"
    body = ex.breaks if which == "breaks" else ex.passes
    return Built(build(body, period, ex.di, ex.sc), ex.line if which == "breaks" else None, period, ex.as_of,
                 example_reference(ex.reference))
