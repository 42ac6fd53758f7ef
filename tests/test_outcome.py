"""The piecemeal outcome: records with errors are held with the records that hang on them; the rest go on."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from utrex.engine import tables
from utrex.engine.outcome import counts
from utrex.engine.validate import Options, validate_file
from utrex.testing import build


def outcome_of(tmp_path: Path, text: str, **kw: object) -> tuple[dict[str, tuple[str, str | None]], dict]:
    path = tmp_path / "f.txt"
    path.write_text(text)
    got: dict[str, pl.DataFrame] = {}
    result = validate_file(path, Options(outcome=lambda lf: got.setdefault("o", lf.collect()), **kw))  # type: ignore[arg-type]
    rows = {f"{r['record_type']}@{r['line']}": (r["status"], r["held_by"]) for r in got["o"].iter_rows(named=True)}
    return rows, result.summary


def test_clean_file_is_all_accepted(tmp_path: Path) -> None:
    rows, summary = outcome_of(tmp_path, build([("S1", {}), ("S2", {}), ("AC", {}), ("AM", {}), ("I1", {}), ("I2", {})]))
    assert {s for s, _ in rows.values()} == {"accepted"}
    assert summary["held"] == 0 and summary["accepted"] == 8
    assert summary["accepted_by_type"]["AM"] == 1


def test_held_s1_holds_its_dependants_and_nothing_else(tmp_path: Path) -> None:
    text = build([("S1", {"gender": "X"}), ("S2", {}), ("AC", {}), ("AM", {}), ("I1", {}), ("I2", {}),
                  ("S1", {"student_number": "8181818", "ssid": "2345678"}),
                  ("AM", {"student_number": "8181818"})])
    rows, summary = outcome_of(tmp_path, text)
    assert rows["S1@3"][0] == "held" and "S1.gender.code" in rows["S1@3"][1]
    for dependant in ("S2@4", "AM@6", "I2@8"):
        assert rows[dependant] == ("held", "S1 line 3 held"), dependant
    assert rows["AC@5"][0] == rows["I1@7"][0] == rows["S1@9"][0] == rows["AM@10"][0] == "accepted"
    assert summary["held_by_type"] == {"S1": 1, "S2": 1, "AM": 1, "I2": 1}


def test_held_ac_holds_its_am_and_held_i1_its_i2(tmp_path: Path) -> None:
    text = build([("S1", {}), ("AC", {"course_title": ""}), ("AM", {}), ("I1", {"gang_related": "Q"}), ("I2", {})])
    rows, _ = outcome_of(tmp_path, text)
    assert rows["AC@4"][0] == "held"
    assert rows["AM@5"] == ("held", "AC line 4 held")
    assert rows["I2@7"] == ("held", "I1 line 6 held")
    assert rows["S1@3"][0] == "accepted"


def test_warnings_never_hold(tmp_path: Path) -> None:
    rows, summary = outcome_of(tmp_path, build([("S1", {"__truncate__": "-3"}), ("AC", {}), ("AM", {})]))
    assert summary["warnings"] >= 1 and summary["errors"] == 0
    assert rows["S1@3"][0] == "accepted"


def test_level1_only_reports_no_outcome(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text(build([("S1", {})]))
    summary = validate_file(path, Options(levels=(1,))).summary
    assert summary["held"] is None and summary["accepted"] is None


def test_spilled_store_gives_the_same_findings(tmp_path: Path, monkeypatch) -> None:
    text = build([("S1", {}), ("S2", {"student_number": "9"}), ("AC", {}), ("AM", {"period": "07"}),
                  ("I1", {}), ("I2", {"incident_id": "4"})] * 3)
    path = tmp_path / "f.txt"
    path.write_text(text)
    in_memory = validate_file(path, Options(block_bytes=600))
    original = tables.RecordStore.__init__
    spilled: list[tables.RecordStore] = []

    def tiny(self: tables.RecordStore, memory_bytes: int = 0, directory: object = None) -> None:
        original(self, 1, directory)  # type: ignore[arg-type]
        spilled.append(self)

    monkeypatch.setattr(tables.RecordStore, "__init__", tiny)
    on_disk = validate_file(path, Options(block_bytes=600))
    assert spilled and spilled[0].spilled
    assert not spilled[0].root.exists()  # the student data on disk is gone after the run
    cols = ["rule", "line", "record_key", "message"]
    assert on_disk.findings.select(cols).equals(in_memory.findings.select(cols))
    assert on_disk.summary["held_by_type"] == in_memory.summary["held_by_type"]
    assert {"S2.student_number.no_s1", "AM.course_number.no_ac", "I2.incident_id.no_i1"} <= set(
        in_memory.findings["rule"].to_list())


def test_every_finding_has_a_record_key_without_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text(build([("S1", {"gender": "X"}), ("AM", {"period": "09"})]) + "ZZ=garbage\r\n\r\n")
    f = validate_file(path).findings
    assert f["record_key"].null_count() == 0
    keys = dict(zip(f["rule"].to_list(), f["record_key"].to_list(), strict=False))
    assert keys["S1.gender.code"] == "14|790|S1|7171717|20120820"
    assert keys["AM.course_number.no_ac"] == "14|790|AM|7171717|MATH1001|09|20120820"
    assert keys["FILE.unknown_record_type"] == "14|FILE|ZZ=garbage"


def test_counts_without_an_error_match_the_full_outcome(tmp_path: Path) -> None:
    """With no error finding, the summary counts every record accepted without computing the outcome; the
    counts are those of the outcome itself (warnings included, as they never hold)."""
    text = build([("S1", {}), ("S2", {}), ("AC", {}), ("AC", {"period": "02"}), ("AM", {}), ("I1", {}), ("I2", {})])
    path = tmp_path / "f.txt"
    path.write_text(text)
    quick = validate_file(path, Options())
    full = validate_file(path, Options(outcome=lambda lf: None))
    assert quick.errors == 0 and quick.summary["warnings"] > 0  # the block class warning
    for key in ("accepted_by_type", "held_by_type", "accepted", "held"):
        assert quick.summary[key] == full.summary[key], key
    assert quick.summary["accepted_by_type"]["AC"] == 2 and quick.summary["held"] == 0


@pytest.mark.parametrize("held", ["none", "S1", "AC and I1", "SC", "DI"])
def test_summary_counts_are_those_of_the_outcome(tmp_path: Path, held: str) -> None:
    """The summary's accepted and held counts (`held_counts`, which writes no reasons) are those of the
    outcome itself, whatever holds the records: a student, a course and an incident, a school, the file."""
    body = [("S1", {"gender": "X" if held == "S1" else "M"}), ("S2", {}), ("AC", {}),
            ("AC", {"course_section": "C2", "course_title": "" if held == "AC and I1" else "MATH"}),
            ("AM", {}), ("AM", {"course_number": "C2"}), ("I1", {"gang_related": "Q" if held == "AC and I1" else "N"}),
            ("I2", {}), ("S1", {"student_number": "8181818", "ssid": "2345678"})]
    text = build(body, sc={"days_in_school_year": "ABC"} if held == "SC" else None,
                 di={"lea_number": "X1"} if held == "DI" else None)
    path = tmp_path / "f.txt"
    path.write_text(text)
    got: dict[str, pl.LazyFrame] = {}
    result = validate_file(path, Options(outcome=lambda lf: got.setdefault("o", lf.collect().lazy())))
    expected = counts(got["o"])
    assert {k: v for k, v in result.summary["accepted_by_type"].items() if v} == expected["accepted"]
    assert result.summary["held_by_type"] == expected["held"]
    assert (result.summary["held"] > 0) == (held != "none")
    if held in ("SC", "DI"):
        assert result.summary["accepted"] == (1 if held == "SC" else 0)  # only the DI, above the school


def test_findings_are_the_same_made_per_block_or_at_the_end(tmp_path: Path, monkeypatch) -> None:
    """Failing records are held across blocks and their findings made together (runner.FLUSH_ROWS); made
    after every block instead, in blocks of a few records, the findings are the same."""
    from utrex.engine import runner

    body = [("S1", {"gender": "X"}), ("S2", {"scram_membership": "ABC"}), ("AC", {"course_title": ""}), ("AM", {}),
            ("S1", {"student_number": "8181818", "ssid": "2345678", "birth_date": "20200230"}),
            ("AM", {"student_number": "8181818", "period": "X9"}), ("I1", {"gang_related": "Q"}), ("I2", {})] * 3
    path = tmp_path / "f.txt"
    path.write_text(build(body))
    whole = validate_file(path, Options())
    monkeypatch.setattr(runner, "FLUSH_ROWS", 1)
    per_block = validate_file(path, Options(block_bytes=700))
    assert whole.findings.height >= 15
    assert whole.findings.equals(per_block.findings)


def test_level2_planning_runs_beside_the_first_blocks_and_its_errors_surface(tmp_path: Path, monkeypatch) -> None:
    """Level 2 is planned on a thread while the first blocks' Level 1 runs; blocks read before it is done are
    kept once it is (the findings match a run that waits for the plan), and an error of the plan is raised."""
    import threading

    body = [("S1", {"gender": "X"}), ("S2", {}), ("AC", {}), ("AM", {}), ("AM", {"course_number": "NOPE"}),
            ("S1", {"student_number": "8181818", "ssid": "2345678"}), ("AM", {"student_number": "8181818"})] * 4
    path = tmp_path / "f.txt"
    path.write_text(build(body))
    plan = tables.Tables.plan
    gate = threading.Event()

    def slow_plan(self, rules, ctx) -> None:  # done only after several blocks were read
        gate.wait(5)
        plan(self, rules, ctx)

    def progress(done: int, total: int) -> None:
        if done > 3000:
            gate.set()

    monkeypatch.setattr(tables.Tables, "plan", slow_plan)
    late = validate_file(path, Options(block_bytes=400, progress=progress))
    monkeypatch.setattr(tables.Tables, "plan", plan)
    at_once = validate_file(path, Options(block_bytes=400))
    assert late.findings.height and any(r.startswith("AM.course_number.no_ac") for r in late.findings["rule"])
    assert late.findings.equals(at_once.findings) and late.summary["held"] == at_once.summary["held"]

    def broken(self, rules, ctx) -> None:
        raise RuntimeError("planning failed")

    monkeypatch.setattr(tables.Tables, "plan", broken)
    with pytest.raises(RuntimeError, match="planning failed"):
        validate_file(path, Options())
