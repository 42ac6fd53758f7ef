"""Submission compliance (`utrex report compliance`, reports.compliance): a hand-made submission log of two LEAs
in the store on SQLite and PostgreSQL; every row is worked out by hand in the comments.

School year 2012-13 (2013), policy 2012-13: October is due 2012-10-15, December 2012-12-15 (the day before the
state's analysis), extensions through a date. A submission or finalization is stamped with the clock when it
happens; the test moves the stamps (received_at, finalized_at) to the dates the story needs, as the log of a
real year would hold them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from sqlalchemy import update
from typer.testing import CliRunner

from utrex.cli.main import app
from utrex.reports import compliance as C
from utrex.store import Store
from utrex.store import submissions as S
from utrex.store.models import Finalization, Submission
from utrex.store.periods import finalize, grant_extension, prepare
from utrex.testing import build

YEAR = 2013


def _submit(store: Store, tmp_path: Path, lea: str, received: dt.date, load: bool = True,
            period: str = "october") -> Submission:
    body = [("S1", {"lea_number": lea}), ("AC", {"lea_number": lea}), ("AM", {"lea_number": lea})]
    if period == "december":  # DI, SC, S1 (and S2) only
        body = body[:1]
    path = tmp_path / f"lea{lea}-{received}.txt"
    path.write_bytes(build(body, period, di={"lea_number": lea}, sc={"lea_number": lea}).encode("ascii"))
    sub = S.submit(path, lea, store=store, load=load)
    assert sub.status == ("loaded" if load else "validated"), sub.reason
    _stamp(store, Submission, sub.id, received_at=dt.datetime(received.year, received.month, received.day, 9))
    return sub


def _stamp(store: Store, table: type[Submission] | type[Finalization], row_id: int, **values: object) -> None:
    with store.session(write=True) as s:
        s.execute(update(table).where(table.id == row_id).values(**values))


def _finalize(store: Store, lea: str, period: str, sub: Submission, on: dt.date) -> None:
    fin = finalize(store, prepare(store, lea, period, sub.id, on), "tester", on)
    _stamp(store, Finalization, fin.id, finalized_at=dt.datetime(on.year, on.month, on.day, 15))


def story(store: Store, tmp_path: Path) -> None:
    # LEA 14: two files in September, one in October; finalizes October on 10-12 (due 10-15: on time) and
    # again on 10-15 (a revision); a December file on 12-10, finalized on 12-14 (due 12-15: on time)
    a = _submit(store, tmp_path, "14", dt.date(2012, 9, 14))
    _submit(store, tmp_path, "14", dt.date(2012, 9, 28))
    c = _submit(store, tmp_path, "14", dt.date(2012, 10, 5))
    _finalize(store, "14", "october", a, dt.date(2012, 10, 12))
    _finalize(store, "14", "october", c, dt.date(2012, 10, 15))
    dec = _submit(store, tmp_path, "14", dt.date(2012, 12, 10), period="december")
    _finalize(store, "14", "december", dec, dt.date(2012, 12, 14))
    # LEA 07: one file in October; an extension through 10-25; finalizes October on 10-22 (after the due date,
    # within the extension: on time). A file in November validated but never loaded is no submission.
    d = _submit(store, tmp_path, "07", dt.date(2012, 10, 20))
    grant_extension(store, "07", YEAR, "october", dt.date(2012, 10, 25), "Heidi")
    _finalize(store, "07", "october", d, dt.date(2012, 10, 22))
    _submit(store, tmp_path, "07", dt.date(2012, 11, 2), load=False)
    # LEA 07's December file comes on 12-19, finalized on 12-20 under an extension through 12-31 that was
    # later cut back to 12-18 (the latest granted is in force): late
    grant_extension(store, "07", YEAR, "december", dt.date(2012, 12, 31), "Heidi")
    dec = _submit(store, tmp_path, "07", dt.date(2012, 12, 19), period="december")
    _finalize(store, "07", "december", dec, dt.date(2012, 12, 20))
    grant_extension(store, "07", YEAR, "december", dt.date(2012, 12, 18), "Heidi")


# By hand: months (submissions): LEA 14: 2012-09 -> 2, 2012-10 -> 1, 2012-12 -> 1, the other nine 0; LEA 07:
# 2012-10 -> 1, 2012-12 -> 1, the other ten 0 (its November file never loaded). Every month from July 2012 is required (April 2012 or later).
# Periods (finalizations, first, last, due, extension, on time):
#   14 october: 2, 10-12, 10-15, due 10-15, none, on time; 14 december: 1, 12-14, due 12-15, on time
#   07 october: 1, 10-22, due 10-15, extension 10-25, on time; 07 december: 1, 12-20, due 12-15, ext 12-18, late
#   year-end: not finalized by either (0, on_time null)
D = dt.date
MONTHS = {("14", "2012-09"): 2, ("14", "2012-10"): 1, ("14", "2012-12"): 1, ("07", "2012-10"): 1,
          ("07", "2012-12"): 1}
PERIODS = {
    ("07", "october"): (1, D(2012, 10, 22), D(2012, 10, 22), D(2012, 10, 15), D(2012, 10, 25), True),
    ("07", "december"): (1, D(2012, 12, 20), D(2012, 12, 20), D(2012, 12, 15), D(2012, 12, 18), False),
    ("07", "year-end"): (0, None, None, D(2013, 7, 7), None, None),
    ("14", "october"): (2, D(2012, 10, 12), D(2012, 10, 15), D(2012, 10, 15), None, True),
    ("14", "december"): (1, D(2012, 12, 14), D(2012, 12, 14), D(2012, 12, 15), None, True),
    ("14", "year-end"): (0, None, None, D(2013, 7, 7), None, None),
}
PERIOD_COLUMNS = ["submissions", "first_finalized_on", "last_finalized_on", "due_date", "extension_until", "on_time"]


def _months(counts: pl.DataFrame) -> dict[tuple[str, str], int]:
    m = counts.filter((pl.col("kind") == "month") & (pl.col("submissions") > 0))
    return {(r["lea_number"], r["item"]): r["submissions"] for r in m.iter_rows(named=True)}


def _periods(counts: pl.DataFrame) -> dict[tuple[str, str], tuple[object, ...]]:
    p = counts.filter(pl.col("kind") == "period")
    return {(r["lea_number"], r["item"]): tuple(r[c] for c in PERIOD_COLUMNS) for r in p.iter_rows(named=True)}


def test_months_run_july_to_june_and_monthly_submission_is_required_from_april_2012() -> None:
    assert [m.isoformat() for m in C.months(2013)][:2] == ["2012-07-01", "2012-08-01"]
    assert C.months(2013)[-1] == dt.date(2013, 6, 1) and len(C.months(2013)) == 12
    required = C.counts(C.grid(["14"], 2012), pl.DataFrame(schema=C.DETAIL_SCHEMA),
                        pl.DataFrame(schema={"lea_number": pl.Utf8, "item": pl.Utf8, "due_date": pl.Date,
                                             "extension_until": pl.Date}))
    months = required.filter(pl.col("kind") == "month")
    assert months.filter(pl.col("required"))["item"].to_list() == ["2012-04", "2012-05", "2012-06"]


def test_the_log_gives_the_hand_worked_rows_and_the_detail_sums_to_them(store, tmp_path) -> None:
    story(store, tmp_path)
    counts, detail, facts = C.compute(store, YEAR, lea=None)
    ours = counts.filter(pl.col("lea_number").is_in(["07", "14"]))
    assert _months(ours) == MONTHS
    assert _periods(ours) == PERIODS
    assert ours.filter(pl.col("kind") == "month")["required"].all()
    assert ours.filter(pl.col("kind") == "month").height == 24  # every month of both LEAs, zeros included
    # the LEAs of the reference data that never submitted show, with zeros
    silent = counts.filter(~pl.col("lea_number").is_in(["07", "14"]))
    assert silent.height > 0 and silent["submissions"].sum() == 0
    assert facts["submissions"] == 6 and facts["finalizations"] == 5
    sums = detail.group_by(C.KEY).agg(pl.len().alias("submissions"))
    joined = counts.join(sums, on=C.KEY, how="left", suffix="_detail").with_columns(
        pl.col("submissions_detail").fill_null(0))
    assert (joined["submissions"] == joined["submissions_detail"]).all()
    assert set(detail.filter(pl.col("kind") == "month")["received_on"].cast(pl.Utf8)) == {
        "2012-09-14", "2012-09-28", "2012-10-05", "2012-10-20", "2012-12-10", "2012-12-19"}  # not the November file that never loaded


def test_one_lea(store, tmp_path) -> None:
    story(store, tmp_path)
    counts, detail, facts = C.compute(store, YEAR, lea="7")
    assert set(counts["lea_number"]) == {"07"} and counts.height == 15  # 12 months, 3 periods
    assert _months(counts) == {("07", "2012-10"): 1, ("07", "2012-12"): 1}
    assert _periods(counts) == {k: v for k, v in PERIODS.items() if k[0] == "07"}
    assert facts["scope"] == {"lea": "07"} and facts["required_months_missed"] == 10
    assert set(detail["lea_number"]) == {"07"}


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["report", "compliance", "--school-year", str(YEAR), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_format_carries_the_same_rows(store, tmp_path) -> None:
    import openpyxl

    story(store, tmp_path)
    path = tmp_path / "c.csv"
    path.write_text(_cli("--lea", "14"))
    csv = pl.read_csv(path, schema_overrides={"lea_number": pl.Utf8}, try_parse_dates=True)
    assert _months(csv) == {k: v for k, v in MONTHS.items() if k[0] == "14"}
    assert _periods(csv) == {k: v for k, v in PERIODS.items() if k[0] == "14"}
    doc = json.loads(_cli("--format", "json", "--detail"))
    rows = pl.DataFrame(doc["counts"], infer_schema_length=None).filter(pl.col("lea_number").is_in(["07", "14"]))
    assert _months(rows) == MONTHS
    assert {k: v[0] for k, v in _periods(rows).items()} == {k: v[0] for k, v in PERIODS.items()}
    assert len(doc["detail"]) == 11 and doc["finalizations"] == 5  # 6 files, 5 finalizations
    xlsx = tmp_path / "r.xlsx"
    _cli("--format", "xlsx", "--output", str(xlsx), "--lea", "07", "--detail")
    wb = openpyxl.load_workbook(xlsx)
    got = list(wb["counts"].iter_rows(values_only=True))
    frame = pl.DataFrame(got[1:], schema=list(got[0]), orient="row")
    assert _months(frame) == {("07", "2012-10"): 1, ("07", "2012-12"): 1}
    assert wb["detail"].max_row == 5  # a header, two files, two finalizations
    html = _cli("--format", "html", "--detail", "--lea", "14")
    assert "<svg" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<title>2012-09: 2</title>" in html  # the chart: submissions by month and period
    assert html.count("<h2>LEA ") == 1
    assert "<a href='#d-14-month-2012-09'>2</a>" in html and "id='d-14-month-2012-09'" in html
