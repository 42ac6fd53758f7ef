"""Two school years in the store, prior-year exit-status updates (ES records, S1 resident status X) and the
October 15 automatic changes, on SQLite and on PostgreSQL (the `store` fixture of conftest.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.spec import Period, spec_for
from utrex.store import Store
from utrex.store import cutoff as C
from utrex.store import prior_year as P
from utrex.store import submissions as S
from utrex.store.models import CutoffRun, ExitStatusUpdate, Status, Submission, utcnow
from utrex.store.rollback import rollback
from utrex.synth import cli_synth

LEA = "14"


def _synth(path: Path, period: Period, school_year: int) -> Path:
    cli_synth(output=path, lea=LEA, students=400, period=period, school_year=school_year, seed=1, defects=0.0,
              state=False, leas=1, reference=None)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("prior-year")
    return {"ye12": _synth(d / "ye12.txt", Period.YEAR_END, 2012), "oct13": _synth(d / "oct13.txt", Period.OCTOBER, 2013)}


# --- building records at the specification's columns ---------------------------------------------------

def setf(line: str, field: str, value: str, code: str = "S1", year: int = 2012) -> str:
    f = spec_for(year).layout(code).field(field)
    line = line.ljust(spec_for(year).layout(code).length)
    return line[:f.offset] + value.ljust(f.width)[:f.width] + line[f.end:]


def getf(line: str, field: str, code: str = "S1") -> str:
    f = spec_for(2012).layout(code).field(field)
    return line[f.offset:f.end].strip()


def es_line(s1: str, status: str) -> str:
    """The ES record of the student of an S1 record."""
    line = "ES="
    for fld, value in (("student_number", getf(s1, "student_number")), ("last_name", getf(s1, "last_name")),
                       ("first_name", getf(s1, "first_name")), ("birth_date", getf(s1, "birth_date")),
                       ("gender", getf(s1, "gender")), ("updated_status", status), ("ssid", getf(s1, "ssid")),
                       ("lea_number", LEA)):
        line = setf(line, fld, value, "ES")
    return line.rstrip()


def seniors(path: Path, n: int) -> list[str]:
    """`n` S1 records of different grade-12 students (not exited, with an SSID) of a synthesized file."""
    out, seen = [], set()
    for line in path.read_text().splitlines():
        if (line.startswith("S1=") and getf(line, "grade_level") == "12" and not getf(line, "exit_code")
                and getf(line, "ssid") and getf(line, "student_number") not in seen):
            seen.add(getf(line, "student_number"))
            out.append(line)
    assert len(out) >= n, "the synthesized file has too few seniors"
    return out[:n]


def load_lines(store: Store, year: int, lines: list[str], period: str, as_of: str) -> Submission:
    """A validated submission of `lines` loaded through `submissions.apply_load` (the validator skipped, so a
    record it would hold reaches the load: what the store itself decides is what is tested)."""
    body = "\n".join(lines).encode()
    sub = Submission(lea=LEA, school_year=year, period=period, user="tester", file_name=f"{year}-{period}.txt",
                     sha256=hashlib.sha256(body).hexdigest(), size=len(body), status=Status.VALIDATED.value,
                     received_at=utcnow(), counts={"as_of": as_of})
    with store.session(write=True) as s:
        s.add(sub)
    accepted = pl.DataFrame({
        "line": list(range(2, len(lines) + 2)), "record_type": [ln[:2] for ln in lines],
        "record_key": [f"{LEA}|{ln[:2]}|{getf(ln, 'student_number')}|{ln[91:99] if ln[:2] == 'S1' else ''}"
                       for ln in lines],
        "text": lines}, schema={"line": pl.Int64, "record_type": pl.Utf8, "record_key": pl.Utf8, "text": pl.Utf8})
    with store.write() as conn:
        S.apply_load(conn, sub, accepted, [])
    return S.get(store, sub.id)


def status_of(store: Store, year: int, student: str) -> tuple[str | None, str | None]:
    """The effective exit code and completion status of the student's last enrollment of the year."""
    e = P.last_enrollments(P.effective_s1(store, LEA, year)).filter(pl.col("student_number") == student)
    assert e.height == 1
    return e["exit_code"][0], e["hs_completion_status"][0]


def update_rows(store: Store) -> list[ExitStatusUpdate]:
    with store.session() as s:
        return list(s.scalars(select(ExitStatusUpdate).order_by(ExitStatusUpdate.id)))


# --- two school years --------------------------------------------------------------------------------

def test_two_school_years_are_kept_side_by_side(store, files) -> None:
    ye = S.submit(files["ye12"], LEA, store=store)
    before = S.in_force(store, LEA, 2012)
    oct_ = S.submit(files["oct13"], LEA, store=store)
    assert (ye.school_year, oct_.school_year) == (2012, 2013)
    assert S.in_force(store, LEA, 2012).equals(before)  # loading 2013 leaves 2012 as it was
    assert before.height == ye.accepted
    assert S.in_force(store, LEA, 2013).height == oct_.accepted
    again = S.submit(files["ye12"], LEA, store=store)  # and a 2012 load leaves 2013 alone
    assert again.status == "loaded"
    assert S.in_force(store, LEA, 2013).height == oct_.accepted


def test_es_records_in_the_window_update_the_previous_year(store, files) -> None:
    S.submit(files["ye12"], LEA, store=store)
    records_2012 = S.in_force(store, LEA, 2012)
    sub = S.submit(files["oct13"], LEA, store=store)  # the October 2012 update, as of 2012-10-01
    es = [ln for ln in files["oct13"].read_text().splitlines() if ln.startswith("ES=")]
    assert es and sub.counts["prior_year"]["applied"] == len(es)
    assert sub.to_dict()["prior_year"]["notices"] == []
    rows = update_rows(store)
    assert {(r.source, r.source_id, r.submission_id, r.school_year) for r in rows} == {("ES", sub.id, sub.id, 2012)}
    for line in es:
        student, new = getf(line, "student_number", "ES"), getf(line, "updated_status", "ES")
        assert new in status_of(store, 2012, student)
    changed = {r.record_key for r in rows}
    eff = P.effective_s1(store, LEA, 2012)
    assert eff.filter(pl.col("updated"))["record_key"].to_list() == sorted(changed)
    # the rewritten text carries the new value at the spec's columns; the stored records are untouched
    row = eff.filter(pl.col("record_key") == rows[0].record_key)
    assert getf(row["text"][0], rows[0].field) == rows[0].new_value
    assert S.in_force(store, LEA, 2012).equals(records_2012)
    S.submit(files["oct13"], LEA, store=store)  # the same file again: nothing more to change
    assert len(update_rows(store)) == len(rows)


def test_es_outside_the_window_or_after_october_2012_is_not_applied(store, files) -> None:
    a, b, c, d = seniors(files["ye12"], 4)
    load_lines(store, 2012, [a, b, c, d], "year-end", "2012-06-15")
    late = load_lines(store, 2013, [es_line(a, "GR")], "monthly", "2012-10-20")
    assert late.counts["prior_year"]["refused"] == 1 and late.counts["prior_year"]["applied"] == 0
    assert "no longer accepted after the October 2012" in late.counts["prior_year"]["notices"][0]
    early = load_lines(store, 2013, [es_line(b, "GR")], "monthly", "2012-07-14")
    assert early.counts["prior_year"]["refused"] == 1
    assert "2012-07-15 to 2012-10-15" in early.counts["prior_year"]["notices"][0]
    dec = load_lines(store, 2013, [es_line(c, "GR")], "december", "2012-10-10")  # after the October one
    assert "no longer accepted after the October 2012" in dec.counts["prior_year"]["notices"][0]
    y14 = load_lines(store, 2014, [es_line(c, "GR")], "october", "2013-10-01")  # a later school year
    assert y14.counts["prior_year"]["refused"] == 1
    assert update_rows(store) == []
    last_day = load_lines(store, 2013, [es_line(d, "TO")], "monthly", "2012-10-15")
    assert last_day.counts["prior_year"]["applied"] == 1
    assert status_of(store, 2012, getf(d, "student_number"))[0] == "TO"


def test_an_explicit_date_decides_the_window(store, files) -> None:
    (a,) = seniors(files["ye12"], 1)
    load_lines(store, 2012, [a], "year-end", "2012-06-15")
    sub = load_lines(store, 2013, [], "october", "2012-10-01")
    frame = pl.DataFrame({"line": [2], "record_type": ["ES"], "record_key": ["k"], "text": [es_line(a, "GR")]})
    with store.write() as conn:
        out = P.apply_at_load(conn, sub, frame, on=dt.date(2012, 11, 1))
    assert out is not None and out["refused"] == 1 and update_rows(store) == []
    with store.write() as conn:
        out = P.apply_at_load(conn, sub, frame, on=dt.date(2012, 9, 1))
    assert out is not None and out["applied"] == 1


def test_es_codes_update_the_completion_status_or_the_exit_code(store, files) -> None:
    gp, rt, other, unknown = seniors(files["ye12"], 4)
    gp = setf(gp, "hs_completion_status", "GP")
    rt = setf(rt, "hs_completion_status", "RT")
    other = setf(other, "hs_completion_status", "")
    load_lines(store, 2012, [gp, rt, other], "year-end", "2012-06-15")
    sub = load_lines(store, 2013, [es_line(gp, "GR"), es_line(rt, "DO"), es_line(other, "DO"),
                                   es_line(unknown, "GR")], "october", "2012-10-01")
    assert status_of(store, 2012, getf(gp, "student_number")) == (None, "GR")
    assert status_of(store, 2012, getf(rt, "student_number")) == (None, "DO")  # DO of a senior: completion
    assert status_of(store, 2012, getf(other, "student_number")) == ("DO", None)  # else the exit code
    assert sub.counts["prior_year"]["unmatched"] == 1  # no 2012 record of that student
    assert "found no 2012 S1 record" in sub.counts["prior_year"]["notices"][0]
    old = {r.record_key.split("|")[2]: (r.field, r.old_value, r.new_value) for r in update_rows(store)}
    assert old[getf(gp, "student_number")] == ("hs_completion_status", "GP", "GR")


def test_resident_status_x_carries_the_update_after_the_es_window(store, files) -> None:
    a, b = seniors(files["ye12"], 2)
    a = setf(a, "hs_completion_status", "GP")
    load_lines(store, 2012, [a, b], "year-end", "2012-06-15")
    x = setf(setf(setf(a, "resident_status", "X"), "hs_completion_status", "GR"), "entry_date", "20120820")
    sub = load_lines(store, 2013, [x, es_line(b, "TO")], "december", "2012-12-03")
    assert sub.counts["prior_year"]["applied"] == 1 and sub.counts["prior_year"]["refused"] == 1
    assert status_of(store, 2012, getf(a, "student_number")) == (None, "GR")
    assert status_of(store, 2012, getf(b, "student_number"))[0] is None  # the ES came too late
    assert [r.source for r in update_rows(store)] == ["X"]
    # before the October 2012 submission resident status X carried nothing
    xb = setf(setf(b, "resident_status", "X"), "entry_date", "20111001")
    old = load_lines(store, 2012, [a, b, xb], "year-end", "2012-06-16")
    assert old.counts["prior_year"]["refused"] == 1


def test_a_rollback_withdraws_the_updates_of_the_later_submissions(store, files, tmp_path) -> None:
    S.submit(files["ye12"], LEA, store=store)
    first = S.submit(files["oct13"], LEA, store=store)
    text = files["oct13"].read_text()
    es = next(ln for ln in text.splitlines() if ln.startswith("ES="))
    student = getf(es, "student_number", "ES")
    changed = setf(es, "updated_status", "DE", "ES").rstrip()
    second_file = tmp_path / "oct13b.txt"
    second_file.write_text(text.replace(es, changed))
    S.submit(second_file, LEA, store=store)
    assert "DE" in status_of(store, 2012, student)
    back = rollback(LEA, first.id, "the DE was a mistake", user="tester", store=store)
    assert back.counts["prior_year"]["withdrawn"] == 1
    assert getf(es, "updated_status", "ES") in status_of(store, 2012, student)
    assert [r.withdrawn_by for r in update_rows(store) if r.new_value == "DE"] == [back.id]


# --- the October 15 cut-off ---------------------------------------------------------------------------

@pytest.fixture
def cutoff_case(store, files) -> dict[str, str]:
    """2012 year-end seniors: GP / RT / EX each with and without what prevents the automatic change."""
    rows = seniors(files["ye12"], 8)
    ex_date = "20120301"
    lines = {
        "gp": setf(rows[0], "hs_completion_status", "GP"),
        "gp_es": setf(rows[1], "hs_completion_status", "GP"),
        "rt": setf(rows[2], "hs_completion_status", "RT"),
        "rt_enrolled": setf(rows[3], "hs_completion_status", "RT"),
        "ex": setf(setf(setf(rows[4], "exit_code", "EX"), "exit_date", ex_date), "hs_completion_status", ""),
        "ex_x": setf(setf(setf(rows[5], "exit_code", "EX"), "exit_date", ex_date), "hs_completion_status", ""),
        "gr": rows[6],
        "rt_es": setf(rows[7], "hs_completion_status", "RT"),
    }
    load_lines(store, 2012, list(lines.values()), "year-end", "2012-06-15")
    enrolled = setf(setf(lines["rt_enrolled"], "entry_date", "20120820"), "hs_completion_status", "")
    x = setf(setf(lines["ex_x"], "resident_status", "X"), "entry_date", "20120820")
    load_lines(store, 2013, [enrolled, x, es_line(lines["gp_es"], "GR"), es_line(lines["rt_es"], "TS")],
               "october", "2012-10-01")
    return {k: getf(v, "student_number") for k, v in lines.items()}


def test_cutoff_changes_exactly_the_students_without_an_update(store, cutoff_case) -> None:
    result = C.run(store, 2012, user="clerk")
    got = {r["student_number"]: (r["rule"], r["old_value"], r["new_value"]) for r in result.changes.to_dicts()}
    s = cutoff_case
    assert got == {s["gp"]: ("GP->CT", "GP", "CT"), s["rt"]: ("RT->DO", "RT", "DO"), s["ex"]: ("EX->DO", None, "DO")}
    assert result.by_rule == {"GP->CT": 1, "RT->DO": 1, "EX->DO": 1}
    assert status_of(store, 2012, s["gp"]) == (None, "CT")
    assert status_of(store, 2012, s["rt"]) == (None, "DO")
    assert status_of(store, 2012, s["ex"]) == ("EX", "DO")
    assert status_of(store, 2012, s["gp_es"]) == (None, "GR")  # the ES update stands
    assert status_of(store, 2012, s["rt_enrolled"])[1] == "RT"  # re-enrolled in 2012-13
    assert status_of(store, 2012, s["ex_x"])[0] == "EX"  # an S1 (resident X) came
    assert status_of(store, 2012, s["rt_es"]) == ("TS", "RT")  # an update, though not of the status
    rows = [r for r in update_rows(store) if r.source == "cutoff"]
    assert {(r.user, r.cutoff_run_id, r.effective_on) for r in rows} == {("clerk", result.run_id, dt.date(2012, 10, 15))}
    with store.session() as ses:
        run = ses.get(CutoffRun, result.run_id)
        assert run is not None and (run.school_year, run.changes, run.user) == (2012, 3, "clerk")


def test_cutoff_is_idempotent(store, cutoff_case) -> None:
    first = C.run(store, 2012, user="clerk")
    state = P.effective_s1(store, LEA, 2012)
    second = C.run(store, 2012, user="clerk")
    assert first.changes.height == 3 and second.changes.height == 0
    assert P.effective_s1(store, LEA, 2012).equals(state)
    with store.session() as ses:
        assert ses.scalar(select(func.count()).select_from(ExitStatusUpdate)
                          .where(ExitStatusUpdate.source == "cutoff")) == 3


def test_cutoff_dry_run_changes_nothing_and_early_runs_are_refused(store, cutoff_case) -> None:
    dry = C.run(store, 2012, dry_run=True)
    assert dry.changes.height == 3 and dry.run_id is None
    assert [r for r in update_rows(store) if r.source == "cutoff"] == []
    with pytest.raises(ValueError, match="cannot run before"):
        C.run(store, 2012, today=dt.date(2012, 10, 14))
    # an update dated after the cut-off date does not count as there by then
    early = C.run(store, 2012, dt.date(2012, 9, 30), dry_run=True)
    assert cutoff_case["gp_es"] in early.changes["student_number"].to_list()


def test_cli_cutoff(store, cutoff_case) -> None:
    r = CliRunner().invoke(app, ["cutoff", "--school-year", "2012", "--dry-run", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["dry_run"] and d["changed"] == 3 and d["run"] is None
    r = CliRunner().invoke(app, ["cutoff", "--school-year", "2012", "--user", "clerk"])
    assert r.exit_code == 0, r.output
    assert "3 record(s) changed" in r.output and "GP->CT 1" in r.output
    assert f"student {cutoff_case['gp']}" in r.output and "GP -> CT" in r.output
    r = CliRunner().invoke(app, ["cutoff", "--school-year", "2012", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["changed"] == 0
    r = CliRunner().invoke(app, ["cutoff", "--school-year", "2012", "--date", "2012-13-01"])
    assert r.exit_code == 2 and "not a date" in r.output
    r = CliRunner().invoke(app, ["cutoff", "--school-year", "2099"])
    assert r.exit_code == 2 and "cannot run before" in r.output


def test_the_live_year_end_report_counts_the_updated_exit_statuses(store, files) -> None:
    """The 2011-12 Year-End report read after the October 2012 update counts the students' completion
    status and exit code as the ES records changed them (the stored records are not rewritten); the
    finalized snapshot stays as the LEA certified it."""
    from utrex.reports import year_end
    from utrex.store import periods

    ye = S.submit(files["ye12"], LEA, store=store)
    today = dt.date(2012, 7, 2)  # after the school year, before its Year-End due date
    periods.finalize(store, periods.prepare(store, LEA, Period.YEAR_END, ye.id, today), "tester", today)
    before = year_end.compute(store, 2012)[1]
    assert before.height and not before["exit_status_updated"].any()
    S.submit(files["oct13"], LEA, store=store)
    eff = P.effective_s1(store, LEA, 2012).filter(pl.col("updated"))
    assert eff.height  # the October file's ES records changed some 2011-12 enrollments
    after = year_end.compute(store, 2012)[1]
    changed = after.filter(pl.col("exit_status_updated"))
    # every counted enrollment an update applies to is marked, and carries the effective values
    counted = eff.join(after.select("student_number", "entry_date"), on=["student_number", "entry_date"], how="semi")
    assert changed.height == counted.height > 0
    got = (changed.select("student_number", "entry_date", "hs_completion_status", "exit_code")
           .sort("student_number", "entry_date"))
    want = (counted.select("student_number", "entry_date", "hs_completion_status", "exit_code")
            .with_columns(pl.col("hs_completion_status", "exit_code").fill_null(""))  # a blank field: ""
            .sort("student_number", "entry_date"))
    assert got.equals(want)
    old = before.join(got.select("student_number", "entry_date"), on=["student_number", "entry_date"], how="semi")
    assert not old.select("hs_completion_status", "exit_code").sort("hs_completion_status", "exit_code").equals(
        got.select("hs_completion_status", "exit_code").sort("hs_completion_status", "exit_code"))
    # the counts follow the detail; the finalized report is the certified snapshot, without the updates
    counts = year_end.compute(store, 2012)[0]
    assert int(counts["graduates"].sum()) == int(after["completion_outcome"].eq("graduate").sum())
    frozen = year_end.compute(store, 2012, finalized=True)[1]
    assert frozen.drop("exit_status_updated").equals(before.drop("exit_status_updated"))
