"""The collector's portal pages (issue 7, item 4) and the dashboard's "what is due" (item 6), on both
stores: an uploader adds sources (a password never shown) and a schedule, collects now (in the
background), submits the validated run; a viewer reads but gets 403 on every POST; another LEA's person
gets 404 on every route; a command source needs a state administrator; a POST without CSRF is refused."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector_helpers import synth
from test_portal_lea import A_UP, A_VIEW, ADMIN, B_UP, client, logged_in, people, token  # noqa: F401
from utrex.collector import config as C
from utrex.collector.models import CollectionRun, CollectionSchedule, CollectionSource
from utrex.collector.runner import get_run
from utrex.store import Store
from utrex.store.models import Submission

pytestmark = pytest.mark.usefixtures("cheap_hashing", "people")  # people: test_portal_lea's accounts
SECRET = "pw-never-shown-8841"


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(tmp_path_factory.mktemp("portal-collections") / "lea14.txt", defects=0.03)


def count(store: Store, model) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def wait_run(store: Store, run_id: int, timeout: float = 120) -> CollectionRun:
    deadline = time.monotonic() + timeout
    while (run := get_run(store, run_id)).finished_at is None:
        assert time.monotonic() < deadline, f"run {run_id} still {run.status}"
        time.sleep(0.1)
    return run


def folder_with(tmp_path: Path, file: Path) -> Path:
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    (drop / "export-1.txt").write_bytes(file.read_bytes())
    return drop


def test_uploader_sets_up_collects_now_and_submits(store: Store, flawed: Path, tmp_path: Path) -> None:
    c = logged_in(store, A_UP)
    tok = token(c, "/leas/14/collections")
    r = c.post("/leas/14/collections/sources", data={"csrf_token": tok, "name": "sis", "kind": "folder",
                                                     "path": str(folder_with(tmp_path, flawed)),
                                                     "pattern": "export*.txt", "settle": "0"})
    assert r.status_code == 303, r.text
    r = c.post("/leas/14/collections/sources", data={"csrf_token": tok, "name": "web", "kind": "url",
                                                     "url": "https://sis.example.org/export", "username": "u",
                                                     "password": SECRET})
    assert r.status_code == 303
    src = C.find_source(store, "14", "sis")
    r = c.post("/leas/14/collections/schedules", data={"csrf_token": tok, "source": str(src.id), "action": "validate",
                                                       "start": "2013-01-07 06:00", "every": "weekly:MON,THU",
                                                       "skip": "1"})
    assert r.status_code == 303
    (sc,) = C.list_schedules(store, "14")
    assert (sc.action, sc.every, sc.skip_unsubmitted, sc.source_id) == ("validate", "weekly:MON,THU", True, src.id)
    page = c.get("/leas/14/collections").text
    assert SECRET not in page and "stored (sealed)" in page and "https://sis.example.org/export" in page
    assert f'action="/leas/14/collections/schedules/{sc.id}/run"' in page

    r = c.post(f"/leas/14/collections/schedules/{sc.id}/run", data={"csrf_token": tok})
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    run = wait_run(store, rid)  # executed on the app's pool, not in the request
    assert (run.status, run.manual, run.file_name) == ("validated", True, "export-1.txt")
    page = c.get(f"/leas/14/collections/runs/{rid}").text
    assert 'http-equiv="refresh"' not in page  # done: no more refreshing
    assert '<strong id="run-status">validated</strong>' in page
    assert f'href="/leas/14/submissions/{run.submission_id}"' in page
    assert f'action="/leas/14/collections/runs/{rid}/submit"' in page

    r = c.post(f"/leas/14/collections/runs/{rid}/submit", data={"csrf_token": tok})
    assert r.status_code == 303
    with store.session() as s:
        sub = s.get(Submission, run.submission_id)
    assert get_run(store, rid).status == "submitted" and sub.status == "loaded" and sub.errors > 0
    listing = c.get("/leas/14/collections").text
    assert re.search(rf'run {rid}</a>: <strong>submitted</strong> · <a href="/leas/14/submissions/{sub.id}">', listing)
    # a second submit: refused with the reason, nothing changed
    r = c.post(f"/leas/14/collections/runs/{rid}/submit", data={"csrf_token": tok})
    assert r.status_code == 400 and f"run {rid} is submitted; it cannot be submitted now" in r.text
    # a bad recurrence: 400 with the reason, no schedule added
    r = c.post("/leas/14/collections/schedules", data={"csrf_token": tok, "source": "sis", "action": "validate",
                                                       "start": "2013-01-07 06:00", "every": "hourly"})
    assert r.status_code == 400 and "Collection not scheduled" in r.text and count(store, CollectionSchedule) == 1


def _lea14_objects(store: Store, tmp_path: Path, flawed: Path) -> tuple[int, int]:
    C.add_source(store, "14", "sis", "folder", user="t", path=str(folder_with(tmp_path, flawed)), settle_seconds=0)
    sc = C.add_schedule(store, "14", "sis", "collect", "2013-01-07 06:00", "daily", user="t")
    from utrex.collector.service import Collector

    return sc.id, Collector(store).run_now(sc.id).id  # inline: collected


def posts(sid: int, rid: int, lea: str = "14") -> list[tuple[str, dict[str, str]]]:
    return [(f"/leas/{lea}/collections/sources", {"name": "x", "kind": "folder", "path": "/tmp"}),
            (f"/leas/{lea}/collections/schedules", {"source": "sis", "action": "collect",
                                                    "start": "2013-01-07 06:00", "every": "daily"}),
            (f"/leas/{lea}/collections/schedules/{sid}/run", {}),
            *((f"/leas/{lea}/collections/runs/{rid}/{w}", {}) for w in ("validate", "submit", "cancel"))]


def test_a_viewer_reads_but_may_not_act(store: Store, flawed: Path, tmp_path: Path) -> None:
    sid, rid = _lea14_objects(store, tmp_path, flawed)
    assert get_run(store, rid).status == "collected"
    c = logged_in(store, A_VIEW)
    page = c.get("/leas/14/collections")
    assert page.status_code == 200 and "<strong>collected</strong>" in page.text and "Collect now" not in page.text
    assert c.get(f"/leas/14/collections/runs/{rid}").status_code == 200
    tok = token(c, "/leas/14/collections")
    for path, data in posts(sid, rid):
        assert c.post(path, data={"csrf_token": tok, **data}).status_code == 403, path
    assert (count(store, CollectionSource), count(store, CollectionSchedule), count(store, CollectionRun)) == (1, 1, 1)
    assert get_run(store, rid).status == "collected"


def test_another_leas_person_gets_404_everywhere(store: Store, flawed: Path, tmp_path: Path) -> None:
    sid, rid = _lea14_objects(store, tmp_path, flawed)
    c = logged_in(store, B_UP)
    tok = token(c, "/")
    for path in ("/leas/14/collections", f"/leas/14/collections/runs/{rid}", f"/leas/15/collections/runs/{rid}"):
        assert c.get(path).status_code == 404, path
    for path, data in posts(sid, rid) + posts(sid, rid, "15")[2:]:  # LEA 14's ids under LEA 15's address too
        assert c.post(path, data={"csrf_token": tok, **data}).status_code == 404, path
    assert c.get("/leas/15/collections").status_code == 200
    assert (count(store, CollectionSource), count(store, CollectionRun)) == (1, 1)


def test_command_sources_need_a_state_administrator_and_posts_need_csrf(store: Store) -> None:
    data = {"name": "export", "kind": "command", "command": "sis-export --out {output}"}
    up = logged_in(store, A_UP)
    assert "Command (state administrators only)" not in up.get("/leas/14/collections").text
    r = up.post("/leas/14/collections/sources", data={"csrf_token": token(up, "/"), **data})
    assert r.status_code == 403 and "only a state administrator" in r.text
    assert up.post("/leas/14/collections/sources", data={"name": "f", "kind": "folder", "path": "/tmp"}
                   ).status_code == 403  # no CSRF token
    assert count(store, CollectionSource) == 0
    admin = logged_in(store, ADMIN)
    assert admin.post("/leas/14/collections/sources", data={"csrf_token": token(admin, "/"), **data}).status_code == 303
    assert [(s.kind, s.config["command"]) for s in C.list_sources(store, "14")] == [("command", data["command"])]
    assert client(store).get("/leas/14/collections").status_code == 303  # not logged in: to the log-in page


def test_the_dashboard_shows_what_is_due(store: Store) -> None:
    page = logged_in(store, A_UP).get("/leas/14").text  # TODAY 2012-10-10: October due 2012-10-15
    due = page[page.index('id="due"'):]
    assert re.search(r"Next: <strong>October Fall Enrollment count</strong> due 2012-10-15 \(due date", due), due[:400]
    assert "<strong>2012-07, 2012-08, 2012-09</strong>" in due and "this month: not yet" in due
