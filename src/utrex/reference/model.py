"""State reference data (CACTUS and the SSID database, as CSV files) and their loading.

Files of a reference folder (header row; extra columns allowed):
- leas.csv: lea_number, name, lea_type (district|charter), migrant_allowed (Y|N)
- schools.csv: lea_number, school_number, name, grade_low, grade_high, charter_max_enrollment
  (blank unless a charter); optional school_type (regular|private|home|online|college|yic)
- core_codes.csv: core_code, title, active (Y|N), grade_low, grade_high
- ssids.csv (optional): ssid, lea_number, active (Y|N)
- languages.csv (optional): language_code, name; the package ships the state list
A malformed file raises ReferenceError naming the file, line and column: never a traceback.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

GRADE_ORDER = {"PK": -1, "-1": -1, **{f"{g:02d}": g for g in range(13)}}
SAMPLE = "sample"


class ReferenceError(Exception):
    """A reference file cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class Lea:
    number: str
    name: str
    lea_type: str
    migrant_allowed: bool


@dataclass(frozen=True)
class School:
    lea_number: str
    number: str
    name: str
    grade_low: int
    grade_high: int
    charter_max_enrollment: int | None
    school_type: str


@dataclass(frozen=True)
class CoreCode:
    code: str
    title: str
    active: bool
    grade_low: int
    grade_high: int


@dataclass
class Reference:
    source: str
    leas: dict[str, Lea]
    schools: dict[tuple[str, str], School]
    core_codes: dict[str, CoreCode]
    languages: dict[str, str]
    ssids: dict[str, tuple[set[str], bool]] | None = None  # ssid -> (LEAs with a location row, active)
    notes: list[str] = field(default_factory=list)

    # Derived lookups, computed once per run so rules do not recompute them per chunk.
    def school_keys(self) -> list[str]:
        return [lea + num for (lea, num) in self.schools]

    def active_ssid_locations(self) -> list[str]:
        """'ssid|lea' for every active SSID with a location row for that LEA."""
        if self.ssids is None:
            return []
        return [f"{s}|{lea}" for s, (leas, active) in self.ssids.items() if active for lea in leas]


def _rows(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ReferenceError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ReferenceError(f"{path}, line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x})") from None
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ReferenceError(f"{path}, line 1: empty file, expected a header row with {', '.join(required)}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ReferenceError(f"{path}, line 1: header lacks column(s) {', '.join(missing)} (found {', '.join(header)})")
    out = []
    for lineno, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ReferenceError(f"{path}, line {lineno}: {len(row)} columns where the header has {len(header)}")
        out.append((lineno, {h: cell.strip() for h, cell in zip(header, row, strict=True)}))
    return out


def _digits(path: Path, lineno: int, col: str, value: str, width: int) -> str:
    if not value.isdigit() or len(value) > width:
        raise ReferenceError(f"{path}, line {lineno}, column {col}: {value!r} is not a number of up to {width} digits")
    return value.zfill(width)


def _yn(path: Path, lineno: int, col: str, value: str) -> bool:
    if value.upper() not in ("Y", "N"):
        raise ReferenceError(f"{path}, line {lineno}, column {col}: {value!r} is not Y or N")
    return value.upper() == "Y"


def _grade(path: Path, lineno: int, col: str, value: str) -> int:
    v = value.upper()
    if v.isdigit() and len(v) == 1:
        v = "0" + v
    if v not in GRADE_ORDER:
        raise ReferenceError(f"{path}, line {lineno}, column {col}: {value!r} is not a grade (PK, 00-12)")
    return GRADE_ORDER[v]


def load_reference(folder: str | Path | None = None) -> Reference:
    """Load a reference folder; None loads the sample reference shipped with the package."""
    if folder is None:
        base = resources.files("utrex.reference") / "data" / SAMPLE
        with resources.as_file(base) as p:
            ref = _load(Path(p), "sample reference (shipped with utrex)")
        return ref
    path = Path(folder)
    if not path.is_dir():
        raise ReferenceError(f"{path}: reference folder not found")
    return _load(path, str(path))


def _load(path: Path, source: str) -> Reference:
    notes: list[str] = []
    leas: dict[str, Lea] = {}
    p = path / "leas.csv"
    if not p.exists():
        raise ReferenceError(f"{p}: missing (a reference folder needs leas.csv, schools.csv and core_codes.csv)")
    for ln, r in _rows(p, ["lea_number", "name", "lea_type", "migrant_allowed"]):
        num = _digits(p, ln, "lea_number", r["lea_number"], 2)
        kind = r["lea_type"].lower()
        if kind not in ("district", "charter"):
            raise ReferenceError(f"{p}, line {ln}, column lea_type: {r['lea_type']!r} is not district or charter")
        leas[num] = Lea(num, r["name"], kind, _yn(p, ln, "migrant_allowed", r["migrant_allowed"]))

    schools: dict[tuple[str, str], School] = {}
    p = path / "schools.csv"
    if not p.exists():
        raise ReferenceError(f"{p}: missing")
    for ln, r in _rows(p, ["lea_number", "school_number", "name", "grade_low", "grade_high", "charter_max_enrollment"]):
        lea = _digits(p, ln, "lea_number", r["lea_number"], 2)
        num = _digits(p, ln, "school_number", r["school_number"], 3)
        if lea not in leas:
            raise ReferenceError(f"{p}, line {ln}, column lea_number: LEA {lea} is not in leas.csv")
        cap = r.get("charter_max_enrollment", "")
        max_enr = int(_digits(p, ln, "charter_max_enrollment", cap, 7)) if cap else None
        lo, hi = _grade(p, ln, "grade_low", r["grade_low"]), _grade(p, ln, "grade_high", r["grade_high"])
        if lo > hi:
            raise ReferenceError(f"{p}, line {ln}, column grade_low: {r['grade_low']} is above grade_high {r['grade_high']}")
        stype = (r.get("school_type") or "").lower() or {"990": "home", "995": "private"}.get(num, "regular")
        schools[(lea, num)] = School(lea, num, r["name"], lo, hi, max_enr, stype)

    core: dict[str, CoreCode] = {}
    p = path / "core_codes.csv"
    if not p.exists():
        raise ReferenceError(f"{p}: missing")
    for ln, r in _rows(p, ["core_code", "title", "active", "grade_low", "grade_high"]):
        code = r["core_code"].replace("-", "").replace(".", "")
        if not code.isdigit() or len(code) != 11:
            raise ReferenceError(f"{p}, line {ln}, column core_code: {r['core_code']!r} is not an 11-digit core code")
        core[code] = CoreCode(code, r["title"], _yn(p, ln, "active", r["active"]),
                              _grade(p, ln, "grade_low", r["grade_low"]), _grade(p, ln, "grade_high", r["grade_high"]))

    languages: dict[str, str]
    p = path / "languages.csv"
    if not p.exists():
        base = resources.files("utrex.reference") / "data" / "languages.csv"
        with resources.as_file(base) as lp:
            p = Path(lp)
            languages = _languages(p)
    else:
        languages = _languages(p)

    ssids: dict[str, tuple[set[str], bool]] | None = None
    p = path / "ssids.csv"
    if p.exists():
        ssids = {}
        for ln, r in _rows(p, ["ssid", "lea_number", "active"]):
            s = r["ssid"]
            if not s.isdigit():
                raise ReferenceError(f"{p}, line {ln}, column ssid: {s!r} is not numeric")
            lea = _digits(p, ln, "lea_number", r["lea_number"], 2)
            active = _yn(p, ln, "active", r["active"])
            locs, was_active = ssids.get(s, (set(), True))
            locs.add(lea)
            ssids[s] = (locs, was_active and active)
    else:
        notes.append("no ssids.csv in the reference: SSID location and activity checks were not run")
    return Reference(source, leas, schools, core, languages, ssids, notes)


def _languages(p: Path) -> dict[str, str]:
    return {r["language_code"].upper(): r["name"] for _, r in _rows(p, ["language_code", "name"])}
