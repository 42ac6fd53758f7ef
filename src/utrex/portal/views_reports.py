"""The state reports in the portal (what `utrex report` writes): a page to choose the report, the scope (one
LEA or the state), the school year and the finalized snapshots, then the report viewed as html in the
browser or downloaded in every format. Every view and download is audited.

Who sees what: state staff (administrators and viewers) every scope, at `/reports`; an LEA's people their
own LEA only, at `/leas/{lea}/reports` (404 for anyone else's, as every LEA page). The one cross-LEA
disclosure: for a regular district the charter summary is the counts of the charter schools' students who
reside in that district (what the USOE forwards to the district), counts only, never the students.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ..reports import output as out
from ..reports.charter_summary import REGULAR_DISTRICTS
from ..reports.registry import REPORTS, built, run, run_parts
from ..store.db import Store
from ..store.examine import latest_school_year
from ..store.periods import school_year_of
from ..store.submissions import normalize_lea
from . import audit
from .accounts import Access
from .audit import Action
from .lea_web import MEDIA, today
from .leas import known_leas
from .web import lea_of, me, render, store_of, who

router = APIRouter(include_in_schema=False)
FORMATS = ("html", "csv", "json", "xlsx")
# the html report in the browser: its own inline style and SVG, nothing else, never framed
INLINE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"


@dataclass(frozen=True)
class Ask:
    """A report request as the page's form and links carry it."""

    name: str
    school_year: int
    lea: str | None  # None: the state
    finalized: bool
    detail: bool
    part: str | None = None  # csv only: a further table of the report (year-end: discipline)

    @property
    def residents(self) -> bool:
        """A regular district's charter summary: its residents at charter schools (counts only)."""
        return self.name == "charter-summary" and self.lea in REGULAR_DISTRICTS

    def query(self, with_lea: bool = False) -> str:
        q = {"lea": (self.lea or "") if with_lea else "", "school_year": str(self.school_year), "finalized": "1" if self.finalized else "",
             "detail": "1" if self.detail and not self.residents else "", "part": self.part or ""}
        return urlencode({k: v for k, v in q.items() if v})


def _year(store: Store, asked: str, lea: str | None, request: Request) -> int:
    if asked.isdigit() and 1990 < int(asked) < 2200:
        return int(asked)
    return latest_school_year(store, lea) or school_year_of(today(request))


def _ask(request: Request, name: str, lea: str | None, school_year: str, finalized: str, detail: str,
         part: str = "") -> Ask:
    if name not in built():
        raise HTTPException(404)
    if part and part not in {p.name for p in REPORTS[name].parts}:
        raise HTTPException(404)
    return Ask(name, _year(store_of(request), school_year, lea, request), lea, bool(finalized), bool(detail),
               part or None)


@dataclass
class Computed:
    facts: dict[str, Any]
    counts: pl.DataFrame
    detail: pl.DataFrame | None
    extra: list[out.Part]


def compute(store: Store, ask: Ask, with_trend: bool = False) -> Computed:
    """The report as `utrex report` computes it (registry.run / run_parts), in the asked scope."""
    kind = REPORTS[ask.name]
    if ask.residents:  # every charter's summary, kept to this district's residents; no student rows
        counts, _, facts = run(ask.name, store, ask.school_year, None, None, ask.finalized)
        counts = counts.filter(pl.col("district_of_residence") == ask.lea)
        facts = {**facts, "scope": {"lea": None, "school": None, "residents_of": ask.lea},
                 "students": int(counts["students"].sum()) if counts.height else 0}
        return Computed(facts, counts, None, [])
    counts, students, facts = run(ask.name, store, ask.school_year, ask.lea, None, ask.finalized)
    parts = run_parts(ask.name, store, ask.school_year, ask.lea, None, ask.finalized)
    extra = [out.Part(p.name, parts[p.name][2], parts[p.name][0], parts[p.name][1] if ask.detail else None,
                      list(p.key), dict(p.html)) for p in kind.parts]
    if with_trend and ask.lea is not None:  # as `utrex report --lea` does for json and html
        from ..reports.trend import trend

        points = trend(store, ask.name, ask.school_year, ask.lea, None)
        facts = {**facts, "trend": points} if points else facts
    return Computed(facts, counts, students if ask.detail else None, extra)


def _respond(request: Request, a: Access, ask: Ask, fmt: str, inline: bool) -> Response:
    if fmt not in FORMATS or (inline and fmt != "html") or (ask.part and fmt != "csv"):
        raise HTTPException(404)
    store = store_of(request)
    c = compute(store, ask, with_trend=fmt in ("html", "json"))
    kind = REPORTS[ask.name]
    audit.write(store, Action.DOWNLOAD, who(request, a), lea=ask.lea, detail={
        "what": f"report {ask.name}", "format": fmt, "inline": inline, "school_year": ask.school_year,
        "finalized": ask.finalized, "detail": c.detail is not None, "part": ask.part,
        "residents_of": ask.lea if ask.residents else None})
    scope = f"lea-{ask.lea}" if ask.lea else "state"
    filename = (f"{ask.name}{'-' + ask.part if ask.part else ''}-{scope}-{ask.school_year}"
                f"{'-finalized' if ask.finalized else ''}.{fmt}")
    headers = {"Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{filename}"',
               "Cache-Control": "no-store"}
    if fmt == "xlsx":
        fd, tmp = tempfile.mkstemp(prefix="utrex-report-", suffix=".xlsx")
        os.close(fd)
        try:
            out.write_xlsx(c.facts, c.counts, c.detail, Path(tmp), c.extra)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return FileResponse(tmp, media_type=MEDIA[fmt], headers=headers,
                            background=BackgroundTask(Path(tmp).unlink, missing_ok=True))
    if fmt == "csv":
        chosen = next((p for p in c.extra if p.name == ask.part), None)
        body = out.to_csv(c.counts, c.detail) if chosen is None else out.to_csv(chosen.counts, chosen.detail)
    elif fmt == "json":
        body = out.to_json(c.facts, c.counts, c.detail, c.extra)
    else:
        body = out.to_html(c.facts, c.counts, c.detail, list(kind.key), **dict(kind.html), extra=c.extra)
        headers["Content-Security-Policy"] = INLINE_CSP
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def _page(request: Request, a: Access, base: str, ask: Ask | None, lea: str | None, leas: dict[str, str],
          error: str | None = None) -> Response:
    links: list[tuple[str, str]] = []
    state = base == "/reports"  # the state's page names the LEA in the query, an LEA's in the path
    if ask is not None:
        q = ask.query(with_lea=state)
        links = [(f"{base}/{ask.name}.{fmt}?{q}", fmt) for fmt in FORMATS]
        links += [(f"{base}/{ask.name}.csv?{q}&{urlencode({'part': p.name})}", f"csv: {p.name}")
                  for p in REPORTS[ask.name].parts]
    view = f"{base}/{ask.name}.html?{ask.query(with_lea=state)}&view=1" if ask is not None else None
    return render(request, "reports.html", status_code=400 if error else 200, ask=ask, base=base, lea=lea,
                  leas=leas, reports=[(n, REPORTS[n].title) for n in built()], links=links, view=view,
                  error=error, year=ask.school_year if ask else school_year_of(today(request)))


def _state_staff(request: Request) -> Access:
    a = me(request)
    if not a.is_state:
        raise HTTPException(404)
    return a


def _state_lea(a: Access, lea: str) -> str | None:
    if not lea:
        return None
    code = normalize_lea(lea)
    if not a.can_see(code):
        raise HTTPException(404)
    return code


# --- the state's reports page (every scope) -------------------------------------------------------

@router.get("/reports")
def state_reports(request: Request, report: str = "", lea: str = "", school_year: str = "", finalized: str = "",
                  detail: str = "") -> Response:
    a = _state_staff(request)
    code = _state_lea(a, lea[:8])
    ask = _ask(request, report, code, school_year[:6], finalized, detail) if report else None
    return _page(request, a, "/reports", ask, code, known_leas(store_of(request)))


@router.get("/reports/{name}.{fmt}")
def state_report(request: Request, name: str, fmt: str, lea: str = "", school_year: str = "",
                 finalized: str = "", detail: str = "", part: str = "", view: str = "") -> Response:
    a = _state_staff(request)
    ask = _ask(request, name, _state_lea(a, lea[:8]), school_year[:6], finalized, detail, part[:32])
    return _respond(request, a, ask, fmt, inline=bool(view))


# --- an LEA's reports page (its own LEA only) -----------------------------------------------------

@router.get("/leas/{lea}/reports")
def lea_reports(request: Request, lea: str, report: str = "", school_year: str = "", finalized: str = "",
                detail: str = "") -> Response:
    a, code = lea_of(request, lea)
    ask = _ask(request, report, code, school_year[:6], finalized, detail) if report else None
    names = known_leas(store_of(request))
    return _page(request, a, f"/leas/{code}/reports", ask, code, {code: names.get(code, f"LEA {code}")})


@router.get("/leas/{lea}/reports/{name}.{fmt}")
def lea_report(request: Request, lea: str, name: str, fmt: str, school_year: str = "", finalized: str = "",
               detail: str = "", part: str = "", view: str = "") -> Response:
    a, code = lea_of(request, lea)
    ask = _ask(request, name, code, school_year[:6], finalized, detail, part[:32])
    return _respond(request, a, ask, fmt, inline=bool(view))
