"""The reports `utrex report NAME` knows (issue 5). A name whose `compute` is None is planned, not built:
asking for it is a usage error that lists the built ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from . import charter_summary, compliance, december_1, discipline, october_1, year_end

if TYPE_CHECKING:
    from ..store.db import Store

Compute = Callable[..., tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]]


@dataclass(frozen=True)
class ReportPart:
    """A further named table a report carries besides its main counts (Year-End: `discipline`), computed
    on its own from the same scope; json, xlsx and html carry every part, csv one (`utrex report --part`)."""
    name: str
    key: tuple[str, ...]
    compute: Compute
    html: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    key: tuple[str, ...]  # what a count row is keyed by (and the detail carries)
    compute: Compute | None  # (store, school_year, lea, school, finalized) -> (counts, detail, facts)
    html: tuple[tuple[str, object], ...] = ()  # keyword arguments of output.to_html (chart, measure)
    parts: tuple[ReportPart, ...] = ()


REPORTS: dict[str, ReportKind] = {r.name: r for r in (
    ReportKind("october-1", "October 1 Fall Enrollment", tuple(october_1.KEY), october_1.compute),
    ReportKind("december-1", "December 1 special education and homeless count", tuple(december_1.KEY),
               december_1.compute, (("totals_by", ["count", "disability"]),)),
    ReportKind("year-end", "Year-End membership, attendance and completion", tuple(year_end.KEY), year_end.compute,
               parts=(ReportPart(discipline.NAME, tuple(discipline.KEY), discipline.compute,
                                 (("totals_by", "infraction"), ("measure", "involvements"))),)),
    ReportKind("charter-summary", "Clearinghouse Summary per charter school", tuple(charter_summary.KEY),
               charter_summary.compute, (("totals_by", "district_of_residence"),)),
    ReportKind("compliance", "Submission compliance", tuple(compliance.KEY), compliance.compute,
               (("totals_by", "item"), ("measure", "submissions"))),
)}


def built() -> list[str]:
    return [n for n, r in REPORTS.items() if r.compute is not None]


def run(name: str, store: Store, school_year: int, lea: str | None, school: str | None,
        finalized: bool) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    kind = REPORTS[name]
    assert kind.compute is not None
    return kind.compute(store, school_year, lea=lea, school=school, finalized=finalized)


def run_parts(name: str, store: Store, school_year: int, lea: str | None, school: str | None,
              finalized: bool) -> dict[str, tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]]:
    """The report's further parts by name, each (counts, detail, facts) as `run` gives the main table."""
    return {p.name: p.compute(store, school_year, lea=lea, school=school, finalized=finalized)
            for p in REPORTS[name].parts}
