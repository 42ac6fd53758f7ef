"""`utrex synth`: deterministic, valid at Level 1, consistent across records, defects that are found."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from utrex.engine.validate import Options, validate_file
from utrex.reference.model import load_reference
from utrex.spec import Period, spec_for
from utrex.synth import cli_synth, generate_lea
from utrex.synth.defects import Planter

REF = load_reference(None)
SPEC = spec_for(2013)


def synth(path: Path, period: Period = Period.OCTOBER, students: int = 300, seed: int = 7, lea: str = "14",
          school_year: int = 2013, defects: float = 0.0) -> Path:
    generate_lea(path, ref=REF, lea=lea, students=students, period=period, school_year=school_year, seed=seed,
                 defects=defects)
    return path


def errors(path: Path, **kw: object) -> pl.DataFrame:
    res = validate_file(path, Options(**kw))  # type: ignore[arg-type]
    return res.findings.filter(pl.col("severity") == "error")


def records(path: Path) -> dict[str, pl.DataFrame]:
    """Every record type as a frame of its fields, with the line and the school of the SC above it."""
    lines = pl.DataFrame({"_text": path.read_bytes().decode("ascii").splitlines()}).with_row_index("_line", 1)
    lines = lines.with_columns(pl.col("_text").str.slice(0, 2).alias("_rt"))
    lines = lines.with_columns(pl.when(pl.col("_rt") == "SC").then(pl.col("_text").str.slice(3, 3))
                               .forward_fill().alias("_school"))
    out = {}
    for code in SPEC.codes:
        part = lines.filter(pl.col("_rt") == code)
        if part.height:
            layout = SPEC.layout(code)
            out[code] = part.with_columns([pl.col("_text").str.slice(f.offset, f.width).str.strip_chars_end()
                                           .alias(f.id) for f in layout.fields])
    return out


# -- determinism ---------------------------------------------------------------------------------------

def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = synth(tmp_path / "a.txt", seed=3)
    b = synth(tmp_path / "b.txt", seed=3)
    c = synth(tmp_path / "c.txt", seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_lines_are_crlf_terminated_records(tmp_path: Path) -> None:
    raw = synth(tmp_path / "f.txt").read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in ln for ln in lines)
    assert lines[0].startswith(b"DI=14,YR=2013,OK=OCT2012-10-01 ") and lines[1].startswith(b"SC=")
    for ln in lines[:-1]:
        code = ln[:2].decode()
        assert len(ln) == SPEC.layout(code).length, ln


# -- Level 1: clean files ------------------------------------------------------------------------------

@pytest.mark.parametrize("period", list(Period), ids=lambda p: p.value)
def test_clean_file_has_no_errors(tmp_path: Path, period: Period) -> None:
    path = synth(tmp_path / f"{period.value}.txt", period=period, students=400)
    found = errors(path)
    assert found.height == 0, found.select("rule", "line", "message").head(20).to_dicts()
    recs = records(path)
    assert {"DI", "SC", "S1", "S2", "AC", "AM"} <= set(recs)


def test_earlier_school_year_and_charter(tmp_path: Path) -> None:
    path = synth(tmp_path / "old.txt", period=Period.YEAR_END, school_year=2011, lea="73")
    assert errors(path).height == 0
    s1 = records(path)["S1"]
    assert s1["district_of_residence"].str.len_chars().min() == 2  # required for charters
    assert records(path)["DI"]["sisasofdate"][0].startswith("2011-07-")


def test_the_interface_check_command(tmp_path: Path) -> None:
    out = tmp_path / "sample.txt"
    msg = cli_synth(output=out, lea="14", students=300, period=Period.OCTOBER, school_year=2013, seed=7,
                    defects=0.0, state=False, leas=1, reference=None)
    assert "records" in msg and "\n" not in msg
    assert errors(out).height == 0


# -- Level 2 consistency -------------------------------------------------------------------------------

def check_consistency(path: Path) -> list[str]:
    r = records(path)
    probs: list[str] = []
    s1 = r["S1"]
    keys = s1.select("_school", "student_number").unique()
    for code, col in (("S2", "student_number"), ("S3", "student_number"), ("AM", "student_number"),
                      ("I2", "student_number")):
        if code in r:
            orphans = r[code].join(keys, left_on=["_school", col], right_on=["_school", "student_number"], how="anti")
            if orphans.height:
                probs.append(f"{code} without S1 in its school: lines {orphans['_line'].head(5).to_list()}")
    ac_key = ["_school", "course_section", "period"]
    if r["AC"].select(ac_key).is_duplicated().any():
        probs.append("duplicate AC course+section+period")
    no_ac = r["AM"].join(r["AC"], left_on=["_school", "course_number", "period"], right_on=ac_key, how="anti")
    if no_ac.height:
        probs.append(f"AM without AC: lines {no_ac['_line'].head(5).to_list()}")
    if "I2" in r:
        no_i1 = r["I2"].join(r["I1"], on=["_school", "incident_id"], how="anti")
        if no_i1.height:
            probs.append("I2 without I1")
    person = s1.select("student_number", "last_name", "first_name", "birth_date", "gender", "ssid").unique()
    if person["student_number"].is_duplicated().any() or person["ssid"].is_duplicated().any():
        probs.append("a student number or SSID names two people")
    enr = s1.filter(pl.col("resident_status") != "X").with_columns(
        pl.col("entry_date").str.to_date("%Y%m%d").alias("en"),
        pl.col("exit_date").replace("", None).str.to_date("%Y%m%d").alias("ex")).sort("en")
    prev_exit = pl.col("ex").shift(1).over(["_school", "student_number"])
    first = pl.col("en").rank("ordinal").over(["_school", "student_number"]) == 1
    overlap = enr.filter(~first & (prev_exit.is_null() | (prev_exit >= pl.col("en"))))
    if overlap.height:
        probs.append(f"overlapping enrollments in one school: lines {overlap['_line'].head(5).to_list()}")
    member = enr.filter(~pl.col("school_membership").is_in(["PVT", "HSC"])).with_columns(
        pl.col("school_membership").cast(pl.Int64).alias("m"), pl.col("days_attended").cast(pl.Int64).alias("att"))
    if member.filter((pl.col("school_of_record") == "N") & (pl.col("m") > 0)).height:
        probs.append("membership at a school that is not the school of record")
    self_contained = []
    for code, memb in (("S2", "scram_membership"), ("S3", "yic_membership")):
        if code in r:
            d = r[code].with_columns(pl.col(memb).cast(pl.Int64).alias("x"))
            self_contained.append(d.filter(pl.col("time") == "C").group_by("_school", "student_number")
                                  .agg(pl.col("x").sum().alias(f"c_{code}")))
            res = d.filter(pl.col("time") != "C").join(
                member.group_by("_school", "student_number").agg(pl.col("m").sum()), on=["_school", "student_number"])
            if res.filter(pl.col("x") > pl.col("m")).height:
                probs.append(f"{code} resource membership above school membership")
    per_school = member.group_by("_school", "student_number").agg(pl.col("m").sum(), pl.col("att").sum())
    for sc in self_contained:
        per_school = per_school.join(sc, on=["_school", "student_number"], how="left")
    c2 = pl.col("c_S2").fill_null(0) if "c_S2" in per_school.columns else pl.lit(0)
    c3 = pl.col("c_S3").fill_null(0) if "c_S3" in per_school.columns else pl.lit(0)
    if per_school.filter((pl.col("m") + c2 > 180) | (pl.col("m") + c3 > 180)).height:
        probs.append("school + self-contained membership above 180")
    if per_school.filter(pl.col("att") > pl.col("m") + c2 + c3).height:
        probs.append("days attended above membership")
    total = member.filter(pl.col("school_of_record") == "").group_by("ssid").agg(
        pl.col("m").sum(), pl.col("_school").n_unique().alias("schools"))
    if total.filter(pl.col("m") > 180 + 10 * (pl.col("schools") - 1)).height:
        probs.append("total membership above 180 + 10 x transfers")
    return probs


@pytest.mark.parametrize("period", [Period.OCTOBER, Period.YEAR_END], ids=lambda p: p.value)
def test_records_agree_with_each_other(tmp_path: Path, period: Period) -> None:
    path = synth(tmp_path / "f.txt", period=period, students=1500, seed=11)
    assert check_consistency(path) == []


def test_the_year_has_its_events(tmp_path: Path) -> None:
    r = records(synth(tmp_path / "ye.txt", period=Period.YEAR_END, students=1500, seed=11))
    s1 = r["S1"]
    codes = set(s1["exit_code"].to_list())
    assert {"TD", "TS", "DO"} <= codes and codes & {"OG", "Q1", "Q2", "Q3"}
    assert (s1.filter(pl.col("grade_level") == "12")["hs_completion_status"] != "").sum() > 0
    assert s1["student_number"].is_duplicated().any()  # re-enrollments and transfers: several S1 records
    assert (s1["school_of_record"] == "N").any()
    assert (s1["limited_english"] == "Y").any() and (s1["homeless"] != "0").any()
    assert {"S2", "S3", "I1", "I2"} <= set(r)
    am = r["AM"]
    assert (am["course_exit_date"] != "").all()  # required at Year-End
    assert (r["AC"]["cip_code"] != "").any() and (r["AC"]["college_granting_cr"] != "").any()


def test_a_previous_year_has_the_same_students(tmp_path: Path) -> None:
    now = records(synth(tmp_path / "13.txt", period=Period.OCTOBER, school_year=2013, students=500))["S1"]
    x = now.filter(pl.col("resident_status") == "X")  # last year's seniors, updating their completion status
    now = now.filter(pl.col("resident_status") != "X")
    before = records(synth(tmp_path / "12.txt", period=Period.OCTOBER, school_year=2012, students=500))["S1"]
    cols = ["student_number", "last_name", "first_name", "birth_date", "ssid", "grade_level"]
    j = before.select(cols).unique().join(now.select(cols).unique(), on="student_number", suffix="_now")
    assert j.height > 0.8 * before["student_number"].n_unique()
    for c in ("last_name", "first_name", "birth_date", "ssid"):
        assert (j[c] == j[f"{c}_now"]).all()
    grade = {"PK": -1, **{f"{g:02d}": g for g in range(13)}}
    assert all(grade[b] + 1 == grade[a] for b, a in zip(j["grade_level"], j["grade_level_now"], strict=True))
    seniors = before.filter(pl.col("grade_level") == "12").select(cols).unique()
    assert x.height and x.select(cols).join(seniors, on=cols, how="anti").height == 0


# -- defects ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", [Period.OCTOBER, Period.YEAR_END], ids=lambda p: p.value)
def test_every_planted_defect_is_found(tmp_path: Path, period: Period) -> None:
    path = synth(tmp_path / "d.txt", period=period, students=600, seed=5, defects=0.05)
    side = json.loads(Path(str(path) + ".defects.json").read_text())
    assert side["file"] == str(path)
    planted = side["defects"]
    n_records = len(path.read_bytes().splitlines())
    assert 0.03 * n_records < len(planted) < 0.07 * n_records
    # one defect per record (exceptions: a record between the DI and the first SC breaks two rules; a line's
    # terminator is no part of its record)
    assert len({(d["line"], d["rule"]) for d in planted}) == len(planted)
    records = [d["line"] for d in planted if d["line"] and d["line"] > 2 and not d["rule"].endswith("_terminator")]
    assert len(set(records)) == len(records)
    found = validate_file(path, Options()).findings
    by_key: dict[tuple[int, str], list[list[str]]] = {}
    for f in found.select("line", "rule", "fields").iter_rows():
        by_key.setdefault((f[0], f[1]), []).append(f[2] or [])
    missed = [d for d in planted if (d["line"], d["rule"]) not in by_key]
    assert missed == []
    assert any(d["line"] is None or d["line"] <= 2 for d in planted)  # the file's one whole-file defect
    wrong_field = [d for d in planted if d["field"] and not any(d["field"] in fs for fs in by_key[(d["line"], d["rule"])])]
    assert wrong_field == []
    rules = {d["rule"] for d in planted}
    assert any(r.startswith("FILE.") for r in rules) and any(r.startswith("S1.") for r in rules)


def test_the_cycle_reaches_every_eligible_rule(tmp_path: Path) -> None:
    path = synth(tmp_path / "d.txt", period=Period.OCTOBER, students=3000, seed=5, defects=0.1)
    side = json.loads(Path(str(path) + ".defects.json").read_text())
    planted = {d["rule"] for d in side["defects"]}
    eligible = {r.id for r in Planter(0.1, Period.OCTOBER, 1).rules}
    rare = ("S3.", "I1.", "I2.", "SC.", "ES.")  # few records of these types in a 3,000-student LEA
    missing = {r for r in eligible - planted - set(side["not_planted"]) if not r.startswith(rare)}
    assert missing == set()


def _planted_and_found(folder: Path, ref_dir: Path) -> tuple[set[str], list[dict[str, object]]]:
    ref = load_reference(ref_dir)
    planted: set[str] = set()
    missed: list[dict[str, object]] = []
    for f in sorted(folder.glob("lea*.txt")):
        side = json.loads(Path(str(f) + ".defects.json").read_text())
        found = validate_file(f, Options(reference=ref, levels=(1,))).findings
        got = set(found.select("line", "rule").iter_rows())
        for d in side["defects"]:
            planted.add(d["rule"])
            if (d["line"], d["rule"]) not in got:
                missed.append({"file": f.name, **d})
    return planted, missed


def test_every_rule_is_planted_over_a_state_of_each_update(tmp_path: Path) -> None:
    """Issue 2: --defects covers every rule id. One file cannot (one DI, one set of record types, ES
    records wrong in one update and right in another), a state of each update does; see
    docs/spec-decisions.md, `utrex synth`: Defects."""
    from utrex.engine.rules import registry
    from utrex.synth.defects import NOT_PLANTABLE
    from utrex.synth.state import generate_state

    planted: set[str] = set()
    missed: list[dict[str, object]] = []
    for period, year in ((Period.OCTOBER, 2013), (Period.DECEMBER, 2013), (Period.YEAR_END, 2013),
                         (Period.MONTHLY, 2013), (Period.DECEMBER, 2012)):
        folder = tmp_path / f"{period.value}{year}"
        generate_state(folder, ref=REF, lea="14", leas=24, students=1500, period=period, school_year=year, seed=3,
                       defects=0.1)
        got, lost = _planted_and_found(folder, folder / "reference")
        planted |= got
        missed += lost
    assert missed == []
    level1 = {r.id for r in registry().all() if "level2" not in r.tags}
    assert level1 - planted == set(NOT_PLANTABLE)


# -- state mode ------------------------------------------------------------------------------------------

def test_state_mode(tmp_path: Path) -> None:
    msg = cli_synth(output=tmp_path / "state", lea="14", students=250, period=Period.YEAR_END, school_year=2013,
                    seed=2, defects=0.0, state=True, leas=3, reference=None)
    assert "3 LEA files" in msg
    folder = tmp_path / "state"
    files = sorted(folder.glob("lea*-year-end.txt"))
    assert [f.name[:5] for f in files] == ["lea01", "lea14", "lea70"]  # two districts and a charter
    ref = load_reference(folder / "reference")
    assert ref.ssids is not None and any(not active for _, active in ref.ssids.values())
    ssids = []
    for f in files:
        found = errors(f, reference=ref)
        assert found.height == 0, (f.name, found.select("rule", "line", "message").head(10).to_dicts())
        assert check_consistency(f) == []
        s1 = records(f)["S1"].with_columns(pl.lit(f.name[3:5]).alias("file"))
        ssids.append(s1)
    s1 = pl.concat(ssids)
    moved = s1.group_by("ssid").agg(pl.col("file").n_unique().alias("leas"), pl.col("exit_code"),
                                    pl.col("last_name").n_unique().alias("names"))
    movers = moved.filter(pl.col("leas") > 1)
    assert movers.height > 0 and (movers["names"] == 1).all()
    assert movers.filter(pl.col("exit_code").list.eval(pl.element().is_in(["TS", "TR"])).list.any()).height \
        == movers.height
