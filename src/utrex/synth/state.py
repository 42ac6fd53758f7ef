"""A synthetic state: several LEAs' updates whose students move between LEAs, and the reference folder.

Two passes keep one LEA in memory at a time. The first plans every LEA's year (numbers only) and keeps
just the students leaving for another LEA of the state (exit TS to a district, TR to a charter); the
second writes each LEA's file with those arriving from elsewhere. A moving student keeps the SSID and
identity of the home LEA and gets a student number of the new LEA. ssids.csv gets a location row for
every LEA a student was enrolled in, plus a few inactive (merged) SSIDs that no student uses.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..reference.model import Reference
from ..spec import Period
from . import Written, generate_lea
from .hashing import Hasher
from .plan import lea_info, make_plan

GRADE_NAMES = {-1: "PK", **{g: f"{g:02d}" for g in range(13)}}
INACTIVE_SSIDS = 12


@dataclass
class StateWritten:
    folder: Path
    files: list[Written] = field(default_factory=list)
    seconds: float = 0.0


def choose_leas(ref: Reference, first: str, count: int) -> list[str]:
    """`count` LEAs: districts (starting with `first` when it is one) and, from three LEAs on, charters
    (about one in five, at least one)."""
    with_schools = {k[0] for k in ref.schools}
    districts = sorted(n for n, e in ref.leas.items() if e.lea_type == "district" and n in with_schools)
    charters = sorted(n for n, e in ref.leas.items() if e.lea_type == "charter" and n in with_schools)
    n_charter = min(len(charters), max(1, round(count / 5))) if count >= 3 else 0
    if first in charters:
        charters = [first] + [c for c in charters if c != first]
        n_charter = max(n_charter, 1)
    if first in districts:
        districts = [first] + [d for d in districts if d != first]
    n_district = min(len(districts), count - n_charter)
    chosen = districts[:n_district] + charters[:n_charter]
    if not chosen:
        raise ValueError("the reference has no LEA with schools")
    return chosen


def generate_state(folder: Path, *, ref: Reference, lea: str, leas: int, students: int, period: Period,
                   school_year: int, seed: int, defects: float = 0.0) -> StateWritten:
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    h = Hasher(seed)
    chosen = choose_leas(ref, lea, max(1, leas))
    infos = {n: lea_info(ref, n, school_year, h) for n in chosen}
    served = {n: set(i.grades()) for n, i in infos.items()}

    def destinations(n: str) -> list[tuple[str, bool, set[int]]]:
        return [(m, infos[m].is_charter, served[m] - ({-1} if infos[m].is_charter else set()))
                for m in chosen if m != n]

    # pass 1: who leaves for another LEA of the state
    arriving: dict[str, list[dict[str, np.ndarray]]] = {n: [] for n in chosen}
    for n in chosen:
        out = make_plan(h, infos[n], school_year, students, None, destinations(n)).transfers_out
        if out:
            for m in chosen:
                sel = out["dest"] == m
                if sel.any():
                    arriving[m].append({k: v[sel] for k, v in out.items() if k != "dest"})

    # pass 2: the files, one LEA at a time, and the SSID locations
    ref_dir = folder / "reference"
    ref_dir.mkdir(exist_ok=True)
    done = StateWritten(folder)
    with open(ref_dir / "ssids.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ssid", "lea_number", "active"])
        for i, n in enumerate(chosen):
            parts = arriving[n]
            tin = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else None
            written = generate_lea(folder / f"lea{n}-{period.value}.txt", ref=ref, lea=n, students=students,
                                   period=period, school_year=school_year, seed=seed, defects=defects,
                                   transfers_in=tin, destinations=destinations(n), ssid_locations=True,
                                   file_defect=seed + i)  # LEA by LEA through the whole-file defects
            done.files.append(written)
            for s in np.unique(written.people["ssid"]).tolist():
                w.writerow([s, n, "Y"])
        # SSIDs merged away or retired: above the range any student gets, one location each, inactive
        extra = 9_000_000_001 + np.sort(h.below("ssid.inactive", 1_000_000, np.arange(INACTIVE_SSIDS)))
        for k, s in enumerate(extra.tolist()):
            w.writerow([s, chosen[k % len(chosen)], "N"])
    write_reference(ref, ref_dir)
    done.seconds = time.perf_counter() - started
    return done


def write_reference(ref: Reference, folder: Path) -> None:
    """leas.csv, schools.csv, core_codes.csv and languages.csv in the shapes reference/model.py loads."""

    def table(name: str, header: list[str], rows: list[list[object]]) -> None:
        with open(folder / name, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    table("leas.csv", ["lea_number", "name", "lea_type", "migrant_allowed"],
          [[e.number, e.name, e.lea_type, "Y" if e.migrant_allowed else "N"] for e in ref.leas.values()])
    table("schools.csv", ["lea_number", "school_number", "name", "grade_low", "grade_high", "charter_max_enrollment",
                          "school_type"],
          [[s.lea_number, s.number, s.name, GRADE_NAMES[s.grade_low], GRADE_NAMES[s.grade_high],
            "" if s.charter_max_enrollment is None else s.charter_max_enrollment, s.school_type]
           for s in ref.schools.values()])
    table("core_codes.csv", ["core_code", "title", "active", "grade_low", "grade_high"],
          [[c.code, c.title, "Y" if c.active else "N", GRADE_NAMES[c.grade_low], GRADE_NAMES[c.grade_high]]
           for c in ref.core_codes.values()])
    table("languages.csv", ["language_code", "name"], [[k, v] for k, v in ref.languages.items()])
