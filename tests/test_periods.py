"""Reporting periods: count dates and deadlines of both policies (specification data), extensions, and
finalized snapshots in the store on SQLite and PostgreSQL (the `store` fixture of conftest.py), and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.spec import Period, period_policy
from utrex.store import submissions as S
from utrex.store.models import SnapshotRecord
from utrex.store.periods import (
    PeriodError,
    extension_in_force,
    finalize,
    grant_extension,
    policy_for,
    prepare,
    records_for,
    set_policy,
)
from utrex.store.rollback import rollback
from utrex.synth import cli_synth

D = dt.date


def _synth(path: Path, seed: int = 1, period: Period = Period.OCTOBER, defects: float = 0.0) -> Path:
    cli_synth(output=path, lea="14", students=40, period=period, school_year=2013, seed=seed, defects=defects,
              state=False, leas=1, reference=None)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("period-files")
    return {"october": _synth(d / "oct.txt"), "october2": _synth(d / "oct2.txt", seed=2),
            "flawed": _synth(d / "flawed.txt", defects=0.05),
            "december": _synth(d / "dec.txt", period=Period.DECEMBER)}


def _accepted(store, sub_id: int) -> pl.DataFrame:
    sub = S.get(store, sub_id)
    acc, _ = S.split_outcome(S.submission_outcome(store, sub_id), S.raw_file(store, sub_id), sub.school_year)
    return acc.select("record_key", "record_type", "text").sort("record_key")


def _finalize(store, sub_id: int, today: D, period: str = "october", user: str = "ann"):
    return finalize(store, prepare(store, "14", period, sub_id, today), user, today)


# --- the dates: specification data ----------------------------------------------------------------

def test_count_dates_move_from_a_weekend_to_the_next_monday() -> None:
    p = period_policy(2013)
    assert p.name == "2012-13"
    assert p.dates(Period.OCTOBER).count_date(2013) == D(2012, 10, 1)  # a Monday
    assert p.dates(Period.DECEMBER).count_date(2013) == D(2012, 12, 3)  # December 1, 2012 is a Saturday
    assert p.dates(Period.OCTOBER).count_date(2012) == D(2011, 10, 3)  # October 1, 2011 is a Saturday
    assert p.dates(Period.OCTOBER).count_date(2015) == D(2014, 10, 1)
    assert p.dates(Period.DECEMBER).count_date(2014) == D(2013, 12, 2)  # a Sunday
    # Year-End counts all activity of the school year: its last day, not moved (June 30, 2013 is a Sunday)
    assert p.dates(Period.YEAR_END).count_date(2013) == D(2013, 6, 30)


def test_deadlines_and_analysis_dates_of_the_2012_13_policy() -> None:
    p = period_policy(2013)
    got = {d.period.value: (d.due_date(2013), d.revise_until_date(2013), d.analysis.on(2013)) for d in p.periods}
    assert got == {"october": (D(2012, 10, 15), D(2012, 10, 15), D(2012, 10, 16)),
                   "december": (D(2012, 12, 15), D(2012, 12, 15), D(2012, 12, 16)),
                   "year-end": (D(2013, 7, 7), D(2013, 7, 7), D(2013, 7, 8))}
    assert p.extensions


def test_deadlines_of_the_no_extensions_policy() -> None:
    p = period_policy(2013, "no-extensions")
    october = p.dates(Period.OCTOBER)
    assert not p.extensions
    assert october.due_date(2013) == D(2012, 10, 10)  # Monday October 1 + 7 weekdays
    assert october.due_date(2012) == D(2011, 10, 11)  # Saturday October 1: Mon 3 ... Tue 11
    assert october.revise_until_date(2013) == D(2012, 10, 15)
    assert p.dates(Period.DECEMBER).due_date(2013) == D(2012, 12, 15)
    with pytest.raises(KeyError, match="no period policy"):
        period_policy(2013, "nonesuch")


def test_the_policy_is_chosen_per_school_year(store) -> None:
    assert policy_for(store, 2013).name == "2012-13"
    set_policy(store, 2014, "no-extensions", "state")
    assert policy_for(store, 2014).name == "no-extensions" and policy_for(store, 2013).name == "2012-13"
    set_policy(store, 2014, "2012-13", "state")  # set again: replaced
    assert policy_for(store, 2014).name == "2012-13"
    with pytest.raises(PeriodError, match="no period policy 'x'"):
        set_policy(store, 2014, "x", "state")


# --- extensions -----------------------------------------------------------------------------------

def test_extensions_allowed_by_2012_13_and_forbidden_by_the_later_policy(store) -> None:
    ext = grant_extension(store, "14", 2013, "october", D(2012, 10, 22), "david")
    assert (ext.lea, ext.period, ext.until, ext.user) == ("14", "october", D(2012, 10, 22), "david")
    assert extension_in_force(store, "14", 2013, "october").id == ext.id  # type: ignore[union-attr]
    assert extension_in_force(store, "14", 2013, "december") is None
    assert extension_in_force(store, "15", 2013, "october") is None
    later = grant_extension(store, "14", 2013, "october", D(2012, 10, 25), "david")
    assert extension_in_force(store, "14", 2013, "october").id == later.id  # type: ignore[union-attr]
    with pytest.raises(PeriodError, match="must go past the october 2013 deadline 2012-10-15"):
        grant_extension(store, "14", 2013, "october", D(2012, 10, 15), "david")
    with pytest.raises(PeriodError, match="not a reporting period"):
        grant_extension(store, "14", 2013, "monthly", D(2013, 3, 1), "david")
    set_policy(store, 2013, "no-extensions", "state")
    with pytest.raises(PeriodError, match="allows no extensions"):
        grant_extension(store, "14", 2013, "december", D(2012, 12, 20), "heidi")
    assert extension_in_force(store, "14", 2013, "october") is None  # granted ones lapse too


# --- finalize -------------------------------------------------------------------------------------

def test_finalize_counts_and_freezes_against_later_submissions_and_rollbacks(store, files) -> None:
    first = S.submit(files["flawed"], "14", store=store)
    prepared = prepare(store, "14", "october", first.id, D(2012, 10, 10))
    outcome = S.submission_outcome(store, first.id)
    accepted = _accepted(store, first.id)
    c = prepared.counts
    assert c["accepted"] == accepted.height and c["held"] == first.held > 0
    by_type = accepted.group_by("record_type").len()
    assert c["records_by_type"] == dict(zip(by_type["record_type"], by_type["len"], strict=True))
    assert sum(c["held_by_type"].values()) == outcome.filter(pl.col("status") == "held").height
    assert 0 < c["students"] <= 40 and c["students"] <= c["records_by_type"]["S1"]
    fin = finalize(store, prepared, "ann", D(2012, 10, 10))
    assert (fin.user, fin.submission_id, fin.deadline, fin.policy, fin.replaces_id) == (
        "ann", first.id, D(2012, 10, 15), "2012-13", None)
    assert fin.finalized_at is not None
    frozen = records_for(store, "14", 2013, "october", finalized=True)
    assert frozen.equals(accepted)
    # the LEA submits again and rolls back: the live records change, the snapshot does not
    second = S.submit(files["october2"], "14", store=store)
    live = records_for(store, "14", 2013)
    assert not live.equals(frozen) and set(live["text"]) == set(_accepted(store, second.id)["text"])
    assert records_for(store, "14", 2013, "october", finalized=True).equals(frozen)
    rollback("14", first.id, "back", store=store)
    S.submit(files["october"], "14", store=store)
    assert records_for(store, "14", 2013, "october", finalized=True).equals(frozen)


def test_refinalize_replaces_until_the_deadline_and_is_refused_after_it(store, files) -> None:
    first = S.submit(files["october"], "14", store=store)
    second = S.submit(files["october2"], "14", store=store)
    one = _finalize(store, first.id, D(2012, 10, 2))
    two = _finalize(store, second.id, D(2012, 10, 15), user="bob")  # the last day: still allowed
    assert two.replaces_id == one.id and two.user == "bob"
    assert records_for(store, "14", 2013, "october", finalized=True).equals(_accepted(store, second.id))
    with store.session() as s:  # the replaced snapshot's records are gone, its log row stays
        left = s.scalar(select(func.count()).select_from(SnapshotRecord)
                        .where(SnapshotRecord.finalization_id == one.id))
    assert left == 0
    with pytest.raises(PeriodError, match=r"deadline was 2012-10-15 \(revision deadline.*re-finalizing is refused"):
        _finalize(store, first.id, D(2012, 10, 16))
    assert records_for(store, "14", 2013, "october", finalized=True).equals(_accepted(store, second.id))
    # an extension moves the deadline to its date
    grant_extension(store, "14", 2013, "october", D(2012, 10, 19), "david")
    three = _finalize(store, first.id, D(2012, 10, 19))
    assert three.deadline == D(2012, 10, 19) and three.replaces_id == two.id
    with pytest.raises(PeriodError, match=r"deadline was 2012-10-19 \(extension granted by david\)"):
        _finalize(store, second.id, D(2012, 10, 20))
    # a first finalization after the due date is refused too (another period)
    december = S.submit(files["december"], "14", store=store)
    with pytest.raises(PeriodError, match="december 2013 deadline was 2012-12-15"):
        prepare(store, "14", "december", december.id, D(2012, 12, 16))


def test_the_later_policy_due_date_then_revisions_until_october_15(store, files) -> None:
    set_policy(store, 2013, "no-extensions", "state")
    sub = S.submit(files["october"], "14", store=store)
    with pytest.raises(PeriodError, match=r"deadline was 2012-10-10 \(due date, policy no-extensions\).*"
                                          "allows no extensions"):
        _finalize(store, sub.id, D(2012, 10, 11))
    _finalize(store, sub.id, D(2012, 10, 10))
    again = _finalize(store, sub.id, D(2012, 10, 15))  # a revision
    assert again.deadline == D(2012, 10, 15)
    with pytest.raises(PeriodError, match="deadline was 2012-10-15"):
        _finalize(store, sub.id, D(2012, 10, 16))


def test_only_a_loaded_submission_of_the_lea_for_that_period_is_finalized(store, files) -> None:
    loaded = S.submit(files["october"], "14", store=store)
    validated = S.submit(files["october"], "14", load=False, store=store)
    december = S.submit(files["december"], "14", store=store)
    today = D(2012, 10, 5)
    with pytest.raises(PeriodError, match="LEA 14's, not LEA 15's"):
        prepare(store, "15", "october", loaded.id, today)
    with pytest.raises(PeriodError, match="is validated; only a loaded submission"):
        prepare(store, "14", "october", validated.id, today)
    with pytest.raises(PeriodError, match="is for the december period.*not october"):
        prepare(store, "14", "october", december.id, today)
    back = rollback("14", loaded.id, "x", store=store)
    with pytest.raises(PeriodError, match="is a rollback"):
        prepare(store, "14", "october", back.id, today)
    with pytest.raises(S.SubmissionRefused, match="no submission 999"):
        prepare(store, "14", "october", 999, today)
    with pytest.raises(PeriodError, match="not a reporting period"):
        prepare(store, "14", "monthly", loaded.id, today)


def test_records_for_reports_live_or_finalized(store, files) -> None:
    with pytest.raises(PeriodError, match="LEA 14 has not finalized october 2013"):
        records_for(store, "14", 2013, "october", finalized=True)
    with pytest.raises(PeriodError, match="give the period"):
        records_for(store, "14", 2013, finalized=True)
    assert records_for(store, "14", 2013).height == 0
    sub = S.submit(files["october"], "14", store=store)
    live = records_for(store, "14", 2013)
    assert live.columns == ["record_key", "record_type", "text"]
    assert live.sort("record_key").equals(
        S.in_force(store, "14", 2013).select("record_key", "record_type", "text").sort("record_key"))
    _finalize(store, sub.id, D(2012, 10, 3))
    assert records_for(store, "14", 2013, Period.OCTOBER, finalized=True).equals(live)
    with pytest.raises(PeriodError, match="not finalized december"):
        records_for(store, "14", 2013, "december", finalized=True)


# --- the CLI --------------------------------------------------------------------------------------

def test_cli_finalize_confirms_shows_counts_and_refuses_after_the_deadline(store, files) -> None:
    runner = CliRunner()
    sub = S.submit(files["october"], "14", store=store)
    args = ["finalize", "--lea", "14", "--period", "october", "--submission", str(sub.id), "--user", "ann"]
    no = runner.invoke(app, [*args, "--today", "2012-10-05"], input="n\n")
    assert no.exit_code == 1 and "not finalized" in no.output
    assert f"freezes   {sub.accepted:,} accepted records" in no.output and "students" in no.output
    with pytest.raises(PeriodError):
        records_for(store, "14", 2013, "october", finalized=True)
    yes = runner.invoke(app, [*args, "--today", "2012-10-05"], input="y\n")
    assert yes.exit_code == 0, yes.output
    assert f"frozen from submission {sub.id} by ann" in yes.output
    again = runner.invoke(app, [*args, "--today", "2012-10-15", "--yes"])
    assert again.exit_code == 0 and "replaces  finalization" in again.output
    late = runner.invoke(app, [*args, "--today", "2012-10-16", "--yes"])
    assert late.exit_code == 1 and "deadline was 2012-10-15" in late.output
    other = runner.invoke(app, ["finalize", "--lea", "15", "--period", "october", "--submission", str(sub.id),
                                "--yes", "--today", "2012-10-05"])
    assert other.exit_code == 1 and "not LEA 15's" in other.output


def test_cli_periods_extensions_and_policy(store, files) -> None:
    runner = CliRunner()
    sub = S.submit(files["october"], "14", store=store)
    _finalize(store, sub.id, D(2012, 10, 5))
    ok = runner.invoke(app, ["extension", "--lea", "14", "--period", "december", "--until", "2012-12-21",
                             "--school-year", "2013", "--user", "heidi"])
    assert ok.exit_code == 0 and "through 2012-12-21, granted by heidi" in ok.output
    listed = json.loads(runner.invoke(app, ["extensions", "--format", "json"]).output)
    assert [(e["lea"], e["period"], e["until"], e["user"]) for e in listed] == [("14", "december", "2012-12-21",
                                                                                  "heidi")]
    view = json.loads(runner.invoke(app, ["periods", "--school-year", "2013", "--lea", "14", "-f", "json"]).output)
    by = {p["period"]: p for p in view["periods"]}
    assert view["policy"] == "2012-13"
    assert (by["december"]["count_date"], by["december"]["due"]) == ("2012-12-03", "2012-12-15")
    assert by["december"]["leas"][0]["extension"]["until"] == "2012-12-21"
    fin = by["october"]["leas"][0]["finalization"]
    assert (fin["submission"], fin["user"]) == (sub.id, "ann") and fin["finalized_at"]
    assert by["year-end"]["leas"][0] == {"lea": "14", "extension": None, "finalization": None}
    text = runner.invoke(app, ["periods", "--school-year", "2013"]).output
    assert f"LEA 14: finalized submission {sub.id} by ann" in text and "extension through 2012-12-21" in text
    assert "2012-10-01" in text and "2013-07-08" in text
    set_ = runner.invoke(app, ["period-policy", "--school-year", "2013", "--policy", "no-extensions"])
    assert set_.exit_code == 0 and "policy no-extensions" in set_.output
    refused = runner.invoke(app, ["extension", "--lea", "14", "--period", "october", "--until", "2012-10-20",
                                  "--school-year", "2013"])
    assert refused.exit_code == 1 and "allows no extensions" in refused.output
    later = json.loads(runner.invoke(app, ["periods", "--school-year", "2013", "-f", "json"]).output)
    assert later["periods"][0]["due"] == "2012-10-10" and later["periods"][0]["revise_until"] == "2012-10-15"
    bad = runner.invoke(app, ["period-policy", "--school-year", "2013", "--policy", "x"])
    assert bad.exit_code == 1 and "no period policy" in bad.output
