# ruff: noqa: F811  (pytest fixtures imported from other test modules and taken as arguments)
"""The notices of issue 7 item 7 on every path, not only the collector's: a portal/API upload, `utrex
submit`, `utrex submission --load` and a rollback. They are the store's hooks (store/hooks.py,
utrex.notices), so these tests go through each path as a person would and read what a real SMTP server on
loopback received; both stores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from test_collector_notify import (  # noqa: F401 (fixtures)
    A_UP,
    A_VIEW,
    SETUP,
    _conflict,
    _people_of,
    files,
    mail_env,
    notices,
    people,
)
from test_cross_lea import CONCURRENT, State, state  # noqa: F401 (fixture)
from test_portal_state import smtp  # noqa: F401 (fixture)
from utrex.cli.main import app
from utrex.collector import notify
from utrex.portal import accounts, tokens
from utrex.portal.app import create_app
from utrex.store import Store
from utrex.store import submissions as S
from utrex.store.cross_lea_findings import findings_for_lea
from utrex.store.rollback import rollback

pytestmark = pytest.mark.usefixtures("cheap_hashing")


def _new_error_mails(received: list) -> list:
    return [m for m in received if "new error(s)" in m["Subject"]]


def test_an_api_upload_with_new_errors_mails_the_leas_people(store: Store, people, mail_env, files) -> None:  # noqa: F811
    _, received = mail_env
    portal = create_app(store)
    me = {"Authorization": "Bearer " + tokens.create(store, accounts.find_user(store, A_UP).id, "sis",
                                                         SETUP).secret}
    ids = []
    with TestClient(portal) as client:
        for name in ("clean", "flawed"):
            with files[name].open("rb") as fh:
                r = client.post("/api/v1/leas/14/submissions", headers=me, files={"file": (name, fh, "text/plain")},
                                data={"validate_only": "false"})
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
            deadline = time.monotonic() + 120
            while not client.get(f"/api/v1/submissions/{ids[-1]}", headers=me).json()["done"]:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    portal.state.submission_jobs.close()
    flawed = S.get(store, ids[1])
    assert flawed.status == "loaded" and flawed.errors > 0
    mails = _new_error_mails(received)
    assert sorted(m["To"] for m in mails) == [A_UP, A_VIEW]
    assert {m["Subject"] for m in mails} == {f"utrex: submission {ids[1]} of LEA 14 has {flawed.errors} new error(s)"}
    assert notices(store, notify.NOTICE)[-1]["submission"] == ids[1]


def test_utrex_submit_and_submission_load_send_the_notices(store: Store, people, mail_env, files) -> None:  # noqa: F811
    _, received = mail_env
    cli = CliRunner()
    first = cli.invoke(app, ["submit", str(files["clean"]), "--lea", "14", "--format", "json"])
    assert first.exit_code == 0, first.output
    assert _new_error_mails(received) == []  # the first submission: nothing to compare with
    second = cli.invoke(app, ["submit", str(files["flawed"]), "--lea", "14", "--no-load", "--format", "json"])
    assert second.exit_code in (0, 1), second.output
    sub = S.list_submissions(store, "14")[-1]
    assert sub.status == "validated" and sub.errors > 0
    # validated, not loaded: the LEA is told now, once; loading it later does not tell them again
    assert [m["Subject"] for m in _new_error_mails(received)] == [
        f"utrex: submission {sub.id} of LEA 14 has {sub.errors} new error(s)"] * 2
    load = cli.invoke(app, ["submission", str(sub.id), "--load", "--format", "json"])
    assert load.exit_code == 0, load.output
    assert S.get(store, sub.id).status == "loaded" and len(_new_error_mails(received)) == 2


def test_a_rollback_that_brings_a_cross_lea_finding_back_mails_the_other_lea(  # noqa: F811
        store: Store, state: State, mail_env, tmp_path: Path) -> None:
    _, received = mail_env
    m = state.mover
    a_people, _ = _people_of(store, state)
    S.submit(state.file(m.old), m.old, store=store, reference=state.reference)
    conflict = S.submit(_conflict(state, tmp_path), m.new, store=store, reference=state.reference)  # the upload path
    assert conflict.status == "loaded"
    assert sorted(msg["To"] for msg in received) == a_people  # raised by a plain submit (process -> load)
    S.submit(state.file(m.new), m.new, store=store, reference=state.reference)  # fixed
    assert findings_for_lea(store, m.old).height == 0 and len(received) == 2
    entry = rollback(m.new, conflict.id, "the fix was wrong", user="t", store=store)
    assert entry.status == "loaded"
    assert findings_for_lea(store, m.old)["rule"].to_list() == [CONCURRENT]
    assert len(received) == 4 and sorted(msg["To"] for msg in received[2:]) == a_people
    assert notices(store, notify.NOTICE)[-1]["submission"] == entry.id


@contextmanager
def _failing() -> Iterator[None]:
    raise RuntimeError("the mail relay is on fire")
    yield  # pragma: no cover


def test_the_notices_are_the_stores_hooks_and_a_failing_hook_never_fails_a_load(  # noqa: F811
        store: Store, people, mail_env, files) -> None:
    _, received = mail_env
    store.hooks.clear()  # without the hooks, nothing is sent on this path
    S.submit(files["clean"], "14", store=store)
    S.submit(files["flawed"], "14", store=store)
    assert received == []
    store.hooks.around_load.append(lambda st, sid: _failing())

    def boom(st: Store, sid: int) -> None:
        raise RuntimeError("after-process hook broke")

    store.hooks.after_process.append(boom)
    third = S.submit(files["clean"], "14", store=store)
    assert third.status == "loaded" and received == []

