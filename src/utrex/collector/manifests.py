"""Manifests: what a scheduled collection collects, as data, and the check that a collected file carries it.

A manifest names the record types it collects, the ones a file must hold, and fields that must not be
blank on some records (for the 2012-13 eTranscript manifest: the AM grade and credit fields of students
in grades 9-12). The check reads the file in blocks (engine/reader.py) and works on columns: a
manifest finding counts the records at fault and quotes the first lines, never one finding per record.

Severities: `fatal` — the file is not a collection of this manifest (no DI, no S1): the run fails and
nothing is submitted; `error` — records lack fields the manifest requires: the run goes on (the
person sees the findings) but "submit only if error-free" does not submit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..engine.reader import iter_blocks
from ..spec import spec_for

CLEARINGHOUSE_TYPES = ("DI", "SC", "S1", "S2", "S3", "AC", "AM", "I1", "I2", "ES")
HIGH_SCHOOL_GRADES = ("09", "10", "11", "12")
SAMPLE_LINES = 5


@dataclass(frozen=True)
class FieldRequirement:
    """Fields of a record type that must not be blank; `grades`: only on records of students (by the S1
    with the same student number) in these grade levels."""

    record_type: str
    fields: tuple[str, ...]
    grades: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Manifest:
    key: str
    title: str
    record_types: tuple[str, ...]  # what it collects
    required_types: tuple[str, ...]  # a file without one of these is not this manifest's collection
    fields: tuple[FieldRequirement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "record_types": list(self.record_types),
                "required_types": list(self.required_types),
                "fields": [{"record_type": f.record_type, "fields": list(f.fields), "grades": list(f.grades),
                            "why": f.why} for f in self.fields]}


CLEARINGHOUSE = Manifest("clearinghouse", "Clearinghouse", CLEARINGHOUSE_TYPES, ("DI", "S1"))
ETRANSCRIPT = Manifest(
    "clearinghouse-etranscript", "Clearinghouse and eTranscript", CLEARINGHOUSE_TYPES, ("DI", "S1", "AM"),
    (FieldRequirement("AM", ("credits_attempted", "grade_earned", "credit_earned"), HIGH_SCHOOL_GRADES,
                      "a transcript shows each high-school course's grade and credits"),),
)
MANIFESTS: dict[str, Manifest] = {m.key: m for m in (CLEARINGHOUSE, ETRANSCRIPT)}


class ManifestError(ValueError):
    pass


def manifest(key: str) -> Manifest:
    """A manifest by key or title (case-insensitive)."""
    k = key.strip().lower()
    for m in MANIFESTS.values():
        if k in (m.key, m.title.lower()):
            return m
    raise ManifestError(f"no manifest {key!r}; known: {', '.join(MANIFESTS)}")


@dataclass
class ManifestCheck:
    manifest: Manifest
    findings: list[dict[str, Any]] = field(default_factory=list)  # rule, severity, record_type, count, message

    @property
    def fatal(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] == "fatal"]

    @property
    def errors(self) -> int:
        """Records at fault (fatal findings count one each)."""
        return sum(int(f["count"]) for f in self.findings)

    def summary(self) -> str:
        return "; ".join(f["message"] for f in self.findings) or f"carries what {self.manifest.title} requires"


def _lines(path: Path, school_year: int | None, types: set[str]) -> pl.DataFrame:
    """line, record_type, text of the records of `types` (one frame; the file is read in blocks)."""
    codes = spec_for(school_year).codes
    parts = []
    for block in iter_blocks(path, codes):
        frame = pl.DataFrame({"line": block.line, "type_index": block.type_index.astype("int32"),
                              "text": pl.Series("text", block.text, dtype=pl.Utf8)})
        frame = frame.with_columns(pl.col("type_index").replace_strict(
            list(range(len(codes))), codes, default=None, return_dtype=pl.Utf8).alias("record_type"))
        parts.append(frame.filter(pl.col("record_type").is_in(list(types))).select("line", "record_type", "text"))
    return pl.concat(parts) if parts else pl.DataFrame(schema={"line": pl.Int64, "record_type": pl.Utf8,
                                                               "text": pl.Utf8})


def check(path: str | Path, m: Manifest, school_year: int | None = None) -> ManifestCheck:
    """What the file at `path` lacks of manifest `m` (an empty findings list: it carries everything)."""
    spec = spec_for(school_year)
    needed = set(m.required_types) | {r.record_type for r in m.fields} | ({"S1"} if m.fields else set())
    lines = _lines(Path(path), school_year, needed)
    present = lines.group_by("record_type").len()
    have = dict(zip(present["record_type"].to_list(), present["len"].to_list(), strict=True))
    out = ManifestCheck(m)
    for rt in m.required_types:
        if not have.get(rt):
            out.findings.append({"rule": f"manifest.{rt}", "severity": "fatal", "record_type": rt, "count": 1,
                                 "lines": [], "message": f"the file has no {rt} record ({spec.layout(rt).name}); the "
                                                         f"{m.title} manifest requires one"})
    for req in m.fields:
        layout = spec.layout(req.record_type)
        recs = lines.filter(pl.col("record_type") == req.record_type)
        sn = layout.field("student_number") if req.grades else None
        if req.grades and sn is not None:
            s1 = spec.layout("S1")
            g, n = s1.field("grade_level"), s1.field("student_number")
            students = (lines.filter(pl.col("record_type") == "S1")
                        .select(pl.col("text").str.slice(n.offset, n.width).str.strip_chars().alias("sn"),
                                pl.col("text").str.slice(g.offset, g.width).alias("grade"))
                        .filter(pl.col("grade").is_in(list(req.grades))).select("sn").unique())
            recs = (recs.with_columns(pl.col("text").str.slice(sn.offset, sn.width).str.strip_chars().alias("sn"))
                    .join(students, on="sn", how="semi"))
        for fid in req.fields:
            f = layout.field(fid)
            blank = recs.filter(pl.col("text").str.slice(f.offset, f.width).str.strip_chars() == "")
            if blank.height:
                where = f" of students in grades {req.grades[0]}-{req.grades[-1]}" if req.grades else ""
                sample = blank["line"].head(SAMPLE_LINES).to_list()
                out.findings.append({
                    "rule": f"manifest.{req.record_type}.{fid}", "severity": "error", "record_type": req.record_type,
                    "count": blank.height, "lines": sample,
                    "message": (f"{blank.height} {req.record_type} record(s){where} have a blank {f.name} (columns "
                                f"{f.offset + 1}-{f.offset + f.width}); the {m.title} manifest requires it"
                                + (f" ({req.why})" if req.why else "") + f"; first lines {', '.join(map(str, sample))}"),
                })
    return out
