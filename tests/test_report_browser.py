"""The state reports' html in real Chromium (Debian's package, driven by Playwright): the chart and the
tables are laid out, the page asks for nothing outside itself, raises no script error, and the screenshot
is not blank. Skips with the reason when Playwright or Chromium is missing, fails under UTREX_REQUIRE_ALL=1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from test_report_october1 import YEAR, load  # the hand-built two-LEA fixture
from test_reports import BROWSER_ARGS, _browser_or_skip, chromium_path, png_pixels
from utrex.cli.main import app
from utrex.reference.model import load_reference
from utrex.reports import october_1 as O
from utrex.spec import Period
from utrex.store import submissions as S
from utrex.synth import cli_synth

if TYPE_CHECKING:  # Playwright may be absent: the tests then skip (_browser_or_skip)
    from playwright.sync_api import Page

YEAR_SYNTH = 2013


@contextmanager
def opened(sync_playwright, page: Path, shot: Path) -> Iterator[Page]:  # noqa: ANN001 - playwright's factory
    """`page` open in Chromium (1400 x 1800); on leaving: no script error, no request outside the page, and
    a screenshot (taken on entry, to `shot`) that is not blank."""
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
            png = pg.screenshot(full_page=False, path=str(shot))
            yield pg
        finally:
            browser.close()
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    width, height, raw = png_pixels(png)
    assert (width, height) == (1400, 1800)
    assert len(set(raw[:: max(1, len(raw) // 200_000)])) > 20  # not a blank page


def test_october_1_html_renders_its_chart_and_tables_in_chromium(store, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    load(store, tmp_path)
    page = tmp_path / "october-1.html"
    result = CliRunner().invoke(app, ["report", "october-1", "--school-year", str(YEAR), "--detail",
                                      "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    counts, _, _ = O.compute(store, YEAR)
    with opened(sync_playwright, page, tmp_path / "october-1.png") as pg:
        chart = pg.locator("figure svg").first.bounding_box()
        assert chart and chart["width"] > 200 and chart["height"] > 40  # the enrollment-by-grade chart
        assert pg.locator("figure svg rect").count() >= 1  # with its bars
        table = pg.locator("table").first.bounding_box()
        assert table and table["width"] > 300 and table["height"] > 20
        text = pg.locator("body").inner_text()
        assert str(int(counts["students"].sum())) in text  # the total is on the page


@pytest.fixture(scope="module")
def state_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser-state")
    cli_synth(output=folder, lea="14", students=120, period=Period.OCTOBER, school_year=YEAR_SYNTH, seed=7,
              defects=0.0, state=True, leas=3, reference=None)  # three LEAs: a charter among them
    return folder


@pytest.mark.parametrize("name", ["december-1", "year-end", "charter-summary", "compliance"])
def test_every_other_report_renders_in_chromium(store, state_folder: Path, tmp_path: Path, name: str) -> None:
    sync_playwright = _browser_or_skip()
    reference = load_reference(state_folder / "reference")
    for path in sorted(state_folder.glob("lea*-october.txt")):
        assert S.submit(path, path.name[3:5], store=store, reference=reference).status == "loaded"
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, ["report", name, "--school-year", str(YEAR_SYNTH), "--detail",
                                      "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    with opened(sync_playwright, page, tmp_path / f"{name}.png") as pg:
        table = pg.locator("table").first.bounding_box()
        assert table and table["width"] > 200 and table["height"] > 20, name
        if pg.locator("figure svg").count():  # a chart, where the report has one: laid out, with bars
            chart = pg.locator("figure svg").first.bounding_box()
            assert chart and chart["width"] > 200 and chart["height"] > 20, name


def test_the_trend_over_submissions_renders_in_chromium(store, tmp_path: Path) -> None:
    from test_report_october1 import _trend_loads

    sync_playwright = _browser_or_skip()
    _trend_loads(store, tmp_path)  # LEA 14: four loads counting 11, 10, 11, 10
    page = tmp_path / "october-1-lea14.html"
    result = CliRunner().invoke(app, ["report", "october-1", "--school-year", str(YEAR), "--lea", "14",
                                      "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    with opened(sync_playwright, page, tmp_path / "october-1-trend.png") as pg:
        trend = pg.locator("figure", has_text="after each submission loaded").locator("svg")
        box = trend.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100  # laid out
        line = trend.locator("polyline").bounding_box()
        assert line and line["width"] > 200  # the line spans the four loads
        assert trend.locator("circle").count() == 4
        assert trend.locator("text.value").all_text_contents() == ["11", "10", "11", "10"]
