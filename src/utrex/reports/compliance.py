"""Submission compliance: for each LEA, whether it submitted in each calendar month of the school year and
whether (and by when) it finalized each reporting period (issue 5, item 5; specification Note 1 of the
upload times: "Beginning April 2012, all LEAs are required to submit once during each calendar month", the
period deadlines and the extensions "good through a specific date").

Rows (`counts`), one per LEA and item, keyed by `lea_number`, `kind`, `item`:
- kind `month`, item `YYYY-MM` (July to June): `submissions` = files of the LEA received in that month and
  loaded, whatever school year they carry (the requirement is per calendar month: a Year-End file received
  in July counts for July, a month of the next school year; the submission log's received date; failed files
  and rollbacks are not submissions), `submitted` = at least one, `required` = the month is April 2012 or
  later.
- kind `period`, item october / december / year-end: `submissions` = finalizations made (a replaced one
  included), `first_finalized_on` / `last_finalized_on`, the period's `due_date`, the LEA's
  `extension_until` (in force, if the policy allows extensions), and `on_time`: the first finalization on or
  before the later of the two (null: not finalized).
The LEAs are those of the reference data in force and any LEA in the log, so an LEA that never submitted
shows (with zeros). The detail lists the submissions and finalizations behind each row (same key); it sums to
`submissions`. The report has no school scope and no finalized variant (it is about the log itself).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from ..spec import Period
from ..store.models import Kind, Status
from ..store.periods import extension_in_force, list_finalizations, period_dates, policy_for
from .charters import reference_in_force

if TYPE_CHECKING:
    from ..store.db import Store

MONTHLY_FROM = dt.date(2012, 4, 1)  # Note 1: "Beginning April 2012 ... once during each calendar month"
PERIODS = (Period.OCTOBER, Period.DECEMBER, Period.YEAR_END)
KEY = ["lea_number", "kind", "item"]
DETAIL_SCHEMA = {"lea_number": pl.Utf8, "kind": pl.Utf8, "item": pl.Utf8, "submission_id": pl.Int64,
                 "received_on": pl.Date, "file_name": pl.Utf8, "period": pl.Utf8, "finalization_id": pl.Int64,
                 "finalized_on": pl.Date, "user": pl.Utf8}
COUNT_COLUMNS = ["submissions"]


def months(school_year: int) -> list[dt.date]:
    """The first days of the school year's calendar months, July to June."""
    return [dt.date(school_year - 1 + (m < 7), m, 1) for m in (*range(7, 13), *range(1, 7))]


def detail(store: Store, school_year: int) -> pl.DataFrame:
    """One row per loaded submission of the year (kind month) and per finalization (kind period)."""
    from ..store.submissions import list_submissions

    # by the month received, not the file's school year: each row then falls in one of the grid's months
    first, end = months(school_year)[0], dt.date(school_year, 7, 1)
    rows = [(s.lea, "month", s.received_at.strftime("%Y-%m"), s.id, s.received_at.date(), s.file_name,
             s.period or "", None, None, s.user)
            for s in list_submissions(store)
            if first <= s.received_at.date() < end and s.status == Status.LOADED.value
            and s.kind == Kind.SUBMISSION.value]
    rows += [(f.lea, "period", f.period, f.submission_id, None, "", f.period, f.id, f.finalized_at.date(), f.user)
             for f in list_finalizations(store, school_year=school_year)]
    return pl.DataFrame(rows, schema=DETAIL_SCHEMA, orient="row").sort([*KEY, "submission_id", "finalization_id"])


def grid(leas: list[str], school_year: int) -> pl.DataFrame:
    """Every LEA x (each month, each period): the rows the report has even where nothing happened."""
    items = pl.DataFrame({"kind": ["month"] * 12 + ["period"] * len(PERIODS),
                          "item": [m.strftime("%Y-%m") for m in months(school_year)] + [p.value for p in PERIODS],
                          "order": list(range(12 + len(PERIODS)))})
    return pl.DataFrame({"lea_number": sorted(set(leas))}).join(items, how="cross")


def deadlines(store: Store, leas: list[str], school_year: int) -> pl.DataFrame:
    """Per LEA and period: the due date and the extension in force (a handful of rows: leas x 3)."""
    policy = policy_for(store, school_year)
    rows = []
    for period in PERIODS:
        due = period_dates(policy, period).due_date(school_year)
        for lea in leas:
            ext = extension_in_force(store, lea, school_year, period, policy)
            rows.append((lea, period.value, due, ext.until if ext is not None else None))
    return pl.DataFrame(rows, schema={"lea_number": pl.Utf8, "item": pl.Utf8, "due_date": pl.Date,
                                      "extension_until": pl.Date}, orient="row")


def counts(facts_grid: pl.DataFrame, rows: pl.DataFrame, limits: pl.DataFrame) -> pl.DataFrame:
    """The grid with the detail's group-by and the deadlines joined on."""
    agg = rows.group_by(KEY).agg(pl.len().cast(pl.Int64).alias("submissions"),
                                 pl.col("finalized_on").min().alias("first_finalized_on"),
                                 pl.col("finalized_on").max().alias("last_finalized_on"))
    is_month = pl.col("kind") == "month"
    out = (facts_grid.join(agg, on=KEY, how="left").join(limits, on=["lea_number", "item"], how="left")
           .with_columns(pl.col("submissions").fill_null(0))
           .with_columns(
               (pl.col("submissions") > 0).alias("submitted"),
               pl.when(is_month).then(pl.col("item") >= MONTHLY_FROM.strftime("%Y-%m")).otherwise(True)
               .alias("required"),
               (pl.col("first_finalized_on") <= pl.max_horizontal("due_date", "extension_until")).alias("on_time"))
           .sort(["lea_number", "order"]))
    return out.select(*KEY, "submissions", "submitted", "required", "first_finalized_on", "last_finalized_on",
                      "due_date", "extension_until", "on_time")


def compute(store: Store, school_year: int, lea: str | None = None, school: str | None = None,
            finalized: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """The report for every LEA or one: (counts, detail, facts). `school` and `finalized` do not apply."""
    from ..store.submissions import normalize_lea

    lea = normalize_lea(lea) if lea is not None else None
    rows = detail(store, school_year)
    leas = [lea] if lea is not None else sorted({*reference_in_force(store).leas, *rows["lea_number"]})
    rows = rows.filter(pl.col("lea_number").is_in(leas))
    out = counts(grid(leas, school_year), rows, deadlines(store, leas, school_year))
    this_month = dt.date.today().strftime("%Y-%m")  # a month not over yet is not missed yet
    months_due = out.filter((pl.col("kind") == "month") & pl.col("required") & (pl.col("item") < this_month))
    facts: dict[str, object] = {
        "report": "compliance", "title": "Submission compliance", "school_year": school_year,
        "scope": {"lea": lea}, "monthly_from": MONTHLY_FROM.isoformat(), "leas": len(leas),
        "submissions": int((rows["kind"] == "month").sum()),
        "finalizations": int((rows["kind"] == "period").sum()),
        "required_months_missed": int((~months_due["submitted"]).sum()), "as_of": dt.date.today().isoformat(),
        "policy": policy_for(store, school_year).name}
    return out, rows, facts
