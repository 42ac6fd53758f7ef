"""The state reports' html in real Chromium (Debian's package, driven by Playwright): the chart and the
tables are laid out, the page asks for nothing outside itself, raises no script error, and the screenshot
is not blank. Skips with the reason when Playwright or Chromium is missing, fails under UTREX_REQUIRE_ALL=1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from test_report_october1 import YEAR, load  # the hand-built two-LEA fixture
from test_reports import BROWSER_ARGS, _browser_or_skip, chromium_path, png_pixels
from utrex.cli.main import app
from utrex.reports import october_1 as O


def test_october_1_html_renders_its_chart_and_tables_in_chromium(store, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    load(store, tmp_path)
    page = tmp_path / "october-1.html"
    result = CliRunner().invoke(app, ["report", "october-1", "--school-year", str(YEAR), "--detail",
                                      "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    counts, _, _ = O.compute(store, YEAR)
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1800})
            pg.on("request", lambda r: requests.append(r.url))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.goto(page.as_uri())
            shot = pg.screenshot(full_page=False, path=str(tmp_path / "october-1.png"))
            chart = pg.locator("figure svg").first.bounding_box()
            assert chart and chart["width"] > 200 and chart["height"] > 40  # the enrollment-by-grade chart
            assert pg.locator("figure svg rect").count() >= 1  # with its bars
            table = pg.locator("table").first.bounding_box()
            assert table and table["width"] > 300 and table["height"] > 20
            text = pg.locator("body").inner_text()
            assert str(int(counts["students"].sum())) in text  # the total is on the page
        finally:
            browser.close()
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    width, height, raw = png_pixels(shot)
    assert (width, height) == (1400, 1800)
    assert len(set(raw[:: max(1, len(raw) // 200_000)])) > 20  # not a blank page
