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
