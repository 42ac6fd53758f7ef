"""An LEA's pages: its dashboard, its submission log, and finalization of its reporting periods.

Every page starts with `lea_of` (404 for an LEA the person may not see) and every submission id of an
address is checked to be that LEA's (404 otherwise). Finalizing needs an uploader or a state
administrator (403 for a viewer) and the submission id typed again; it is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from ..collector.dashboard import lea_due
from ..store import periods as P
from ..store.models import Kind, Status, Submission
from ..store.submissions import SubmissionError
from . import audit
from .audit import Action
from .lea_queries import latest, log_page, submission_of
from .lea_web import number, page_number, page_size, pager, require_upload, today
from .leas import known_leas
from .web import lea_of, render, store_of, who

router = APIRouter(include_in_schema=False)


def _name(request: Request, code: str) -> str:
    return known_leas(store_of(request)).get(code, f"LEA {code}")


def _school_year(request: Request, code: str, asked: str | None = None) -> int:
    """The school year shown: the one asked for, else the latest submission's, else today's."""
    if asked and asked.isdigit() and 1990 < int(asked) < 2200:
        return int(asked)
    last = latest(store_of(request), code)
    if last is not None and last.school_year is not None:
        return last.school_year
    return P.school_year_of(today(request))


@router.get("/leas/{lea}")
def dashboard(request: Request, lea: str, school_year: str | None = None) -> Response:
    a, code = lea_of(request, lea)
    store = store_of(request)
    year = _school_year(request, code, school_year)
    recent, total = log_page(store, code, 1, 5)
    view = P.overview(store, year, code)
    periods = [{**p, "mine": (p["leas"] or [{}])[0]} for p in view["periods"]]
    due = lea_due(store, code, today(request))  # what is due next, months without a submission (collector)
    return render(request, "lea_dashboard.html", lea=code, name=_name(request, code), last=recent[0] if recent else None,
                  recent=recent, total=total, year=year, policy=view, periods=periods, due=due,
                  can_upload=a.can_upload(code), can_finalize=a.can_finalize(code))


@router.get("/leas/{lea}/submissions")
def submission_log(request: Request, lea: str, page: str | None = None) -> Response:
    _, code = lea_of(request, lea)
    n, size = page_number(page), page_size(request)
    rows, total = log_page(store_of(request), code, n, size)
    return render(request, "lea_submissions.html", lea=code, name=_name(request, code), rows=rows,
                  pager=pager(f"/leas/{code}/submissions", {}, n, size, total))


# --- finalization --------------------------------------------------------------------------------

def _candidate(request: Request, code: str, year: int, period: str) -> Submission | None:
    """The submission a period would freeze: the LEA's latest loaded file of that period and year."""
    with store_of(request).session() as s:
        return s.scalars(select(Submission).where(
            Submission.lea == code, Submission.school_year == year, Submission.period == period,
            Submission.kind == Kind.SUBMISSION.value, Submission.status == Status.LOADED.value)
            .order_by(Submission.id.desc()).limit(1)).first()


def _finalize_page(request: Request, code: str, year: int, status_code: int = 200, error: str | None = None,
                   notice: str | None = None) -> Response:
    store = store_of(request)
    view = P.overview(store, year, code)
    rows: list[dict[str, Any]] = []
    for p in view["periods"]:
        row: dict[str, Any] = {**p, "mine": (p["leas"] or [{}])[0], "candidate": None, "prepared": None,
                               "refusal": None}
        sub = _candidate(request, code, year, p["period"])
        if sub is not None:
            row["candidate"] = sub
            try:
                row["prepared"] = P.prepare(store, code, p["period"], sub.id, today(request))
            except (P.PeriodError, SubmissionError) as e:
                row["refusal"] = str(e)
        rows.append(row)
    return render(request, "lea_finalize.html", status_code=status_code, lea=code, name=_name(request, code),
                  year=year, policy=view, rows=rows, error=error, notice=notice)


@router.get("/leas/{lea}/finalize")
def finalize_page(request: Request, lea: str, school_year: str | None = None, done: str | None = None) -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    notice = f"Finalization {done} is made: its records are frozen." if done and done.isdigit() else None
    return _finalize_page(request, code, _school_year(request, code, school_year), notice=notice)


@router.post("/leas/{lea}/finalize")
def finalize(request: Request, lea: str, period: Annotated[str, Form(max_length=16)],
             submission: Annotated[str, Form(max_length=20)],
             confirm: Annotated[str, Form(max_length=40)] = "") -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    store = store_of(request)
    sub = submission_of(store, code, number(submission))
    year = sub.school_year or _school_year(request, code)
    if confirm.strip() != str(sub.id):
        return _finalize_page(request, code, year, 400, error=f"Not finalized: type the submission id {sub.id} "
                                                              "in the confirmation box to finalize it.")
    try:
        prepared = P.prepare(store, code, period, sub.id, today(request))
        fin = P.finalize(store, prepared, a.user.email, today(request))
    except (P.PeriodError, SubmissionError) as e:
        return _finalize_page(request, code, year, 400, error=f"Not finalized: {e}")
    audit.write(store, Action.FINALIZE, who(request, a), lea=code, detail={
        "finalization": fin.id, "submission": sub.id, "period": fin.period, "school_year": fin.school_year,
        "accepted": fin.counts.get("accepted"), "replaces": fin.replaces_id})
    return RedirectResponse(f"/leas/{code}/finalize?school_year={fin.school_year}&done={fin.id}", status_code=303)
