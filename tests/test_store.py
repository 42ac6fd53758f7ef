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
from sqlalchemy import func, inspect, select, text
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.engine.validate import Options, validate_file
from utrex.spec import Period
from utrex.store import SchemaOutOfDate, Store, bulk, schema
from utrex.store import submissions as S
from utrex.store.models import Finding, Record, Submission, SubmissionOutcome
from utrex.synth import cli_synth

TABLES = {"submissions", "raw_files", "findings", "submission_outcomes", "records", "reference_versions"}


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
                for t in (Record, SubmissionOutcome, Finding, Submission)}


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


def test_migration_0004_carries_per_record_outcomes_into_blobs_and_back(store_settings) -> None:
    st = Store(store_settings)
    try:
        schema.upgrade(st.engine, "0003")
        rows = [(7, 3, "S1", "14|701|S1|9", "held", "S1.x"), (7, 1, "DI", "14|DI", "accepted", None),
                (8, 1, "DI", "14|DI", "accepted", None)]
        with st.engine.begin() as conn:
            for sid in (7, 8):
                conn.execute(text('INSERT INTO submissions (id, lea, "user", received_at, file_name, sha256, size, '
                                  "status, kind) VALUES (:i, '14', 'u', CURRENT_TIMESTAMP, 'f', 'h', 1, "
                                  "'validated', 'submission')"), {"i": sid})
            conn.execute(text("INSERT INTO submission_records VALUES (:s, :l, :t, :k, :st, :h)"),
                         [dict(zip(["s", "l", "t", "k", "st", "h"], r, strict=True)) for r in rows])
        schema.upgrade(st.engine, "0004")
        got = S.submission_outcome(st, 7)
        assert got.to_dicts() == [
            {"line": 1, "record_type": "DI", "record_key": "14|DI", "status": "accepted", "held_by": None},
            {"line": 3, "record_type": "S1", "record_key": "14|701|S1|9", "status": "held", "held_by": "S1.x"}]
        assert S.submission_outcome(st, 8).height == 1
        schema.downgrade(st.engine, "0003")
        with st.engine.connect() as conn:
            back = conn.execute(text("SELECT submission_id, line, record_type, record_key, status, held_by "
                                     "FROM submission_records ORDER BY submission_id, line")).all()
        assert sorted(tuple(r) for r in back) == sorted(rows)
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


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small files (quick to validate in a fresh process): a clean one and the same students flawed."""
    d = tmp_path_factory.mktemp("store-small")
    return {"clean": _synth(d / "clean.txt", students=30), "flawed": _synth(d / "flawed.txt", students=30,
                                                                             defects=0.1)}


LOAD_POINTS = ["load:start", "load:prepared", "load:begin", "load:stale0", "load:staled", "load:deleted",
               "load:records:batch0", "load:records:batch1", "load:records:batch3", "load:inserted", "load:prior_year",
               "load:cross_lea", "load:commit"]


@pytest.mark.parametrize("point", LOAD_POINTS)
def test_a_failure_mid_load_leaves_the_records_unchanged(store, small, monkeypatch, point) -> None:
    S.submit(small["clean"], "14", store=store)
    before, counts = state(store), table_counts(store)
    monkeypatch.setattr(bulk, "SQLITE_BATCH", 20)  # several batches on either backend
    monkeypatch.setattr(bulk, "COPY_BATCH", 20)
    seen: list[str] = []

    def boom(name: str) -> None:
        seen.append(name)
        if name == point:
            raise RuntimeError(f"injected at {name}")

    monkeypatch.setattr(bulk, "checkpoint", boom)
    with pytest.raises(S.SubmissionFailed, match=f"injected at {point}") as e:
        S.submit(small["flawed"], "14", store=store)
    assert point in seen
    assert state(store).equals(before)
    after = table_counts(store)
    assert after["records"] == counts["records"]
    sub = S.get(store, e.value.submission_id)  # type: ignore[arg-type]
    assert sub.status == "failed" and f"injected at {point}" in (sub.reason or "")


KILL = """
import os, signal, sys
from utrex.store import Store, bulk, submissions as S
from utrex.store.rollback import rollback
from utrex.store.settings import Settings
url, point, what = sys.argv[1:4]
def die(name):
    if name == point:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9: no cleanup, no rollback by Python
bulk.checkpoint = die
bulk.SQLITE_BATCH = bulk.COPY_BATCH = 20  # several batches of a small file
st = Store.open(Settings(database_url=url))
if what == "rollback":
    rollback("14", int(sys.argv[4]), "kill test", store=st)
else:
    S.submit(what, "14", store=st)
sys.exit(f"not killed: {point} was never reached")
"""

# 20+ points across a submission (receipt, validation, load) and a rollback; every one a real SIGKILL
KILL_SUBMIT = ["receive:archived", "validate:start", "validate:checked", "validate:findings", "findings:batch0",
               "findings:batch1", "validate:outcome", "validate:outcome_written",
               "validate:commit", "load:start", "load:prepared", "load:begin", "load:stale0", "load:staled",
               "load:deleted", "load:records:batch0", "load:records:batch2", "load:records:batch4",
               "load:inserted", "load:commit"]
KILL_ROLLBACK = ["rollback:start", "rollback:prepared", "load:deleted", "load:records:batch2", "load:commit"]


def _copies(store: Store, n: int) -> list[str]:
    """`n` copies of the store's database (closed first), one per killed process, so they run two at a time."""
    store.close()
    if store.dialect == "sqlite":
        import shutil

        db = Path(store.url.removeprefix("sqlite:///"))
        urls = []
        for i in range(n):
            shutil.copy(db, db.with_name(f"kill{i}.db"))
            urls.append(f"sqlite:///{db.with_name(f'kill{i}.db')}")
        return urls
    import psycopg

    base = store.url.rsplit("/", 1)
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as admin:
        for i in range(n):
            admin.execute(f'DROP DATABASE IF EXISTS "{base[1]}_k{i}"')
            admin.execute(f'CREATE DATABASE "{base[1]}_k{i}" TEMPLATE "{base[1]}"')
    return [f"{base[0]}/{base[1]}_k{i}" for i in range(n)]


def _drop_copies(urls: list[str]) -> None:
    if not urls or not urls[0].startswith("postgresql"):
        return
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as admin:
        for url in urls:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_a_process_killed_at_any_of_25_points_leaves_the_records_and_is_marked_failed(store, small) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clean = S.submit(small["clean"], "14", store=store)
    flawed = S.submit(small["flawed"], "14", store=store)
    assert flawed.held and S.in_force(store, "14", 2013)["stale"].any()  # the kills cross the stale step too
    before = S.in_force(store, "14", 2013)  # every column: text, source submission, line, stale, held_in
    runs = [(p, str(small["flawed"]), []) for p in KILL_SUBMIT] + \
           [(p, "rollback", [str(clean.id)]) for p in KILL_ROLLBACK]
    assert len(runs) >= 20
    urls = _copies(store, len(runs))
    try:
        def kill(i: int) -> subprocess.CompletedProcess:
            point, what, extra = runs[i]
            return subprocess.run([sys.executable, "-c", KILL, urls[i], point, what, *extra],
                                  capture_output=True, text=True, timeout=180)

        with ThreadPoolExecutor(2) as pool:
            procs = list(pool.map(kill, range(len(runs))))
        for (point, what, _), url, proc in zip(runs, urls, procs, strict=True):
            assert proc.returncode == -9, f"{what} at {point}: {proc.returncode} {proc.stderr[-2000:]}"
            with Store.open(store.settings, url=url) as reopened:
                assert S.in_force(reopened, "14", 2013).equals(before), f"{what} at {point}: records changed"
                last = S.list_submissions(reopened)[-1]
                assert last.status == "failed" and "interrupted" in (last.reason or ""), (point, last.status)
                assert last.kind == ("rollback" if what == "rollback" else "submission")
        with Store.open(store.settings, url=urls[-1]) as reopened:  # the store works on; same file, same state
            assert S.submit(small["flawed"], "14", store=reopened).status == "loaded"
            after = S.in_force(reopened, "14", 2013)
            assert after.drop("submission_id", "held_in").equals(before.drop("submission_id", "held_in"))
    finally:
        _drop_copies(urls)


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


def test_phone_numbers_and_kept_ssns_are_seen_by_the_lea_and_only_phones_by_special_education(store, tmp_path
                                                                                                ) -> None:
    from utrex.store.privacy import Audience, redact_text
    from utrex.testing import build

    text = build([("S1", {"ssn": "528654321", "grade_level": "12", "phone_number": "8015550142"})])
    path = tmp_path / "phone.txt"
    path.write_bytes(text.encode())
    S.submit(path, "14", store=store)
    seen: dict[str, dict[str, str | None]] = {}
    for who in ("lea", "state-special-education", "state"):
        out = tmp_path / f"{who}.csv"
        result = CliRunner().invoke(app, ["examine", "--lea", "14", "--audience", who, "--output", str(out)])
        assert result.exit_code == 0, result.output
        s1 = pl.read_csv(out, infer_schema=False).filter(pl.col("record_type") == "S1").row(0, named=True)
        seen[who] = {"ssn": s1["ssn"], "phone": s1["phone_number"], "last": s1["last_name"]}
        html = tmp_path / f"{who}.html"
        CliRunner().invoke(app, ["examine", "--lea", "14", "--audience", who, "-f", "html", "-o", str(html)])
        assert ("8015550142" in html.read_text()) == (who != "state")
    assert seen["lea"]["ssn"] == "528654321" and seen["lea"]["phone"] == "8015550142"
    assert seen["state-special-education"]["ssn"] is None and seen["state-special-education"]["phone"] == "8015550142"
    assert seen["state"]["ssn"] is None and seen["state"]["phone"] is None
    assert seen["state"]["last"] == seen["lea"]["last"]  # everything else is there
    result = CliRunner().invoke(app, ["examine", "--lea", "14", "--audience", "everyone"])
    assert result.exit_code == 2 and "expected one of" in result.output
    # the same rule on raw record text, for state reports that carry records: blanked in place
    records = S.in_force(store, "14", 2013)
    red = records.select(redact_text(pl.col("text"), pl.col("record_type"), Audience.STATE).alias("t"))["t"]
    s1 = [t for t, ty in zip(red, records["record_type"], strict=True) if ty == "S1"][0]
    assert "8015550142" not in s1 and "528654321" not in s1
    assert len(s1) == len([t for t in records["text"] if t.startswith("S1")][0])


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


# --- rollback ------------------------------------------------------------------------------------

def test_rollback_makes_an_earlier_submission_current_and_is_logged(store, files, monkeypatch) -> None:
    from utrex.store.rollback import rollback

    first = S.submit(files["clean"], "14", store=store)
    full = state(store)
    S.submit(files["shorter"], "14", store=store)
    assert not state(store).equals(full)
    entry = rollback("14", first.id, "the shorter extract lost five course memberships", user="bob", store=store)
    assert state(store).equals(full)  # the dropped records are back, as the first file had them
    assert set(S.in_force(store, "14", 2013)["submission_id"]) == {first.id}  # lines of that file
    assert (entry.kind, entry.restores_id, entry.user, entry.status) == ("rollback", first.id, "bob", "loaded")
    assert entry.note == "the shorter extract lost five course memberships" and entry.finished_at is not None
    log = S.list_submissions(store, "14")
    assert [s.kind for s in log] == ["submission", "submission", "rollback"]
    # a failure mid-rollback leaves the records as they were and logs the rollback failed
    S.submit(files["shorter"], "14", store=store)
    shorter = state(store)

    def boom(name: str) -> None:
        if name == "load:deleted":
            raise RuntimeError("injected")

    monkeypatch.setattr(bulk, "checkpoint", boom)
    with pytest.raises(S.SubmissionFailed, match="rollback failed.*injected") as e:
        rollback("14", first.id, "again", store=store)
    assert state(store).equals(shorter)
    assert S.get(store, e.value.submission_id).status == "failed"  # type: ignore[arg-type]


def test_rollback_to_a_submission_with_held_records_reloads_its_outcome(store, files) -> None:
    from utrex.store.rollback import rollback

    S.submit(files["clean"], "14", store=store)
    flawed = S.submit(files["flawed"], "14", store=store)
    after_flawed = state(store)  # held records: the clean versions, stale
    S.submit(files["clean"], "14", store=store)
    rollback("14", flawed.id, "back to Tuesday's extract", store=store)
    assert state(store).equals(after_flawed)  # the same load of the same outcome on the same records


def test_rollback_refusals_and_cli(store, files) -> None:
    from utrex.store.rollback import rollback

    loaded = S.submit(files["clean"], "14", store=store)
    validated = S.submit(files["clean"], "14", load=False, store=store)
    before, count = state(store), store.count_submissions()
    with pytest.raises(S.SubmissionRefused, match="LEA 14's, not LEA 15's"):
        rollback("15", loaded.id, "x", store=store)
    with pytest.raises(S.SubmissionRefused, match="is validated; only a loaded submission"):
        rollback("14", validated.id, "x", store=store)
    with pytest.raises(S.SubmissionRefused, match="needs a reason"):
        rollback("14", loaded.id, "  ", store=store)
    assert state(store).equals(before) and store.count_submissions() == count  # nothing logged
    runner = CliRunner()
    result = runner.invoke(app, ["rollback", "--lea", "14", "--to", str(loaded.id), "--reason", "audit",
                                 "--user", "state-admin", "--format", "json"])
    assert result.exit_code == 0, result.output
    entry = json.loads(result.output)
    assert (entry["kind"], entry["restores"], entry["note"], entry["user"]) == ("rollback", loaded.id, "audit",
                                                                                  "state-admin")
    with pytest.raises(S.SubmissionRefused, match="is a rollback"):
        rollback("14", entry["id"], "x", store=store)
    assert "rollback to submission" in runner.invoke(app, ["submissions"]).output
    bad = runner.invoke(app, ["rollback", "--lea", "14", "--to", "999", "--reason", "x"])
    assert bad.exit_code == 1 and "no submission 999" in bad.output


# --- examine -------------------------------------------------------------------------------------

def _rebuild(row: dict, school_year: int = 2013) -> str:
    """A record's text from its examine row: each field's value padded back to its width."""
    from utrex.spec import spec_for

    layout = spec_for(school_year).layout(row["record_type"])
    return "".join((row[f.id] or "").ljust(f.width) for f in layout.fields).rstrip()


def test_examine_csv_round_trips_the_field_values(store, tmp_path) -> None:
    from utrex.store.examine import META, field_columns

    path = _synth(tmp_path / "lea14.txt", students=100)  # utrex synth --lea 14 --students 100 --seed 1
    sub = S.submit(path, "14", store=store)
    lines = path.read_bytes().decode().splitlines()
    out = tmp_path / "examine.csv"
    for args in (["--lea", "14"], ["--submission", str(sub.id)]):
        result = CliRunner().invoke(app, ["examine", *args, "--format", "csv", "--output", str(out)])
        assert result.exit_code == 0, result.output
        df = pl.read_csv(out, infer_schema=False)
        assert df.columns == META + field_columns(2013)
        assert "phone_number" in df.columns and "ssn" in df.columns  # the LEA's own data
        assert df.height == sub.accepted and set(df["record_type"]) == set(sub.to_dict()["records_by_type"])
        for row in df.iter_rows(named=True):  # every field of every record, as the file has it
            assert _rebuild(row) == lines[int(row["line"]) - 1].rstrip(), row["line"]
        s1 = df.filter(pl.col("record_type") == "S1").row(0, named=True)
        text = lines[int(s1["line"]) - 1]
        assert s1["last_name"] == text[22:42].rstrip() and s1["student_number"] == text[3:13].rstrip()
        assert df.filter(pl.col("record_type") == "AM")["last_name"].is_null().all()  # not an AM field


def test_examine_html_is_one_table_per_type_and_escaped(store, files, tmp_path) -> None:
    from utrex.store.examine import Examined, to_html, with_fields

    S.submit(files["clean"], "14", store=store)
    S.submit(files["flawed"], "14", store=store)  # held records: yesterday's versions, stale
    result = CliRunner().invoke(app, ["examine", "--lea", "14", "--format", "html"])
    assert result.exit_code == 0, result.output
    page = result.output
    live = S.in_force(store, "14", 2013)
    for code in set(live["record_type"]):
        assert page.count(f'<h2 id="{code}">') == 1
    assert 'class="stale"' in page and "<script" not in page and "http" not in page.split("<body>")[1]
    s1 = "S1=" + "12345".ljust(10) + " " * 9 + "<b>O'Hara&Co</b>".ljust(20)
    frame = pl.DataFrame({"lea": ["14"], "submission": [1], "line": [2], "record_type": ["S1"], "text": [s1],
                          "stale": [False]})
    html = to_html(Examined(with_fields(frame, 2013), 2013, "<title>"))
    assert "<b>O" not in html and "&lt;b&gt;O&#39;Hara&amp;Co&lt;/b&gt;" in html and "&lt;title&gt;" in html


# --- a submission's findings in every report format ------------------------------------------------

def test_submission_findings_in_every_report_format(store, files, tmp_path) -> None:
    import openpyxl

    sub = S.submit(files["flawed"], "14", store=store)
    stored = S.submission_findings(store, sub.id)
    runner = CliRunner()
    out = {f: tmp_path / f"s.{f}" for f in ("csv", "html", "xlsx", "txt", "json")}
    for fmt, path in [("csv", out["csv"]), ("html", out["html"]), ("xlsx", out["xlsx"]), ("text", out["txt"]),
                      ("json", out["json"])]:
        result = runner.invoke(app, ["submission", str(sub.id), "--format", fmt, "--output", str(path)])
        assert result.exit_code == 0, (fmt, result.output)
    csv = pl.read_csv(out["csv"], infer_schema=False)
    from utrex.report.findings_io import CSV_COLUMNS

    assert csv.columns == CSV_COLUMNS and csv.height == stored.height == sub.errors + sub.warnings
    assert sorted(zip(csv["rule"], csv["line"], strict=True)) == sorted(
        zip(stored["rule"], stored["line"].cast(pl.Utf8), strict=True))
    html = out["html"].read_text()
    assert f"Submission {sub.id}" in html and all(r in html for r in set(stored["rule"]))
    wb = openpyxl.load_workbook(out["xlsx"], read_only=True)
    assert wb.sheetnames[0] == "Summary"
    rows = sum(max(ws.max_row - 1, 0) for ws in wb.worksheets[1:])
    assert rows == stored.height
    text = out["txt"].read_text()
    assert f"submission {sub.id}: LEA 14" in text and f"{sub.errors:,} error(s)" in text
    assert len(json.loads(out["json"].read_text())["findings"]) == stored.height
    assert runner.invoke(app, ["submission", str(sub.id), "--format", "xlsx"]).exit_code == 2


# --- submissions in the background (the portal and the collector) ------------------------------------

def test_a_background_submission_is_received_at_once_and_polled_to_the_end(store, files, tmp_path) -> None:
    import shutil
    import threading

    from utrex.store import jobs

    gate = threading.Event()
    original = bulk.checkpoint

    def held_at_validation(name: str) -> None:  # the job waits here until the test has polled it
        if name == "validate:start":
            gate.wait(60)
        original(name)

    upload = tmp_path / "upload.txt"
    shutil.copy(files["flawed"], upload)
    bulk.checkpoint = held_at_validation
    try:
        with jobs.SubmissionJobs(store) as pool:
            sub = pool.start(upload, "14", user="portal:ann", remove_file=True)
            early = jobs.poll(store, sub.id)
            assert early["status"] in ("received", "validating") and early["done"] is False
            assert early["user"] == "portal:ann" and sub.id in pool.running()
            gate.set()
            done = pool.wait(sub.id, timeout=120)
    finally:
        bulk.checkpoint = original
    assert done.status == "loaded" and done.held and jobs.poll(store, sub.id)["done"] is True
    assert not upload.exists()  # the upload's temporary file is removed once the job is done
    assert S.in_force(store, "14", 2013).height == done.accepted


def test_a_background_refusal_is_immediate_and_a_failure_is_polled(store, files, monkeypatch) -> None:
    from utrex.store import jobs

    with jobs.SubmissionJobs(store) as pool:
        with pytest.raises(S.SubmissionRefused, match="names LEA 14"):
            pool.start(files["clean"], "15")

        def boom(name: str) -> None:
            if name == "load:deleted":
                raise RuntimeError("disk full")

        monkeypatch.setattr(bulk, "checkpoint", boom)
        sub = pool.start(files["clean"], "14")
        failed = pool.wait(sub.id, timeout=120)
    assert failed.status == "failed" and "disk full" in (failed.reason or "")
    assert jobs.poll(store, sub.id)["done"] is True
    assert S.in_force(store, "14", 2013).height == 0


def test_a_poll_between_validation_and_load_is_not_done(store, files) -> None:
    """Validated is final for a validate-only submission: a submission whose load is still to come must not
    read as validated (a status page would stop refreshing before the load)."""
    from utrex.store import jobs

    seen: dict[str, dict[str, object]] = {}
    original = bulk.checkpoint

    def look(name: str) -> None:  # the first point of the load, after validation has committed
        if name == "load:start":
            seen["between"] = jobs.poll(store, sub_id[0])
        original(name)

    sub_id: list[int] = []
    received, archived = S.receive(store, files["clean"], "14", "test")
    sub_id.append(received.id)
    bulk.checkpoint = look
    try:
        done = S.process(store, received.id, files["clean"], archived)
    finally:
        bulk.checkpoint = original
    assert seen["between"]["status"] == "loading" and seen["between"]["done"] is False
    assert done.status == "loaded"
    checked, archived = S.receive(store, files["clean"], "14", "test")  # validate only: validated is the end
    assert S.process(store, checked.id, files["clean"], archived, load=False).status == "validated"
    assert jobs.poll(store, checked.id)["done"] is True
