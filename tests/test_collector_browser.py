"""The collector in real Chromium against the real server (the fixtures of test_portal_browser.py: uvicorn on
loopback, a temporary SQLite store; skips when Playwright or Chromium is missing, fails under
UTREX_REQUIRE_ALL=1): an LEA uploader adds a folder source holding a synthetic file, schedules a
"validate" collection, clicks "Collect now", watches the run page refresh itself until the run is
validated, clicks "Submit", and sees the run submitted with its submission linked and loaded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from collector_helpers import synth
from test_portal_browser import PW, UPLOADER, Portal, browser_page, log_in, portal  # noqa: F401 (fixtures)
from utrex.collector import config as C
from utrex.store.models import Submission

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_uploader_schedules_collects_now_and_submits(browser_page: Page, portal: Portal,  # noqa: F811
                                                     tmp_path: Path) -> None:
    pg, base = browser_page, portal.url
    drop = tmp_path / "sis-exports"
    drop.mkdir()
    synth(drop / "export-2013-01-07.txt", defects=0.03)

    pg.goto(f"{base}/leas/14/collections")
    log_in(pg, base, UPLOADER, PW)
    assert pg.url == f"{base}/leas/14/collections"
    pg.fill("#source-name", "SIS folder")
    pg.select_option("#source-kind", "folder")
    pg.fill("#source-path", str(drop))
    pg.fill("#source-pattern", "export*.txt")
    pg.fill("#source-settle", "0")
    pg.click("#add-source button[type=submit]")
    pg.wait_for_url(re.compile(r"/leas/14/collections\?source=\d+$"))
    assert "SIS folder" in pg.locator("table.sources").inner_text()

    pg.select_option("#schedule-action", "validate")
    pg.fill("#schedule-start", "2013-01-07 06:00")
    pg.fill("#schedule-every", "daily")
    pg.click("#add-schedule button[type=submit]")
    pg.wait_for_url(re.compile(r"/leas/14/collections\?schedule=\d+$"))
    (sc,) = C.list_schedules(portal.store, "14")
    assert (sc.action, sc.every, sc.skip_unsubmitted) == ("validate", "daily", True)

    pg.locator(f"#schedule-{sc.id} button", has_text="Collect now").click()
    pg.wait_for_url(re.compile(r"/leas/14/collections/runs/\d+$"))
    rid = int(pg.url.rsplit("/", 1)[1])
    # the page refreshes itself (meta refresh) until the run stops; then it offers Submit
    pg.locator("button", has_text="Submit").wait_for(timeout=180_000)
    assert pg.locator("#run-status").inner_text() == "validated"
    run = C.list_runs(portal.store, "14")[0]
    assert (run.id, run.status, run.file_name) == (rid, "validated", "export-2013-01-07.txt")

    pg.locator("button", has_text="Submit").click()
    pg.wait_for_load_state()
    assert pg.locator("#run-status").inner_text() == "submitted"
    link = pg.locator("#run-submission")
    assert link.inner_text() == f"submission {run.submission_id}"
    with portal.store.session() as s:
        sub = s.get(Submission, run.submission_id)
    assert sub.status == "loaded" and sub.errors > 0
    link.click()
    assert pg.url == f"{base}/leas/14/submissions/{run.submission_id}"
    assert f"{sub.errors} error(s)" in pg.locator("main").inner_text()
