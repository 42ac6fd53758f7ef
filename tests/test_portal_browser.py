"""The portal in real Chromium (Debian's package, driven by Playwright) against the real server (uvicorn on
a free loopback port, in a thread, on a temporary SQLite store): an LEA uploader logs in, uploads a
synthetic file with defects, follows the status page until it is done, sees the errors, filters them by
severity and by rule, downloads the xlsx, finalizes the October period and logs out; and the log-in page
shows the lock-out after five wrong passwords. Every page visited is photographed at 1280 x 800 and at
390 px wide, and at 390 px no page may scroll sideways. Skips with the reason when Playwright or
Chromium is missing, fails under UTREX_REQUIRE_ALL=1."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from test_reports import BROWSER_ARGS, _browser_or_skip, chromium_path, png_pixels
from utrex.cli.main import app as cli
from utrex.portal import accounts
from utrex.portal.accounts import Role
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.portal.web import PortalSettings
from utrex.store import periods as P
from utrex.store.models import Submission
from utrex.store.submissions import submission_findings

if TYPE_CHECKING:  # Playwright may be absent: the tests then skip (_browser_or_skip)
    from playwright.sync_api import Page

    from utrex.store.db import Store

SETUP = Who(None, "browser test setup")
PW = "lantern basil 47 harbour"
ADMIN, UPLOADER = "admin@example.org", "coordinator@jordan.example.org"
TODAY = dt.date(2012, 10, 10)  # the portal's fixed "today": before the October 2012-13 due date
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
# Table headers and numbers whose words are split across lines (a table squeezed to the screen instead of
# scrolling in its box): the lines a cell's text takes, against the words it has.
SPLIT_WORDS = """() => [...document.querySelectorAll('th, td.num')].filter(c => {
  const r = document.createRange(); r.selectNodeContents(c);
  const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
  return lines > c.innerText.trim().split(/\\s+/).length;
}).map(c => c.innerText.trim())"""


@dataclass
class Portal:
    url: str
    store: Store


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    """The portal served by uvicorn on 127.0.0.1 (a port the OS chose), with a state administrator and an
    uploader authorised for LEA 14; stopped (its upload worker finished) at the end."""
    import uvicorn
    from argon2 import PasswordHasher

    from utrex.store import Store, schema
    from utrex.store.settings import Settings

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the policy is tested elsewhere
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("dummy"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("UTREX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("UTREX_DATABASE_URL", url)
    settings = Settings(home=tmp_path / "home", database_url=url)
    s = Store(settings)
    schema.upgrade(s.engine)
    s.close()
    store = Store.open(settings)
    accounts.create_user(store, ADMIN, PW, Role.STATE_ADMIN, SETUP)
    accounts.create_user(store, UPLOADER, PW, Role.LEA_UPLOADER, SETUP, leas=["14"])
    app = create_app(store, PortalSettings(page_size=25, extra={"today": TODAY}))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound here and handed over: no race for the port
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    try:
        yield Portal(f"http://127.0.0.1:{sock.getsockname()[1]}", store)
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()
        store.close()


class Shots:
    """Screenshots of every page visited, at 1280 x 800 and at 390 px wide, and the no-sideways-scroll check."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.taken = folder, []

    def __call__(self, pg: Page, name: str) -> None:
        pg.set_viewport_size(WIDE)
        wide = pg.screenshot(path=str(self.folder / f"{name}-1280.png"))
        pg.set_viewport_size(NARROW)
        width, scroll = pg.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
        assert width == 390 and scroll <= width, f"{name} ({pg.url}) scrolls sideways at 390 px: {scroll} > {width}"
        assert pg.evaluate(SPLIT_WORDS) == [], f"{name}: words split across lines at 390 px"
        narrow = pg.screenshot(path=str(self.folder / f"{name}-390.png"), full_page=True)
        pg.set_viewport_size(WIDE)
        for png, size in ((wide, (1280, 800)), (narrow, None)):
            w, h, raw = png_pixels(png)
            assert (w, h) == size if size else (w == 390 and h >= 844)
            assert len(set(raw[:: max(1, len(raw) // 100_000)])) > 10, name  # not a blank page
        self.taken.append(name)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    """A Chromium page (downloads allowed) that records script errors; none may occur."""
    sync_playwright = _browser_or_skip()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            context = browser.new_context(viewport=WIDE, accept_downloads=True)
            pg = context.new_page()
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.set_default_timeout(30_000)
            yield pg
        finally:
            browser.close()
    assert not errors, errors


def log_in(pg: Page, base: str, email: str, password: str) -> None:
    pg.fill("#email", email)
    pg.fill("#password", password)
    pg.click("form[action='/login'] button[type=submit]")
    pg.wait_for_load_state()


def pager_total(pg: Page) -> int:
    """The findings the filters match, from the pager ("1–25 of 137 (page 1 of 6)")."""
    m = re.search(r"of (\d+) \(page", pg.locator("nav.pager").first.inner_text())
    assert m
    return int(m.group(1))


def shown(pg: Page) -> pl.DataFrame:
    """The findings rows of the page as a frame (severity, rule)."""
    cells = pg.locator("table.findings tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[1].innerText.trim(), r.cells[2].innerText.trim()])")
    return pl.DataFrame(cells, schema=["severity", "rule"], orient="row")


def test_uploader_uploads_sees_filters_downloads_finalizes_and_logs_out(browser_page: Page, portal: Portal,
                                                                       tmp_path: Path) -> None:
    pg, base, shot = browser_page, portal.url, Shots(tmp_path)
    data = tmp_path / "lea14-october.txt"
    made = CliRunner().invoke(cli, ["synth", "--lea", "14", "--students", "150", "--period", "october",
                                    "--school-year", "2013", "--seed", "1", "--defects", "0.03",
                                    "--output", str(data)])
    assert made.exit_code == 0, made.output

    pg.goto(f"{base}/leas/14")  # a protected page: to the log-in page, then back
    assert pg.url.startswith(f"{base}/login?next=")
    shot(pg, "login")
    log_in(pg, base, UPLOADER, PW)
    assert pg.url == f"{base}/leas/14"
    assert pg.locator("h1").inner_text().startswith("LEA 14")
    shot(pg, "dashboard-empty")

    pg.click("nav.subnav >> text=Upload")
    assert pg.url == f"{base}/leas/14/upload"
    shot(pg, "upload")
    pg.set_input_files("#file", str(data))
    pg.click("form[action='/leas/14/upload'] button[type=submit]")
    pg.wait_for_url(re.compile(r"/leas/14/submissions/\d+/status$"))
    sid = int(pg.url.rsplit("/", 2)[-2])
    shot(pg, "status-running")
    # the page refreshes itself (meta refresh) until the work is done, then links to the findings
    pg.locator("a", has_text="See the findings").wait_for(timeout=180_000)
    assert pg.locator("strong").first.inner_text() == "loaded"
    shot(pg, "status-done")

    expected = submission_findings(portal.store, sid)
    errors = expected.filter(pl.col("severity") == "error")
    assert errors.height > 0 and expected.filter(pl.col("severity") == "warning").height > 0
    pg.click("text=See the findings")
    assert pg.url == f"{base}/leas/14/submissions/{sid}"
    text = pg.locator("main").inner_text()
    assert f"{errors.height} error(s)" in text
    assert pager_total(pg) == expected.height
    assert shown(pg).height == min(25, expected.height)
    shot(pg, "findings")

    pg.select_option("#severity", "error")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_url(re.compile(r"severity=error"))
    assert pager_total(pg) == errors.height
    rows = shown(pg)
    assert rows.height == min(25, errors.height) and rows["severity"].unique().to_list() == ["error"]
    shot(pg, "findings-errors")

    # a rule with fewer findings than a page: every one of them shown, nothing else
    counts = errors.group_by("rule").len().sort(["len", "rule"])
    rule, n = counts.row(0)
    pg.select_option("#rule", rule)
    pg.click("form.filters button[type=submit]")
    pg.wait_for_url(re.compile(r"rule="))
    assert pager_total(pg) == n
    rows = shown(pg)
    assert rows.height == n and rows["rule"].unique().to_list() == [rule]
    assert pg.locator(f"section.rule[id='rule-{rule}']").is_visible()  # the rule explained below
    shot(pg, "findings-rule")
    pg.click("form.filters >> text=Clear")
    assert pager_total(pg) == expected.height

    with pg.expect_download() as info:
        pg.click("text=XLSX")
    xlsx = tmp_path / "findings.xlsx"
    info.value.save_as(xlsx)
    assert info.value.suggested_filename == f"submission-{sid}-findings.xlsx"
    book = openpyxl.load_workbook(xlsx, read_only=True)
    codes: list[str] = []  # the ErrorCode column of every findings sheet (one row per finding)
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if ws.title != "Summary" and rows and rows[0][0] == "ErrorCode":
            codes += [str(r[0]) for r in rows[1:] if r[0] is not None]
    got = pl.DataFrame({"rule": codes}).group_by("rule").len().sort("rule")
    assert got.equals(expected.group_by("rule").len().sort("rule").cast({"len": got["len"].dtype}))

    pg.click("nav.subnav >> text=Submission log")
    assert pg.locator("table tbody tr").count() == 1
    shot(pg, "submission-log")

    pg.click("nav.subnav >> text=Finalize")
    section = pg.locator("#period-october")
    assert f"Submission {sid}" in section.inner_text()
    shot(pg, "finalize")
    section.locator("input[name=confirm]").fill(str(sid + 1))  # the wrong id: refused, nothing frozen
    section.locator("button[type=submit]").click()
    assert f"type the submission id {sid}" in pg.locator("p.error[role=alert]").inner_text()
    assert P.current_finalization(portal.store, "14", 2013, "october") is None
    shot(pg, "finalize-refused")
    pg.locator("#period-october input[name=confirm]").fill(str(sid))
    pg.locator("#period-october button[type=submit]").click()
    pg.wait_for_url(re.compile(r"done=\d+"))
    fin = P.current_finalization(portal.store, "14", 2013, "october")
    with portal.store.session() as s:
        accepted = s.get(Submission, sid).accepted
    assert accepted and fin is not None and fin.submission_id == sid and fin.counts["accepted"] == accepted
    assert f"Finalization {fin.id} is made" in pg.locator("p.notice").inner_text()
    assert f"Finalized: submission {sid} by {UPLOADER}" in pg.locator("#period-october").inner_text()
    shot(pg, "finalized")
    pg.click("nav.subnav >> text=Dashboard")  # the dashboard shows the finalization and the counts
    assert f"finalized: submission {sid} by {UPLOADER}" in pg.locator("table").first.inner_text()
    assert f"{accepted}" in pg.locator("dl.counts").inner_text()
    shot(pg, "dashboard")

    pg.click("header >> text=Log out")
    pg.wait_for_url(f"{base}/login")
    pg.goto(f"{base}/leas/14/submissions/{sid}")  # the session is over: back to the log-in page
    assert pg.url.startswith(f"{base}/login?next=") and pg.locator("#password").is_visible()
    shot(pg, "logged-out")
    assert len(shot.taken) == 14


def test_the_login_page_says_the_account_is_locked_after_five_wrong_passwords(browser_page: Page, portal: Portal,
                                                                              tmp_path: Path) -> None:
    pg, base, shot = browser_page, portal.url, Shots(tmp_path)
    pg.goto(f"{base}/login")
    for attempt in range(1, 5):
        log_in(pg, base, UPLOADER, f"wrong password {attempt}")
        assert "locked" not in pg.locator("p.error").inner_text()
    shot(pg, "login-wrong")
    log_in(pg, base, UPLOADER, "wrong password 5")
    message = pg.locator("p.error[role=alert]").inner_text()
    assert "Too many wrong passwords" in message and "locked for 15 more minutes" in message
    shot(pg, "login-locked")
    log_in(pg, base, UPLOADER, PW)  # the right password now: still refused while locked
    assert pg.url == f"{base}/login"  # not let in
    assert "Too many wrong passwords" in pg.locator("p.error[role=alert]").inner_text()
    assert accounts.find_user(portal.store, UPLOADER).locked_until is not None
