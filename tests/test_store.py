"""The operational data store, on SQLite and on PostgreSQL (fixtures in conftest.py): migrations, the
schema check, submissions piecemeal and atomic, the in-force records, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.engine.validate import Options, validate_file
from utrex.spec import Period
from utrex.store import SchemaOutOfDate, Store, bulk, schema
from utrex.store import submissions as S
from utrex.store.models import Finding, Record, Submission, SubmissionRecord
from utrex.synth import cli_synth

TABLES = {"submissions", "raw_files", "findings", "submission_records", "records", "reference_versions"}


def _synth(path: Path, seed: int = 1, defects: float = 0.0, lea: str = "14", students: int = 200) -> Path:
    cli_synth(output=path, lea=lea, students=students, period=Period.OCTOBER, school_year=2013, seed=seed,
              defects=defects, state=False, leas=1, reference=None)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("store-files")
    clean = _synth(d / "clean.txt")
    flawed = _synth(d / "flawed.txt", defects=0.02)
    lines = clean.read_bytes().split(b"\r\n")
    am = [i for i, line in enumerate(lines) if line.startswith(b"AM=")]
    dropped = set(am[:5])  # five course memberships the next extract no longer holds
    shorter = d / "shorter.txt"
    shorter.write_bytes(b"\r\n".join(line for i, line in enumerate(lines) if i not in dropped))
    return {"clean": clean, "flawed": flawed, "shorter": shorter,
            "dropped": [lines[i].decode() for i in sorted(dropped)]}  # type: ignore[dict-item]


def state(store: Store, lea: str = "14", year: int = 2013) -> pl.DataFrame:
    """The in-force records, without which submission supplied them (same data = same state)."""
    return S.in_force(store, lea, year).select("record_key", "record_type", "text", "line", "stale")


def table_counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Record, SubmissionRecord, Finding, Submission)}


def outcome_of(path: Path) -> tuple[pl.DataFrame, dict]:
    got: dict[str, pl.DataFrame] = {}
    result = validate_file(path, Options(outcome=lambda lf: got.setdefault("o", lf.collect())))
    return got["o"], result.summary


# --- migrations and the schema check ------------------------------------------------------------

def test_migrations_apply_and_match_the_models(store_settings) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from utrex.store.models import Base

    st = Store(store_settings)
    try:
        assert schema.state(st.engine).revision is None
        before, after = schema.upgrade(st.engine)
        assert (before, after) == (None, schema.head())
        assert set(inspect(st.engine).get_table_names()) >= TABLES
        with st.engine.connect() as conn:  # the migrations create exactly what the models declare
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diffs == []
        schema.downgrade(st.engine, "base")
        assert not TABLES & set(inspect(st.engine).get_table_names())
        schema.upgrade(st.engine)
        assert schema.state(st.engine).current
    finally:
        st.close()


def test_old_schema_is_refused_until_upgraded(store_settings) -> None:
    st = Store(store_settings)
    schema.upgrade(st.engine, "0001")
    st.close()
    with pytest.raises(SchemaOutOfDate, match=r"revision 0001.*utrex db upgrade"):
        Store.open(store_settings)
    result = CliRunner().invoke(app, ["submissions"])
    assert result.exit_code != 0 and "utrex db upgrade" in result.output
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"0001 -> {schema.head()}" in result.output
    Store.open(store_settings).close()


def test_a_new_database_is_created_on_sqlite_and_must_be_migrated_on_postgresql(store_settings) -> None:
    if store_settings.url.startswith("sqlite"):
        with Store.open(store_settings) as st:
            assert schema.state(st.engine).current
        assert oct(os.stat(store_settings.url.removeprefix("sqlite:///")).st_mode & 0o777) == "0o600"
    else:
        with pytest.raises(SchemaOutOfDate, match="no utrex schema.*utrex db upgrade"):
            Store.open(store_settings)


def test_info_shows_home_url_revision_and_count(store, files) -> None:
    S.submit(files["clean"], "14", store=store)
    result = CliRunner().invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    assert f"schema:        {schema.head()}" in result.output
    assert "submissions:   1" in result.output
    assert str(store.settings.home) in result.output


def test_masked_url() -> None:
    from utrex.store.settings import mask_url

    assert mask_url("postgresql+psycopg://ods:s3cret@db:5432/utrex") == "postgresql+psycopg://ods:***@db:5432/utrex"


def test_key_file_is_generated_once_with_mode_0600(tmp_path, monkeypatch) -> None:
    from utrex.store.settings import Settings

    monkeypatch.delenv("UTREX_SECRET_KEY", raising=False)
    s = Settings(home=tmp_path / "h", database_url="sqlite://")
    key = s.key()
    assert len(key) == 32 and s.key() == key
    assert oct(s.key_path.stat().st_mode & 0o777) == "0o600"


# --- submissions ---------------------------------------------------------------------------------

def test_counts_equal_the_validators_outcome(store, files) -> None:
    outcome, summary = outcome_of(files["flawed"])
    sub = S.submit(files["flawed"], "14", user="ann", store=store)
    assert sub.status == "loaded" and sub.user == "ann"
    assert summary["held"] > 0
    assert (sub.accepted, sub.held, sub.errors, sub.warnings, sub.records) == (
        summary["accepted"], summary["held"], summary["errors"], summary["warnings"], summary["records"])
    stored = S.submission_outcome(store, sub.id)
    assert stored.sort("line").equals(outcome.sort("line").with_columns(pl.col("record_key").fill_null("")))
    assert S.submission_findings(store, sub.id).height == summary["errors"] + summary["warnings"]
    live = S.in_force(store, "14", 2013)
    accepted = outcome.filter(pl.col("status") == "accepted")
    assert live.height == accepted["record_key"].n_unique() and not live["stale"].any()
    # the text in force is the file's line, terminator removed
    lines = files["flawed"].read_text().split("\n")
    row = live.row(0, named=True)
    assert lines[row["line"] - 1].rstrip("\r") == row["text"]
    assert S.raw_file(store, sub.id) == files["flawed"].read_bytes()  # no SSN below grade 12 to blank


def test_held_record_keeps_yesterdays_version_in_force_marked_stale(store, files) -> None:
    first = S.submit(files["clean"], "14", store=store)
    assert first.held == 0
    yesterday = S.in_force(store, "14", 2013)
    second = S.submit(files["flawed"], "14", store=store)
    outcome = S.submission_outcome(store, second.id)
    held = set(outcome.filter(pl.col("status") == "held")["record_key"]) - set(
        outcome.filter(pl.col("status") == "accepted")["record_key"])
    now = S.in_force(store, "14", 2013)
    stale = now.filter(pl.col("stale"))
    assert stale.height > 0
    assert set(stale["record_key"]) == held & set(yesterday["record_key"])
    before = yesterday.join(stale.select("record_key"), on="record_key").sort("record_key")
    assert stale.sort("record_key")["text"].to_list() == before["text"].to_list()  # yesterday's text
    assert set(stale["submission_id"]) == {first.id} and set(stale["held_in"]) == {second.id}
    fresh = now.filter(~pl.col("stale"))
    assert set(fresh["submission_id"]) == {second.id}
    assert fresh.height == outcome.filter(pl.col("status") == "accepted")["record_key"].n_unique()
    # the LEA fixes its file: nothing stale any more
    third = S.submit(files["clean"], "14", store=store)
    assert not S.in_force(store, "14", 2013)["stale"].any()
    assert set(S.in_force(store, "14", 2013)["submission_id"]) == {third.id}


def test_a_record_the_next_submission_lacks_stops_counting(store, files) -> None:
    first = S.submit(files["clean"], "14", store=store)
    full = S.in_force(store, "14", 2013)
    S.submit(files["shorter"], "14", store=store)
    now = S.in_force(store, "14", 2013)
    dropped = set(full["text"]) - set(now["text"])
    assert dropped == set(files["dropped"])
    assert now.height == full.height - len(files["dropped"])
    # every earlier submission stays retrievable: its archived file and its records' outcome
    assert S.raw_file(store, first.id) == files["clean"].read_bytes()
    assert S.submission_outcome(store, first.id).height == first.records


def test_same_file_twice_gives_the_same_state(store, files) -> None:
    S.submit(files["clean"], "14", store=store)
    S.submit(files["flawed"], "14", store=store)
    once = state(store)
    S.submit(files["flawed"], "14", store=store)
    assert state(store).equals(once)


def test_another_leas_file_is_refused(store, files) -> None:
    S.submit(files["clean"], "14", store=store)
    before, counts = state(store), table_counts(store)
    with pytest.raises(S.SubmissionRefused, match="names LEA 14, but it was submitted for LEA 15") as e:
        S.submit(files["clean"], "15", store=store)
    assert state(store).equals(before)
    assert S.in_force(store, "15", 2013).height == 0
    logged = S.get(store, e.value.submission_id)  # type: ignore[arg-type]
    assert logged.status == "failed" and "refused" in (logged.reason or "")
    assert table_counts(store)["records"] == counts["records"]
    result = CliRunner().invoke(app, ["submit", str(files["clean"]), "--lea", "15"])
    assert result.exit_code == 1 and "names LEA 14" in result.output


def test_no_load_stops_at_validated_and_loads_later(store, files) -> None:
    sub = S.submit(files["clean"], "14", load=False, store=store)
    assert sub.status == "validated" and S.in_force(store, "14", 2013).height == 0
    loaded = S.load_submission(store, sub.id)  # from the archived file
    assert loaded.status == "loaded" and S.in_force(store, "14", 2013).height == sub.accepted
    with pytest.raises(S.SubmissionRefused, match="only a validated submission loads"):
        S.load_submission(store, sub.id)


LOAD_POINTS = ["load:start", "load:prepared", "load:begin", "load:stale0", "load:staled", "load:deleted",
               "load:records:batch0", "load:records:batch1", "load:records:batch3", "load:inserted", "load:commit"]


@pytest.mark.parametrize("point", LOAD_POINTS)
def test_a_failure_mid_load_leaves_the_records_unchanged(store, files, monkeypatch, point) -> None:
    S.submit(files["clean"], "14", store=store)
    before, counts = state(store), table_counts(store)
    monkeypatch.setattr(bulk, "SQLITE_BATCH", 200)  # several batches on either backend
    monkeypatch.setattr(bulk, "COPY_BATCH", 200)
    seen: list[str] = []

    def boom(name: str) -> None:
        seen.append(name)
        if name == point:
            raise RuntimeError(f"injected at {name}")

    monkeypatch.setattr(bulk, "checkpoint", boom)
    with pytest.raises(S.SubmissionFailed, match=f"injected at {point}") as e:
        S.submit(files["flawed"], "14", store=store)
    assert point in seen
    assert state(store).equals(before)
    after = table_counts(store)
    assert after["records"] == counts["records"]
    sub = S.get(store, e.value.submission_id)  # type: ignore[arg-type]
    assert sub.status == "failed" and f"injected at {point}" in (sub.reason or "")


KILL = """
import os, sys
from utrex.store import Store, bulk, submissions as S
from utrex.store.settings import Settings
point = sys.argv[2]
def die(name):
    if name == point:
        os._exit(9)  # as kill -9: no cleanup, no rollback by Python
bulk.checkpoint = die
bulk.SQLITE_BATCH = bulk.COPY_BATCH = 200
st = Store.open(Settings(database_url=sys.argv[1]))
S.submit(sys.argv[3], "14", store=st)
"""


@pytest.mark.parametrize("point", ["validate:submission_records", "load:deleted", "load:records:batch2",
                                   "load:commit"])
def test_a_killed_process_is_marked_failed_on_next_open(store, files, point) -> None:
    S.submit(files["clean"], "14", store=store)
    before = state(store)
    proc = subprocess.run([sys.executable, "-c", KILL, store.url, point, str(files["flawed"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    reopened = Store.open(store.settings)
    try:
        assert state(reopened).equals(before)
        last = S.list_submissions(reopened)[-1]
        assert last.status == "failed" and "interrupted" in (last.reason or "")
        assert S.submit(files["flawed"], "14", store=reopened).status == "loaded"  # the store works on
    finally:
        reopened.close()


def test_ssns_below_grade_12_are_blanked_before_archiving(store, tmp_path) -> None:
    from utrex.testing import build

    text = build([("S1", {"ssn": "528123456", "grade_level": "10"}),
                  ("S1", {"ssn": "528654321", "grade_level": "12", "student_number": "99999"})])
    path = tmp_path / "ssn.txt"
    path.write_bytes(text.encode())
    sub = S.submit(path, "14", store=store)
    assert sub.ssns_blanked == 1
    archived = S.raw_file(store, sub.id).decode()
    assert "528123456" not in archived and "528654321" in archived
    assert len(archived) == len(text)  # columns blanked in place
    assert "528123456" not in "".join(S.in_force(store, "14", 2013)["text"])
    messages = S.submission_findings(store, sub.id)["message"].to_list()
    assert not any("528123456" in m for m in messages)


def test_cli_submit_and_the_log(store, files) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["submit", str(files["flawed"]), "--lea", "14", "--user", "ann"])
    assert result.exit_code == 0, result.output  # held records are no failure
    result = runner.invoke(app, ["submit", str(files["clean"]), "--lea", "14", "--no-load"])
    assert result.exit_code == 0 and "validated" in result.output
    log = json.loads(runner.invoke(app, ["submissions", "--format", "json"]).output)
    assert [d["status"] for d in log] == ["loaded", "validated"]
    for d in log:
        assert {"id", "lea", "status", "records", "accepted", "held", "errors", "warnings"} <= d.keys()
    assert log[0]["user"] == "ann" and log[0]["held"] > 0
    result = runner.invoke(app, ["submission", str(log[1]["id"]), "--load", "--format", "json"])
    assert result.exit_code == 0, result.output
    one = json.loads(result.output)
    assert one["status"] == "loaded" and one["findings"] == []
    text = runner.invoke(app, ["submissions", "--lea", "14"]).output
    assert "2 submission(s)" in text
    assert json.loads(runner.invoke(app, ["submissions", "--lea", "15", "--format", "json"]).output) == []
    missing = runner.invoke(app, ["submission", "999"])
    assert missing.exit_code == 1 and "no submission 999" in missing.output


# --- reference data versions ---------------------------------------------------------------------

def test_reference_versions_are_stored_and_recorded_on_submissions(store, files, tmp_path) -> None:
    from importlib import resources

    from utrex.reference.model import ReferenceError
    from utrex.store import reference as R

    sample = Path(str(resources.files("utrex.reference") / "data" / "sample"))
    none = S.submit(files["clean"], "14", store=store)
    assert none.reference_version_id is None and "sample" in (none.reference_source or "")
    v1 = R.load_version(store, sample, "ref-admin")
    sub = S.submit(files["clean"], "14", store=store)
    assert sub.reference_version_id == v1.id and f"reference version {v1.id}" in (sub.reference_source or "")
    result = CliRunner().invoke(app, ["reference", "load", str(sample)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("leas.csv", "schools.csv", "core_codes.csv"):
        (bad / name).write_text((sample / name).read_text())
    (bad / "schools.csv").write_text("lea_number,school_number\n14,xyz\n")
    with pytest.raises(ReferenceError):
        R.load_version(store, bad)
    vs = R.versions(store)
    assert len(vs) == 2 and [v.current for v in vs] == [False, True]
    assert S.submit(files["clean"], "14", store=store).reference_version_id == vs[1].id
    listing = CliRunner().invoke(app, ["reference", "list"])
    assert listing.exit_code == 0 and "2 version(s)" in listing.output
