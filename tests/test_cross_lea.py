"""Level 2 across LEAs (store.cross_lea): two synthetic LEAs sharing transferred students, loaded into the
store on SQLite and PostgreSQL (the `store` fixture of conftest.py); each check fires on both sides when
one LEA's file is changed to break it, and not otherwise; findings follow re-submissions and rollbacks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.reference.model import Reference, load_reference
from utrex.spec import Period, spec_for
from utrex.store import Store
from utrex.store import cross_lea as C
from utrex.store import submissions as S
from utrex.store.cross_lea_findings import findings_for_lea
from utrex.store.models import CrossLeaFinding
from utrex.store.rollback import rollback
from utrex.synth import cli_synth

S1 = spec_for(2013).layout("S1")
CONCURRENT, TOTAL, IDENTITY = "X.S1.concurrent_membership", "X.S1.total_over_transfers", "X.S1.identity_differs"


@dataclass(frozen=True)
class Mover:
    """A student who left LEA `old` (exit on `exit`) for LEA `new` (entry on `entry`), one S1 in each."""

    ssid: str
    old: str
    old_line: int  # index of the S1 line in the old LEA's file
    exit: dt.date
    new: str
    new_line: int
    entry: dt.date


@dataclass(frozen=True)
class State:
    folder: Path
    reference: Reference
    mover: Mover

    def file(self, lea: str) -> Path:
        return self.folder / f"lea{lea}-year-end.txt"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("ascii").split("\r\n")


def _s1_frame(lea: str, lines: list[str]) -> pl.DataFrame:
    f = pl.DataFrame({"text": lines}).with_row_index("index").filter(pl.col("text").str.starts_with("S1="))
    return f.with_columns(pl.lit(lea).alias("lea"), *[pl.col("text").str.slice(S1.field(c).offset, S1.field(c).width)
                                                       .str.strip_chars().alias(c)
                                                       for c in ("ssid", "entry_date", "exit_date", "exit_code")])


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> State:
    folder = tmp_path_factory.mktemp("cross-lea-state")
    cli_synth(output=folder, lea="14", students=150, period=Period.YEAR_END, school_year=2013, seed=3, defects=0.0,
              state=True, leas=2, reference=None)
    leas = sorted(p.name[3:5] for p in folder.glob("lea*-year-end.txt"))
    assert len(leas) == 2
    s1 = pl.concat([_s1_frame(lea, _lines(folder / f"lea{lea}-year-end.txt")) for lea in leas])
    # one S1 per LEA, an exit by transfer to another LEA, the new entry strictly after it
    once = s1.filter((pl.len().over("ssid") == 2) & (pl.col("lea").n_unique().over("ssid") == 2))
    old = once.filter(pl.col("exit_code") == "TS")
    new = once.filter(pl.col("exit_date") == "")
    pairs = old.join(new, on="ssid", suffix="_new").filter(pl.col("entry_date_new") > pl.col("exit_date")).sort("ssid")
    assert pairs.height, "the synthetic state should move students between its LEAs"
    p = pairs.row(0, named=True)
    d = dt.datetime.strptime
    mover = Mover(p["ssid"], p["lea"], p["index"], d(p["exit_date"], "%Y%m%d").date(), p["lea_new"],
                  p["index_new"], d(p["entry_date_new"], "%Y%m%d").date())
    return State(folder, load_reference(folder / "reference"), mover)


def _edited(state: State, lea: str, line: int, out: Path, **values: str) -> Path:
    """The LEA's file with fields of one S1 line replaced (values padded to the field's width)."""
    lines = _lines(state.file(lea))
    text = lines[line]
    for field_id, value in values.items():
        f = S1.field(field_id)
        text = text[:f.offset] + value.ljust(f.width)[:f.width] + text[f.end:]
    lines[line] = text
    out.write_bytes("\r\n".join(lines).encode("ascii"))
    return out


def _submit(store: Store, state: State, lea: str, path: Path | None = None) -> S.Submission:
    sub = S.submit(path or state.file(lea), lea, store=store, reference=state.reference)
    assert sub.status == "loaded", sub.reason
    assert sub.held == 0, S.submission_findings(store, sub.id).filter(pl.col("severity") == "error")  # edits must not be held
    return sub


def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def _stored(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(CrossLeaFinding)) or 0)


def _both_sides(store: Store, m: Mover, rule: str) -> tuple[dict, dict]:
    """The finding of `rule` about the mover as each of the two LEAs sees it (exactly one each)."""
    old = findings_for_lea(store, m.old).filter(pl.col("rule") == rule, pl.col("ssid") == m.ssid)
    new = findings_for_lea(store, m.new).filter(pl.col("rule") == rule, pl.col("ssid") == m.ssid)
    assert (old.height, new.height) == (1, 1), (old, new)
    return old.row(0, named=True), new.row(0, named=True)


# --- a clean state: transfers between LEAs are no finding ------------------------------------------

def test_clean_transfers_give_no_cross_lea_finding(store, state) -> None:
    for lea in (state.mover.old, state.mover.new):
        _submit(store, state, lea)
    assert _stored(store) == 0
    assert findings_for_lea(store, state.mover.old).height == 0
    assert findings_for_lea(store, state.mover.new).height == 0


def test_a_new_entry_on_the_old_exit_date_shares_no_day(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", entry_date=_ymd(m.exit)))
    assert findings_for_lea(store, m.new).filter(pl.col("rule") == CONCURRENT).height == 0


# --- one school of record a day ------------------------------------------------------------------

def test_concurrent_membership_is_one_finding_seen_from_both_sides(store, state, tmp_path) -> None:
    m = state.mover
    early = m.exit - dt.timedelta(days=5)  # the new LEA enrolls the student five days before the old one's exit
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", entry_date=_ymd(early)))
    old, new = _both_sides(store, m, CONCURRENT)
    assert _stored(store) == 1  # stored once, shown to both
    assert (old["other_lea"], new["other_lea"]) == (m.new, m.old)
    assert old["student_number"] == new["other_student_number"] and new["student_number"] == old["other_student_number"]
    assert old["school"] == new["other_school"] and new["school"] == old["other_school"]
    assert old["severity"] == new["severity"] == "warning" and old["level"] == 2
    shared = f"{_ymd(early)} to {_ymd(m.exit - dt.timedelta(days=1))}"  # the exit date is the day after the last
    for seen, other in ((old, m.new), (new, m.old)):
        assert f"SSID {m.ssid}" in seen["message"] and f"LEA {other} school" in seen["message"]
        assert shared in seen["message"]
    # the most recent entry date counts: the new LEA's enrollment, in each side's words
    assert f"so LEA {m.new} school {old['other_school']} is the school of record" in old["message"]
    assert f"so this LEA's school {new['school']} is the school of record" in new["message"]


def test_school_of_record_on_a_day_follows_the_most_recent_entry_date(store, state, tmp_path) -> None:
    m = state.mover
    early = m.exit - dt.timedelta(days=5)
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", entry_date=_ymd(early)))

    def on(day: dt.date) -> dict:
        got = C.school_of_record_on(store, 2013, day).filter(pl.col("ssid") == m.ssid)
        assert got.height == 1, got
        return got.row(0, named=True)

    before, shared, after = on(early - dt.timedelta(days=1)), on(early), on(m.exit)
    assert (before["lea"], before["schools"]) == (m.old, 1)
    assert (shared["lea"], shared["schools"], shared["entry_date"]) == (m.new, 2, early)  # both in membership
    assert (after["lea"], after["schools"]) == (m.new, 1)
    # every SSID once; restricted to the students an LEA reports, the same answer for the mover
    whole = C.school_of_record_on(store, 2013, early)
    assert whole["ssid"].is_unique().all()
    assert C.school_of_record_on(store, 2013, early, leas=[m.old]).filter(pl.col("ssid") == m.ssid)["lea"].to_list() \
        == [m.new]


def test_school_of_record_n_is_no_concurrent_membership(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5)), school_of_record="N",
                                         school_membership="000", days_attended="000"))
    assert findings_for_lea(store, m.old).filter(pl.col("rule") == CONCURRENT).height == 0


def test_resubmitting_one_lea_fixed_removes_the_finding_for_both(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    _both_sides(store, m, CONCURRENT)
    _submit(store, state, m.new)  # the corrected extract
    assert findings_for_lea(store, m.old).height == findings_for_lea(store, m.new).height == _stored(store) == 0
    # and fixed from the other side: the old LEA moves its exit back before the new entry
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    assert _stored(store) == 1
    _submit(store, state, m.old, _edited(state, m.old, m.old_line, tmp_path / "old.txt",
                                         exit_date=_ymd(m.exit - dt.timedelta(days=5))))
    assert _stored(store) == 0


def test_a_student_the_lea_no_longer_reports_loses_its_findings(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    assert _stored(store) == 1
    # the next extract of the new LEA no longer holds the student (every record of the student number)
    lines = _lines(state.file(m.new))
    number = lines[m.new_line][S1.field("student_number").offset:S1.field("student_number").end]
    spec = spec_for(2013)
    kept = [t for t in lines if not (t[:2] in spec.codes and spec.layout(t[:2]).has("student_number")
                                     and t[3:13] == number)]
    assert len(kept) < len(lines)
    (tmp_path / "without.txt").write_bytes("\r\n".join(kept).encode("ascii"))
    _submit(store, state, m.new, tmp_path / "without.txt")
    assert _stored(store) == 0 and findings_for_lea(store, m.old).height == 0


def test_rollback_re_evaluates(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    clean = _submit(store, state, m.new)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    assert _stored(store) == 1
    rollback(m.new, clean.id, "the overlapping entry was a typo", store=store)
    assert _stored(store) == 0 and findings_for_lea(store, m.old).height == 0
    # a rollback of the OTHER LEA re-evaluates the students it shares too
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new2.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    first_old = S.list_submissions(store, m.old)[0]
    _submit(store, state, m.old, _edited(state, m.old, m.old_line, tmp_path / "old.txt",
                                         exit_date=_ymd(m.exit - dt.timedelta(days=5))))
    assert _stored(store) == 0
    rollback(m.old, first_old.id, "back to the first extract", store=store)
    _both_sides(store, m, CONCURRENT)


# --- 180 + 10 x transfers across LEAs ------------------------------------------------------------

def test_total_membership_across_leas_over_180_plus_10_per_transfer(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old, _edited(state, m.old, m.old_line, tmp_path / "old.txt", school_membership="150"))
    # 150 + 40 = 190 = 180 + 10 x 1 transfer: at the limit, no finding
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", school_membership="040",
                                         days_attended="030"))
    assert findings_for_lea(store, m.old).filter(pl.col("rule") == TOTAL).height == 0
    # 150 + 41 = 191: over it, a warning on both sides naming the total, the transfers and each LEA's part
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", school_membership="041",
                                         days_attended="030"))
    old, new = _both_sides(store, m, TOTAL)
    for seen in (old, new):
        assert "Total 180-day membership 191" in seen["message"] and "180 + 10 x 1 transfers = 190" in seen["message"]
        assert f"LEA {m.old} school {old['school']}: 150" in seen["message"]
        assert f"LEA {m.new} school {new['school']}: 41" in seen["message"]
    assert (old["other_lea"], new["other_lea"]) == (m.new, m.old)


# --- one SSID, one student ------------------------------------------------------------------------

def test_identity_differs_across_leas(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    text = _lines(state.file(m.new))[m.new_line]
    f = S1.field("first_name")
    other_name = "ZELDA" if text[f.offset:f.end].strip() != "ZELDA" else "YVONNE"
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt", first_name=other_name))
    old, new = _both_sides(store, m, IDENTITY)
    assert f"vs '{other_name}'" in old["message"] and f"first_name '{other_name}' vs" in new["message"]
    assert "birth_date" not in old["message"]  # only what differs is named
    assert _stored(store) == 1
    _submit(store, state, m.new)
    assert _stored(store) == 0


# --- the command ----------------------------------------------------------------------------------

def test_cli_cross_lea_in_every_format(store, state, tmp_path) -> None:
    m = state.mover
    _submit(store, state, m.old)
    _submit(store, state, m.new, _edited(state, m.new, m.new_line, tmp_path / "new.txt",
                                         entry_date=_ymd(m.exit - dt.timedelta(days=5))))
    runner = CliRunner()
    text = runner.invoke(app, ["cross-lea", "--lea", m.old])
    assert text.exit_code == 0, text.output
    assert "1 cross-LEA finding(s)" in text.output and f"other: LEA {m.new}" in text.output
    doc = json.loads(runner.invoke(app, ["cross-lea", "--lea", m.new, "--format", "json", "--school-year", "2013"]).output)
    assert doc["school_year"] == 2013 and [f["other_lea"] for f in doc["findings"]] == [m.old]
    csv = runner.invoke(app, ["cross-lea", "--lea", m.new, "--format", "csv", "--refresh"]).output
    assert csv.splitlines()[0].startswith("rule,level,severity,ssid,school") and len(csv.splitlines()) == 2
