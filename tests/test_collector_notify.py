"""The collector's e-mail notices (issue 7, item 7) through a real SMTP server on loopback (aiosmtpd), on
both stores: a failed scheduled run, a submission with new errors against the previous one, and the
reminder before a deadline, sent once; nothing without SMTP settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from collector_helpers import Clock, synth
from test_portal_state import smtp  # noqa: F401 (the fixture: a real SMTP server on loopback)
from utrex.collector import config as C
from utrex.collector import notify
from utrex.collector.service import Collector
from utrex.portal import accounts
from utrex.portal.accounts import Role
from utrex.portal.audit import Who
from utrex.portal.models import AuditEntry
from utrex.store import Store
from utrex.store.models import Submission

pytestmark = pytest.mark.usefixtures("cheap_hashing")
SETUP = Who(None, "test setup")
PW = "lantern basil 47 harbour"
A_UP, A_VIEW, A_OFF, B_UP, ADMIN = ("up@jordan.example.org", "view@jordan.example.org", "gone@jordan.example.org",
                                    "up@juab.example.org", "admin@example.org")
MON = dt.datetime(2013, 1, 7, 13, 0, tzinfo=dt.UTC)  # Monday 06:00 in Denver


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("notify-files")
    return {"clean": synth(d / "clean.txt"), "flawed": synth(d / "flawed.txt", defects=0.03)}


@pytest.fixture
def people(store: Store) -> None:
    accounts.create_user(store, ADMIN, PW, Role.STATE_ADMIN, SETUP)
    accounts.create_user(store, A_UP, PW, Role.LEA_UPLOADER, SETUP, leas=["14"])
    accounts.create_user(store, A_VIEW, PW, Role.LEA_VIEWER, SETUP, leas=["14"])
    off = accounts.create_user(store, A_OFF, PW, Role.LEA_UPLOADER, SETUP, leas=["14"])
    accounts.set_disabled(store, off.id, True, SETUP)
    accounts.create_user(store, B_UP, PW, Role.LEA_UPLOADER, SETUP, leas=["15"])


@pytest.fixture
def mail_env(smtp, monkeypatch: pytest.MonkeyPatch):  # noqa: F811 (the imported fixture)
    """The SMTP settings in the environment, as in production (the runner reads them there)."""
    settings, received = smtp
    monkeypatch.setenv("UTREX_SMTP_HOST", settings.host)
    monkeypatch.setenv("UTREX_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("UTREX_SMTP_FROM", settings.sender)
    return settings, received


def schedule(store: Store, folder: Path, action: str = "validate") -> int:
    folder.mkdir(exist_ok=True)
    C.add_source(store, "14", "sis", "folder", user="t", path=str(folder), pattern="*.txt", settle_seconds=0)
    return C.add_schedule(store, "14", "sis", action, "2013-01-07 06:00", "daily", user="t", skip_unsubmitted=False,
                          now=MON - dt.timedelta(days=1)).id


def notices(store: Store, action: str) -> list[dict]:
    with store.session() as s:
        return [d for d in s.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id))]


def test_a_failed_scheduled_run_mails_the_leas_people(store: Store, people, mail_env, tmp_path: Path) -> None:
    _, received = mail_env
    sid = schedule(store, tmp_path / "empty")  # nothing exported: the run fails
    clock = Clock(MON + dt.timedelta(minutes=5))
    collector = Collector(store, clock)
    (rid,) = collector.tick()
    run = C.list_runs(store, schedule_id=sid)[0]
    assert (run.id, run.status) == (rid, "failed")
    # the enabled people authorised for LEA 14: not the disabled one, not LEA 15's, not the state's
    assert sorted(m["To"] for m in received) == [A_UP, A_VIEW]
    assert {m["Subject"] for m in received} == {f"utrex: collection run {rid} of LEA 14 failed"}
    assert run.reason in received[0].get_content()
    assert notices(store, notify.NOTICE) == [{"notice": "collection_failed", "run": rid, "to": [A_UP, A_VIEW]}]
    # "collect now" failing: the person watches it on the page, no mail
    manual = collector.run_now(sid)
    assert manual.status == "failed" and len(received) == 2


def test_new_errors_against_the_previous_submission_are_mailed(store: Store, people, mail_env, files,
                                                               tmp_path: Path) -> None:
    _, received = mail_env
    drop = tmp_path / "drop"
    sid = schedule(store, drop)
    clock = Clock(MON + dt.timedelta(minutes=5))
    collector = Collector(store, clock)
    day = dt.timedelta(days=1)
    for i, name in enumerate(("clean", "flawed", "flawed", "clean")):
        (drop / "lea14.txt").write_bytes(files[name].read_bytes())
        collector.tick(clock.set(MON + i * day + dt.timedelta(minutes=5)))
    runs = list(reversed(C.list_runs(store, schedule_id=sid)))
    assert [r.status for r in runs] == ["validated"] * 4
    with store.session() as s:
        errors = list(s.scalars(select(Submission.errors).order_by(Submission.id)))
    assert errors[0] == 0 and errors[1] > 0 and errors[2] == errors[1] and errors[3] == 0
    # the first has no previous; the second has every error new; the third the same ones; the fourth none
    second = runs[1].submission_id
    assert sorted(m["To"] for m in received) == [A_UP, A_VIEW]
    assert {m["Subject"] for m in received} == {f"utrex: submission {second} of LEA 14 has {errors[1]} new error(s)"}
    assert f"submission {runs[0].submission_id} did not have" in received[0].get_content()
    assert notices(store, notify.NOTICE) == [{"notice": "new_errors", "submission": second,
                                              "previous": runs[0].submission_id, "new_errors": errors[1],
                                              "to": [A_UP, A_VIEW]}]


def test_without_smtp_settings_nothing_is_sent(store: Store, people, smtp, tmp_path: Path,  # noqa: F811
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, received = smtp
    monkeypatch.delenv("UTREX_SMTP_HOST", raising=False)
    sid = schedule(store, tmp_path / "empty")
    Collector(store, Clock(MON + dt.timedelta(minutes=5))).tick()
    assert C.list_runs(store, schedule_id=sid)[0].status == "failed"
    assert received == [] and notices(store, notify.NOTICE) == []


def test_a_deadline_reminder_is_sent_once(store: Store, people, smtp) -> None:  # noqa: F811
    settings, received = smtp
    today = dt.date(2012, 10, 10)  # October 2012-13 is due October 15
    assert notify.deadline_reminders(store, settings, today, days=3, leas=["14", "15"]) == []  # 5 days away
    sent = notify.deadline_reminders(store, settings, today, days=7, leas=["14", "15"])
    assert sent == [{"lea": "14", "period": "october", "due": "2012-10-15", "to": [A_UP, A_VIEW]},
                    {"lea": "15", "period": "october", "due": "2012-10-15", "to": [B_UP]}]
    assert sorted(m["To"] for m in received) == sorted([A_UP, A_VIEW, B_UP])
    assert "due 2012-10-15 (5 day(s) from 2012-10-10" in received[0].get_content()
    # the next day: already reminded of that deadline, nothing sent again
    assert notify.deadline_reminders(store, settings, today + dt.timedelta(days=1), days=7, leas=["14", "15"]) == []
    assert len(received) == 3
    assert [d["period"] for d in notices(store, notify.DEADLINE_NOTICE)] == ["october", "october"]


# --- the cross-LEA notice: another LEA's load raises a finding on one of our students --------------

from typer.testing import CliRunner  # noqa: E402 (the cross-LEA and CLI tests below)

from test_cross_lea import CONCURRENT, State, _edited, _submit, _ymd, state  # noqa: E402,F401 (fixture)
from utrex.cli.main import app  # noqa: E402
from utrex.collector import cross_lea_notice as X  # noqa: E402
from utrex.store import reference as reference_store  # noqa: E402
from utrex.store.cross_lea_findings import findings_for_lea  # noqa: E402


def _people_of(store: Store, st: State) -> tuple[list[str], list[str]]:
    """Two people of the old LEA (A), one of the new (B); returns their addresses."""
    m = st.mover
    a = [f"up@lea{m.old}.example.org", f"view@lea{m.old}.example.org"]
    accounts.create_user(store, a[0], PW, Role.LEA_UPLOADER, SETUP, leas=[m.old])
    accounts.create_user(store, a[1], PW, Role.LEA_VIEWER, SETUP, leas=[m.old])
    accounts.create_user(store, f"up@lea{m.new}.example.org", PW, Role.LEA_UPLOADER, SETUP, leas=[m.new])
    return sorted(a), [f"up@lea{m.new}.example.org"]


def _conflict(st: State, tmp_path: Path) -> Path:
    """LEA B's file with the mover entering five days before LEA A's exit: concurrent membership."""
    m = st.mover
    return _edited(st, m.new, m.new_line, tmp_path / f"lea{m.new}-conflict.txt",
                   entry_date=_ymd(m.exit - dt.timedelta(days=5)))


def _load(store: Store, st: State, lea: str, path: Path | None = None) -> int:
    """Submit and load as the CLI does; the store's hooks send the notices (settings from the environment)."""
    from utrex.store import submissions as S

    sub = S.submit(path or st.file(lea), lea, store=store, reference=st.reference, load=False)
    loaded = S.load_submission(store, sub.id)
    assert loaded.status == "loaded", loaded.reason
    return sub.id


def test_a_cross_lea_finding_raised_by_another_lea_is_mailed_once(store: Store, state: State, mail_env,  # noqa: F811
                                                                  tmp_path: Path) -> None:
    _, received = mail_env
    m = state.mover
    a_people, _b_people = _people_of(store, state)
    _load(store, state, m.old)
    assert received == []  # LEA A alone: no finding
    b_sub = _load(store, state, m.new, _conflict(state, tmp_path))
    seen = findings_for_lea(store, m.old)
    assert seen["rule"].to_list() == [CONCURRENT] and seen["ssid"].to_list() == [m.ssid]
    # exactly one mail to each of LEA A's people; none to LEA B's (it loaded), none to the state's
    assert sorted(msg["To"] for msg in received) == a_people
    assert {msg["Subject"] for msg in received} == {
        f"utrex: LEA {m.new} raises 1 cross-LEA finding(s) on LEA {m.old}"}
    body = received[0].get_content()
    # LEA A's side of the message: it names LEA B, B's school and the SSID
    assert seen["message"][0] in body
    assert f"LEA {m.new} school {seen['other_school'][0]}" in body and f"SSID {m.ssid}" in body
    # the one listed line is that message, word for word: nothing else about LEA B's students
    assert [ln for ln in body.splitlines() if ln.startswith("- ")] == [f"- {seen['severity'][0]}: {seen['message'][0]}"]
    assert notices(store, notify.NOTICE) == [{"notice": "cross_lea", "submission": b_sub, "from_lea": m.new,
                                              "findings": 1, "to": a_people}]
    # LEA B loads the same file again: the finding is re-evaluated but not new, nothing sent
    _load(store, state, m.new, _conflict(state, tmp_path))
    assert len(received) == 2
    # B fixes it, then breaks it again: the finding is new again
    _load(store, state, m.new)
    assert findings_for_lea(store, m.old).height == 0 and len(received) == 2
    _load(store, state, m.new, _conflict(state, tmp_path))
    assert len(received) == 4


def test_cross_lea_new_compares_contents_not_ids(store: Store, state: State, tmp_path: Path) -> None:  # noqa: F811
    m = state.mover
    _submit(store, state, m.old)
    sub = _submit(store, state, m.new, _conflict(state, tmp_path))
    before = X.snapshot(store, sub.id)
    assert before.height == 1
    again = _submit(store, state, m.new, _conflict(state, tmp_path))  # ids and evaluated_at change
    assert X.cross_lea_new(store, again.id, before).height == 0
    fresh = X.cross_lea_new(store, again.id, before.clear())
    assert fresh.select("lea", "rule", "ssid").rows() == [(m.old, CONCURRENT, m.ssid)]
    assert f"LEA {m.new} school" in fresh["message"][0]  # the other side's (LEA A's) message: it names B


def test_no_cross_lea_mail_without_smtp_settings(store: Store, state: State, smtp, tmp_path: Path,  # noqa: F811
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, received = smtp
    monkeypatch.delenv("UTREX_SMTP_HOST", raising=False)
    m = state.mover
    _people_of(store, state)
    _load(store, state, m.old)
    _load(store, state, m.new, _conflict(state, tmp_path))
    assert findings_for_lea(store, m.old).height == 1
    assert received == [] and notices(store, notify.NOTICE) == []


def test_a_scheduled_collection_that_loads_sends_the_cross_lea_notice(store: Store, state: State, mail_env,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    _, received = mail_env
    m = state.mover
    a_people, _ = _people_of(store, state)
    reference_store.load_version(store, state.folder / "reference", user="t")  # what the runner validates with
    _load(store, state, m.old)
    drop = tmp_path / "drop"
    drop.mkdir()
    _conflict(state, drop)
    C.add_source(store, m.new, "sis", "folder", user="t", path=str(drop), pattern="*.txt", settle_seconds=0)
    sid = C.add_schedule(store, m.new, "sis", "submit", "2013-01-07 06:00", "daily", user="t",
                         skip_unsubmitted=False, now=MON - dt.timedelta(days=1)).id
    Collector(store, Clock(MON + dt.timedelta(minutes=5))).tick()
    run = C.list_runs(store, schedule_id=sid)[0]
    assert run.status == "submitted", run.reason
    cross = [msg for msg in received if "cross-LEA" in msg["Subject"]]
    assert sorted(msg["To"] for msg in cross) == a_people
    assert f"SSID {m.ssid}" in cross[0].get_content()


# --- deadline reminders from the command line and on the daemon's daily timer -----------------------

def test_collections_remind_sends_and_prints(store: Store, people, mail_env) -> None:
    _, received = mail_env
    cli = CliRunner()
    out = cli.invoke(app, ["collections", "remind", "--today", "2012-10-10", "--days", "7", "--lea", "14"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [f"LEA 14: october due 2012-10-15: sent to {A_UP}, {A_VIEW}",
                                       "1 reminder(s) sent as of 2012-10-10 (deadlines within 7 day(s))"]
    assert sorted(msg["To"] for msg in received) == [A_UP, A_VIEW]
    again = cli.invoke(app, ["collections", "remind", "--today", "2012-10-11", "--lea", "14"])
    assert again.exit_code == 0 and again.output.splitlines() == [
        "0 reminder(s) sent as of 2012-10-11 (deadlines within 7 day(s))"]
    assert len(received) == 2


def test_collections_remind_without_smtp_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UTREX_SMTP_HOST", raising=False)
    out = CliRunner().invoke(app, ["collections", "remind", "--today", "2012-10-10"])
    assert out.exit_code == 1 and "UTREX_SMTP_HOST" in out.output


def test_the_daemon_registers_the_daily_reminder_job(store: Store) -> None:
    from zoneinfo import ZoneInfo

    from utrex.collector.service import CollectorService

    service = CollectorService(store, interval_seconds=3600, remind_hour=6, remind_tz="America/Denver")
    service.start()
    try:
        job = service.scheduler.get_job(CollectorService.REMIND)
        assert job is not None and job.func == service._remind
        assert str(job.trigger.timezone) == "America/Denver"
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"], fields["day"]) == ("6", "0", "*")
        nxt = job.next_run_time.astimezone(ZoneInfo("America/Denver"))
        assert (nxt.hour, nxt.minute) == (6, 0)
        assert dt.timedelta(0) < nxt - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)
        # the next fire after a given instant: the following 06:00 in Denver, daylight saving followed
        after = dt.datetime(2013, 3, 10, 7, 0, tzinfo=ZoneInfo("America/Denver"))  # DST began 02:00 that day
        fire = job.trigger.get_next_fire_time(None, after)
        assert fire == dt.datetime(2013, 3, 11, 6, 0, tzinfo=ZoneInfo("America/Denver"))
        assert fire.utcoffset() == dt.timedelta(hours=-6)
    finally:
        service.shutdown(wait=True)  # the first tick runs at start: let it end before the store goes
    default = CollectorService(store)
    assert (default.remind_hour, default.remind_tz, default.remind_days) == (7, "America/Denver", 7)
