"""`utrex synth`: deterministic, realistic Clearinghouse files (one LEA, or a whole state).

- plan.py: the LEA's year as numbers (schools, calendars, students, enrollments, transfers)
- people.py, traits.py: who the students are (hashed from a person id: the same seed gives the same people)
- records.py: what an update shows on its as-of date, rendered column-wise (fixed.py)
- defects.py: rule examples planted as known defects, with a sidecar JSON
- state.py: several LEAs with students moving between them, and the reference folder they validate against

A file is written school by school; only one LEA's plan is in memory at a time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..engine.context import Context
from ..reference.model import Reference, load_reference
from ..spec import Period, spec_for
from .calendar import as_of_date
from .defects import ONCE_PER_FILE, Planter, Verifier
from .hashing import Hasher
from .plan import lea_info, make_plan
from .records import LeaBuilder, Plant, Update, assemble


@dataclass
class Written:
    path: Path
    records: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    defects: int = 0
    people: dict[str, np.ndarray] = field(default_factory=dict)  # pid, lea rows for the SSID file
    transfers_out: dict[str, np.ndarray] = field(default_factory=dict)


def _time_of_day(h: Hasher, lea: int, year: int, period: Period) -> str:
    secs = int(h.between("asof.time", 6 * 3600, 19 * 3600, lea, year, len(period.value)))
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.000"


def generate_lea(output: Path, *, ref: Reference, lea: str, students: int, period: Period, school_year: int,
                 seed: int, defects: float = 0.0, transfers_in: dict[str, np.ndarray] | None = None,
                 destinations: list[tuple[str, bool, set[int]]] | None = None,
                 ssid_locations: bool = False, file_defect: int | None = None) -> Written:
    """Write one LEA's update to `output` (and `<output>.defects.json` when `defects` > 0).

    State mode passes the students arriving from other LEAs, the other LEAs as destinations, and
    `ssid_locations` (defects are checked as if every student's SSID had a location row, as they will)
    and `file_defect`, which of the whole-file defects this file carries (see defects.FILE_ACTIONS)."""
    started = time.perf_counter()
    h = Hasher(seed)
    spec = spec_for(school_year)
    info = lea_info(ref, lea, school_year, h)
    plan = make_plan(h, info, school_year, students, transfers_in, destinations)
    update = Update(period, as_of_date(period, school_year), _time_of_day(h, info.num, school_year, period))
    builder = LeaBuilder(h, ref, spec, plan, update, students)
    planter = None
    if defects > 0:
        checked = ref
        if ssid_locations:  # state mode: the state's ssids.csv will hold every student of this file
            checked = replace(ref, ssids={str(s): ({info.number}, True) for s in builder.ssids().tolist()})
        ctx = Context(spec=spec, school_year=school_year, period=period, as_of=update.as_of, lea_number=info.number,
                      reference=checked)
        planter = Planter(defects, period, seed * 100 + info.num, Verifier(ctx))
    out = Written(output)

    di = builder.di()
    di_plain = di.lines()[0]
    whole = planter.file_plant(file_defect, di) if planter else None
    action = whole.action if whole is not None else ""
    if whole is not None and not action:
        di.override(0, whole.overrides)
    if whole is not None:
        whole.line = {"": 1, "FILE.di_first": 1, "FILE.sc_after_di": 2}.get(action)  # type: ignore[assignment]
        planter.planted.append(whole)  # type: ignore[union-attr]
    pending: list[bytes] = di.lines()
    line_no = 2
    if action in ("FILE.di_first", "FILE.sc_after_di"):
        line_no = 3  # one line inserted above the first school
    # the last record type this update requires (AM; S2 in December) or, for I1 without I2, every I2
    left_out = {"FILE.required_record_type": spec.required_record_types.get(period, ("AM",))[-1],
                "FILE.i1_without_i2": "I2"}.get(action)
    lf_done = not (planter and planter.active and any(r.id == "FILE.lf_terminator" for r in _file_rules()))
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as fh:
        for si in range(len(info.schools)):
            block = builder.school(si)
            if left_out:
                block.parts = [p for p in block.parts if p.code != left_out]
            plants: list[Plant] = []
            if planter and planter.active:
                plants = planter.plan(block, {i: p.plantable for i, p in enumerate(block.parts)
                                              if p.plantable is not None})
            lines = assemble(block, plants, di_plain, line_no)
            if si == 0 and action == "FILE.di_first":
                pending.insert(0, lines[0])  # the first SC, again, on line 1
                out.by_type["SC"] = out.by_type.get("SC", 0) + 1
            elif si == 0 and action == "FILE.sc_after_di":
                pending.append(lines[1] if len(lines) > 1 else lines[0])
                copied = pending[-1][:2].decode("latin-1")
                out.by_type[copied] = out.by_type.get(copied, 0) + 1
                planter.planted.append(Plant(-1, 0, "FILE.no_school", "FILE", None, line=2))  # type: ignore[union-attr]
            if not lf_done and len(lines) > 2:
                j = 1 + int(h.below("lf.line", len(lines) - 1, seed, si))
                lines[j] = lines[j][:-2] + b"\n"
                planter.planted.append(Plant(-1, 0, "FILE.lf_terminator", "FILE", None,  # type: ignore[union-attr]
                                             line=line_no + j))
                lf_done = True
            for part in block.parts:
                out.by_type[part.code] = out.by_type.get(part.code, 0) + part.sheet.n
            fh.write(b"".join(pending))
            pending = lines
            line_no += len(lines)
        extra_sc = planter.trailing_sc(info.number, line_no) if planter else None
        if extra_sc is not None:
            pending.append(extra_sc)
            line_no += 1
            out.by_type["SC"] = out.by_type.get("SC", 0) + 1
        if pending and planter and planter.active and any(r.id == "FILE.missing_terminator" for r in _file_rules()):
            pending[-1] = pending[-1].rstrip(b"\r\n")
            planter.planted.append(Plant(-1, 0, "FILE.missing_terminator", "FILE", None, line=line_no - 1))
        fh.write(b"".join(pending))
    out.by_type = {"DI": 1, **out.by_type}
    out.records = sum(out.by_type.values())
    if planter is not None:
        sidecar = Path(str(output) + ".defects.json")
        sidecar.write_text(json.dumps(planter.sidecar(str(output)), indent=1) + "\n")
        out.defects = len(planter.planted)
    out.people = {"pid": builder.people["pid"], "ssid": builder.ssids()}
    out.transfers_out = plan.transfers_out
    out.seconds = time.perf_counter() - started
    return out


def _file_rules() -> list:  # type: ignore[type-arg]
    from ..engine.rules import registry

    return [r for r in registry().all() if r.id in ONCE_PER_FILE]


def cli_synth(*, output: Path, lea: str, students: int, period: Period, school_year: int, seed: int,
              defects: float, state: bool, leas: int, reference: Path | None) -> str:
    """Entry point of `utrex synth` and `utrex demo`; returns a one-line human message."""
    ref = load_reference(reference)
    if state:
        from .state import generate_state

        done = generate_state(output, ref=ref, lea=lea, leas=leas, students=students, period=period,
                              school_year=school_year, seed=seed, defects=defects)
        records = sum(w.records for w in done.files)
        secs = done.seconds
        return (f"wrote {len(done.files)} LEA files and reference/ to {output}: {records:,} records in "
                f"{secs:.1f}s ({records / max(secs, 1e-9):,.0f} records/s)"
                + (f", {sum(w.defects for w in done.files):,} planted defects" if defects else ""))
    w = generate_lea(output, ref=ref, lea=lea, students=students, period=period, school_year=school_year,
                     seed=seed, defects=defects)
    msg = (f"wrote {output}: LEA {lea}, {period.value} {school_year}, {w.records:,} records in {w.seconds:.1f}s "
           f"({w.records / max(w.seconds, 1e-9):,.0f} records/s)")
    if defects:
        msg += f", {w.defects:,} planted defects listed in {output}.defects.json"
    return msg


__all__ = ["Written", "cli_synth", "generate_lea"]
