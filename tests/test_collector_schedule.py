"""Scheduled collections on a controlled clock, on both stores: a daily schedule across a week with each
action, the skip option on and off, a restart in the middle, a run that outlasts the interval."""

from __future__ import annotations

import datetime as dt
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector_helpers import Clock, synth
from utrex.collector import config as C
from utrex.collector.models import CollectedFile
from utrex.collector.runner import Runner
from utrex.collector.service import Collector
from utrex.store import Store
from utrex.store.models import Record, Submission

MON = dt.datetime(2013, 1, 7, 13, 0, tzinfo=dt.UTC)  # Monday 06:00 in Denver (MST, UTC-7)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("collector-files")
    return {"clean": synth(d / "clean.txt"), "flawed": synth(d / "flawed.txt", defects=0.03)}


def setup(store: Store, tmp_path: Path, file: Path, action: str, skip: bool = True, grace: int = 60,
          every: str = "daily") -> int:
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    (drop / "lea14.txt").write_bytes(file.read_bytes())
    C.add_source(store, "14", "sis", "folder", user="t", path=str(drop), pattern="*.txt", settle_seconds=0)
    return C.add_schedule(store, "14", "sis", action, "2013-01-07 06:00", every, user="t", skip_unsubmitted=skip,
                          grace_minutes=grace, now=MON - DAY).id


def statuses(store: Store, schedule_id: int) -> list[str]:
    return [r.status for r in reversed(C.list_runs(store, schedule_id=schedule_id))]


def submission_statuses(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(Submission.status).order_by(Submission.id)))


def week(store: Store, schedule_id: int, collector: Collector, clock: Clock, days: range = range(7)) -> None:
    for d in days:  # five minutes after each due time
        collector.tick(clock.set(MON + d * DAY + dt.timedelta(minutes=5)))


CASES = [  # action, skip, file, the seven runs, the submissions
    ("collect", True, "clean", ["collected"] + ["skipped"] * 6, []),
    ("collect", False, "clean", ["collected"] * 7, []),
    ("validate", True, "flawed", ["validated"] + ["skipped"] * 6, ["validated"]),
    ("validate", False, "clean", ["validated"] * 7, ["validated"] * 7),
    ("submit", True, "flawed", ["submitted"] * 7, ["loaded"] * 7),
    ("submit-if-clean", True, "clean", ["submitted"] * 7, ["loaded"] * 7),
    ("submit-if-clean", True, "flawed", ["validated"] + ["skipped"] * 6, ["validated"]),
    ("submit-if-clean", False, "flawed", ["validated"] * 7, ["validated"] * 7),
]


@pytest.mark.parametrize(("action", "skip", "file", "runs", "subs"), CASES,
                         ids=[f"{a}-{'skip' if s else 'noskip'}-{f}" for a, s, f, _, _ in CASES])
def test_a_daily_schedule_across_a_week(store: Store, files, tmp_path: Path, action: str, skip: bool, file: str,
                                        runs: list[str], subs: list[str]) -> None:
    sid = setup(store, tmp_path, files[file], action, skip)
    clock = Clock(MON - DAY)
    collector = Collector(store, clock)
    collector.tick()  # the day before: nothing due
    assert statuses(store, sid) == []
    week(store, sid, collector, clock)
    assert statuses(store, sid) == runs
    assert submission_statuses(store) == subs
    got = list(reversed(C.list_runs(store, schedule_id=sid)))
    assert [C.aware(r.due_at) for r in got] == [MON + d * DAY for d in range(7)]
    with store.session() as s:
        kept = s.scalar(select(func.count()).select_from(CollectedFile))
        in_force = s.scalar(select(func.count()).select_from(Record))
    assert kept == runs.count("collected")  # a collect-only run keeps its file until a person acts
    assert (in_force > 0) == ("loaded" in subs)
    if skip and runs[1] == "skipped":
        assert got[1].reason == f"skipped: run {got[0].id} of this schedule was {runs[0]} but is not yet submitted " \
                                "(the skip option is on)"
    if action == "submit-if-clean" and file == "flawed":
        with store.session() as s:
            errors = list(s.scalars(select(Submission.errors).order_by(Submission.id)))
        assert got[0].reason == f"not submitted (submit only if error-free): {errors[0]} error finding(s)"
        assert errors[0] > 0


def test_a_person_submits_a_collected_run_and_the_schedule_resumes(store: Store, files, tmp_path: Path) -> None:
    sid = setup(store, tmp_path, files["flawed"], "collect")
    clock = Clock(MON)
    collector = Collector(store, clock)
    week(store, sid, collector, clock, range(2))
    first = C.list_runs(store, schedule_id=sid)[-1]
    assert statuses(store, sid) == ["collected", "skipped"]
    done = Runner(store, clock).act(first.id, "submit")
    assert (done.status, submission_statuses(store)) == ("submitted", ["loaded"])
    week(store, sid, collector, clock, range(2, 4))
    assert statuses(store, sid) == ["submitted", "skipped", "collected", "skipped"]
    third = C.list_runs(store, schedule_id=sid)[1]
    assert Runner(store, clock).act(third.id, "cancel").status == "cancelled"
    week(store, sid, collector, clock, range(4, 5))
    assert statuses(store, sid) == ["submitted", "skipped", "cancelled", "skipped", "collected"]


@pytest.mark.parametrize(("restart_at", "grace", "day5"), [(dt.timedelta(minutes=30), 60, "submitted"),
                                                          (dt.timedelta(hours=2), 60, "missed"),
                                                          (dt.timedelta(hours=2), 180, "submitted")])
def test_a_restart_in_the_middle(store: Store, store_settings, files, tmp_path: Path, restart_at: dt.timedelta,
                                 grace: int, day5: str) -> None:
    sid = setup(store, tmp_path, files["clean"], "submit", grace=grace)
    clock = Clock(MON)
    week(store, sid, Collector(store, clock), clock, range(3))  # Mon-Wed; then the server is down
    store.close()
    reopened = Store.open(store_settings)  # a new process: only the store remembers
    try:
        clock.set(MON + 4 * DAY + restart_at)  # back up Friday, `restart_at` after the due time
        collector = Collector(reopened, clock)
        collector.tick()
        week(reopened, sid, collector, clock, range(5, 7))
        runs = list(reversed(C.list_runs(reopened, schedule_id=sid)))
        assert [r.status for r in runs] == ["submitted"] * 3 + ["missed", day5, "submitted", "submitted"]
        minutes = int((DAY + restart_at).total_seconds() // 60)  # Thursday's run, seen Friday
        assert runs[3].reason == (f"missed: the collector was not running at the due time ({minutes // 60} h "
                                  f"{minutes % 60} min late; a run more than {grace} minutes late is not started)")
        assert runs[4].reason == ("missed: the collector was not running at the due time (2 h 0 min late; a run more "
                                  "than 60 minutes late is not started)" if day5 == "missed" else None)
        assert len(submission_statuses(reopened)) == 6 - (day5 == "missed")
        assert set(submission_statuses(reopened)) == {"loaded"}
    finally:
        reopened.close()


def test_a_run_that_outlasts_the_interval_skips_the_next(store: Store, files, tmp_path: Path) -> None:
    go = tmp_path / "go"
    script = tmp_path / "slow_export.py"
    script.write_text("import pathlib, shutil, sys, time\n"
                      f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.05)\n"
                      f"shutil.copyfile({str(files['clean'])!r}, sys.argv[1])\n")
    C.add_source(store, "14", "slow", "command", user="t", command=f"{sys.executable} {script} {{output}}",
                 timeout_seconds=60)
    sid = C.add_schedule(store, "14", "slow", "submit", "2013-01-07 06:00", "daily", user="t", now=MON - DAY).id
    clock = Clock(MON)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = []
        collector = Collector(store, clock, dispatch=lambda fn, rid: futures.append(pool.submit(fn, rid)))
        collector.tick(clock.set(MON + dt.timedelta(minutes=1)))  # Monday's run starts and hangs in the export
        deadline = time.monotonic() + 60  # the worker thread marks it collecting: wait for that, not a race
        while statuses(store, sid)[0] != "collecting" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert statuses(store, sid)[0] == "collecting"
        collector.tick(clock.set(MON + DAY + dt.timedelta(minutes=1)))  # Tuesday: Monday's is still running
        assert statuses(store, sid)[1] == "skipped"
        go.write_text("now")
        for f in futures:
            f.result(timeout=120)
        collector.tick(clock.set(MON + 2 * DAY + dt.timedelta(minutes=1)))
        for f in futures:
            f.result(timeout=120)
    runs = list(reversed(C.list_runs(store, schedule_id=sid)))
    assert [r.status for r in runs] == ["submitted", "skipped", "submitted"]
    assert runs[1].reason == f"skipped: run {runs[0].id} of this schedule is still collecting " \
                             "(two runs of one schedule never overlap)"
    assert submission_statuses(store) == ["loaded", "loaded"]


def test_a_failing_source_fails_the_run_and_submits_nothing(store: Store, files, tmp_path: Path) -> None:
    sid = setup(store, tmp_path, files["clean"], "submit")
    (tmp_path / "drop" / "lea14.txt").unlink()
    clock = Clock(MON)
    Collector(store, clock).tick(clock.set(MON + dt.timedelta(minutes=1)))
    run = C.list_runs(store, schedule_id=sid)[0]
    assert run.status == "failed"
    assert run.reason == f"collection failed: source 'sis' (folder): no file matching '*.txt' in {tmp_path / 'drop'}"
    assert submission_statuses(store) == []
    # another LEA's file: refused by the store, the run failed with that reason, no record loaded
    (tmp_path / "drop" / "lea15.txt").write_bytes(synth(tmp_path / "x.txt", lea="15").read_bytes())
    Collector(store, clock).tick(clock.set(MON + DAY + dt.timedelta(minutes=1)))
    run = C.list_runs(store, schedule_id=sid)[0]
    assert run.status == "failed" and "names LEA 15, but it was submitted for LEA 14" in (run.reason or "")
    assert submission_statuses(store) == ["failed"] and run.submission_id is not None


def test_apscheduler_drives_the_real_clock(store: Store, files, tmp_path: Path) -> None:
    import time

    from utrex.collector.service import CollectorService

    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "lea14.txt").write_bytes(files["clean"].read_bytes())
    C.add_source(store, "14", "sis", "folder", user="t", path=str(drop), settle_seconds=0)
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).replace(microsecond=0)
    sid = C.add_schedule(store, "14", "sis", "validate", start.strftime("%Y-%m-%d %H:%M:%S"), "once", user="t",
                         time_zone="UTC").id
    service = CollectorService(store, interval_seconds=0.5)
    service.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and statuses(store, sid) not in (["validated"], ["failed"]):
            time.sleep(0.2)
    finally:
        service.shutdown()
    (run,) = C.list_runs(store, schedule_id=sid)
    assert (run.status, C.aware(run.due_at)) == ("validated", start)
    assert C.aware(run.started_at) >= start  # type: ignore[operator]
    assert submission_statuses(store) == ["validated"]
