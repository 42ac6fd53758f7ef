"""What the report writers share: rule metadata, record families, and values pulled out of findings.

Findings carry the offending values as JSON text ({field id: value as found}); the columns a
coordinator filters on (entry date, incident id, course) are pulled out with vectorised JSON paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl

from ..engine.rules import registry
from ..spec import spec_for

# Sheets of the state's error download, in its order, and the record types each one holds.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Student", ("FILE", "DI", "SC", "S1")),
    ("Special Ed", ("S2",)),
    ("Youth in Custody", ("S3",)),
    ("Course", ("AC",)),
    ("Student Transcript", ("AM",)),
    ("Incident", ("I1", "I2")),
    ("Exit Status", ("ES",)),
)
LEVEL2_SHEET = "Level 2 Errors"
FAMILY_OF: dict[str, str] = {code: name for name, codes in FAMILIES for code in codes}

# The fields that say which record a finding is about, by what they mean.
ENTRY_DATE_FIELDS = ("entry_date", "scram_entry_date", "yic_entry_date", "course_entry_date")
COURSE_FIELDS = ("course_section", "course_number")
PERIOD_FIELDS = ("period",)
INCIDENT_FIELDS = ("incident_id",)


def severity_word(severity: str | None) -> str:
    """'error' -> 'Error', as the state's download writes it."""
    return (severity or "").capitalize()


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    message: str
    description: str
    citation: str
    severity: str
    fields: tuple[str, ...]
    record_type: str
    level: int

    @property
    def extended(self) -> str:
        """One line for the ExtendedDescription column: what the rule checks and where the spec says so."""
        text = self.description or self.title
        parts = [p for p in (text.rstrip(". "), f"Specification: {self.citation}" if self.citation else "") if p]
        return ". ".join(parts)


@lru_cache(maxsize=4096)
def rule_info(rule_id: str) -> RuleInfo:
    """Metadata of a rule; a rule the catalogue does not know (an older report) gets a bare record."""
    reg = registry()
    if rule_id in reg:
        r = reg.get(rule_id)
        return RuleInfo(r.id, r.title or r.id, r.message, r.description, r.citation, r.severity.value,
                        tuple(r.fields), r.record_type, int(r.level))
    return RuleInfo(rule_id, rule_id, "", "", "", "", (), rule_id.split(".", 1)[0], 0)


def spec_field(record_type: str, field_id: str, school_year: int | None = None) -> dict[str, Any] | None:
    """The specification's declaration of a field, for the explanation of a rule (None if unknown)."""
    spec = spec_for(school_year)
    if record_type not in spec.codes:
        return None
    layout = spec.layout(record_type)
    if not layout.has(field_id):
        return None
    f = layout.field(field_id)
    return {
        "anchor": f"spec-{record_type}-{field_id}",
        "section": layout.section,
        "record": f"{layout.name} ({layout.code})",
        "name": f.name,
        "columns": f"{f.start}-{f.end}" if f.end != f.start else str(f.start),
        "width": f.width,
        "kind": f.kind.value,
        "requirement": f.requirement() + (f"; {f.condition}" if f.condition else ""),
        "codes": f.codes.describe() if f.codes else "",
        "description": f.description,
    }


def first_value(names: tuple[str, ...]) -> pl.Expr:
    """The first of these fields present in a finding's values, trimmed; null when none is."""
    return pl.coalesce([
        pl.col("values").str.json_path_match(f"$.{name}").str.strip_chars(" ") for name in names
    ])


def with_record_columns(findings: pl.DataFrame) -> pl.DataFrame:
    """Adds _entry_date, _incident_id, _course and _period pulled from the values (vectorised)."""
    if findings.height == 0:
        return findings.with_columns(
            *[pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("_entry_date", "_incident_id", "_course", "_period")])
    vals = pl.col("values").fill_null("{}")
    return findings.with_columns(vals.alias("values")).with_columns(
        first_value(ENTRY_DATE_FIELDS).alias("_entry_date"),
        first_value(INCIDENT_FIELDS).alias("_incident_id"),
        first_value(COURSE_FIELDS).alias("_course"),
        first_value(PERIOD_FIELDS).alias("_period"),
    )


def values_text(values: str | dict[str, Any] | None, fields: list[str] | None = None) -> str:
    """`field='value'; ...` in the rule's field order, values as found (trailing blanks trimmed)."""
    if isinstance(values, str):
        try:
            values = json.loads(values) if values else {}
        except ValueError:
            return values
    values = values or {}
    order = [f for f in (fields or []) if f in values] + [f for f in values if f not in (fields or [])]
    return "; ".join(f"{f}='{str(values[f]).rstrip(' ') if values[f] is not None else ''}'" for f in order)


def findings_from_json(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The findings frame of a validation JSON report (keeps `record_key` when the report has one)."""
    from ..engine import findings as fnd

    df = fnd.from_rows(rows)
    if any("record_key" in r for r in rows):
        df = df.with_columns(pl.Series("record_key", [_key_text(r.get("record_key")) for r in rows],
                                       dtype=pl.Utf8))
    return df


def _key_text(key: Any) -> str | None:
    if key is None or isinstance(key, str):
        return key
    return json.dumps(key, sort_keys=True)
