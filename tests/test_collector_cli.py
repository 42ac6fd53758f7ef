"""`utrex sources` and `utrex collections`: add, schedule, collect now, act, and the JSON listing with
what each LEA has due (store periods) and the months still without a submission."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from collector_helpers import synth
from utrex.cli.main import app
from utrex.collector.dashboard import lea_due, months_of
from utrex.store import Store
from utrex.store.models import Submission

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_sources_schedule_run_and_the_json_listing(store: Store, tmp_path: Path, monkeypatch) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    synth(drop / "lea14.txt")
    code, out = cli("sources", "add", "--lea", "14", "--name", "sis", "--kind", "folder", "--path", str(drop),
                    "--pattern", "*.txt", "--settle", "0")
    assert (code, out.strip()) == (0, "source 1: LEA 14 'sis' (folder)")
    monkeypatch.setenv("SIS_PASSWORD", "hunter2")
    code, out = cli("sources", "add", "--lea", "14", "--name", "web", "--kind", "url", "--url",
                    "https://sis.example/lea14.txt", "--username", "u", "--password-env", "SIS_PASSWORD")
    assert code == 0
    code, out = cli("sources", "list", "--format", "json")
    listed = json.loads(out)
    assert [(s["id"], s["name"], s["kind"], s["credentials"]) for s in listed] == [
        (1, "sis", "folder", False), (2, "web", "url", True)]
    assert "hunter2" not in out
    assert cli("sources", "add", "--lea", "14", "--name", "sis", "--kind", "folder", "--path", "x")[0] == 1

    code, out = cli("collections", "schedule", "--lea", "14", "--source", "sis", "--action", "validate",
                    "--start", "2030-01-07 06:00", "--every", "weekly:MON,THU")
    assert (code, out.strip()) == (0, "schedule 1: LEA 14 validate weekly:MON,THU from 2030-01-07 06:00 America/Denver")
    code, out = cli("collections", "schedule", "--lea", "14", "--source", "sis", "--action", "publish",
                    "--start", "2030-01-07 06:00", "--every", "daily")
    assert code == 1 and "use collect, validate, submit or submit-if-clean" in out
    code, out = cli("collections", "schedule", "--lea", "14", "--source", "sis", "--action", "submit",
                    "--start", "2030-01-07 06:00", "--every", "hourly")
    assert code == 1 and "use once, daily, weekdays, weekly:MON,THU or monthly:1-31" in out

    code, out = cli("collections", "run", "1", "--format", "json")
    assert code == 0, out
    run = json.loads(out)
    assert (run["id"], run["status"], run["manual"], run["submission"], run["file_name"]) == (
        1, "validated", True, 1, "lea14.txt")
    code, out = cli("collections", "act", "1", "submit")
    assert (code, out.strip()) == (0, "run 1: submitted, submission 1")

    code, out = cli("collections", "--format", "json", "--today", "2013-01-20")
    view = json.loads(out)
    assert set(view) == {"schedules", "due"}
    (sc,) = view["schedules"]
    assert {k: sc[k] for k in ("id", "lea", "manifest", "source", "action", "every", "skip_unsubmitted",
                               "grace_minutes", "time_zone", "start")} == {
        "id": 1, "lea": "14", "manifest": "clearinghouse", "source": 1, "action": "validate",
        "every": "weekly:MON,THU", "skip_unsubmitted": True, "grace_minutes": 60, "time_zone": "America/Denver",
        "start": "2030-01-07 06:00"}
    assert sc["next_run"] == "2030-01-07T13:00:00+00:00"
    assert [(r["id"], r["status"], r["submission"]) for r in sc["runs"]] == [(1, "submitted", 1)]
    (due,) = view["due"]
    assert (due["lea"], due["school_year"]) == ("14", 2013)
    assert [d["period"] for d in due["deadlines"]] == ["october", "december", "year-end"]
    # the one submission was received today (real clock), not in 2012-13: every month so far lacks one
    assert due["months_without_submission"] == ["2012-07", "2012-08", "2012-09", "2012-10", "2012-11", "2012-12"]
    code, text = cli("collections", "--today", "2013-01-20")
    assert code == 0 and "schedule 1: LEA 14 clearinghouse from source 1, validate, weekly:MON,THU" in text
    assert "  run     1 due 20" in text and " submitted  submission 1" in text


def test_what_is_due_next_and_the_months_without_a_submission(store: Store, tmp_path: Path) -> None:
    from utrex.store.submissions import submit

    ids = [submit(synth(tmp_path / f"f{i}.txt", seed=i), "14", "t", store=store).id for i in range(3)]
    when = [dt.datetime(2012, 8, 31, 12, tzinfo=dt.UTC),  # August in Denver
            dt.datetime(2012, 11, 1, 5, tzinfo=dt.UTC),  # still October 31 in Denver (UTC-6)
            dt.datetime(2013, 1, 3, 12, tzinfo=dt.UTC)]
    with store.write() as conn:
        for sid, t in zip(ids, when, strict=True):
            conn.execute(update(Submission).where(Submission.id == sid).values(received_at=t))
    assert months_of(2013, dt.date(2013, 1, 20)) == ["2012-07", "2012-08", "2012-09", "2012-10", "2012-11",
                                                     "2012-12", "2013-01"]
    due = lea_due(store, "14", dt.date(2013, 1, 20))
    assert due["months_without_submission"] == ["2012-07", "2012-09", "2012-11", "2012-12"]
    assert due["this_month_submitted"] is True
    by_period = {d["period"]: d for d in due["deadlines"]}
    assert due["next_deadline"]["period"] == "year-end"
    assert due["next_deadline"]["due"] > "2013-01-20"
    assert [p for p, d in by_period.items() if d["overdue"]] == ["october", "december"]
    assert all(d["due"] < "2013-01-20" for d in due["overdue"])
