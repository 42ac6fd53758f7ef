"""State pages: the LEAs with their last submission and finalization state, reference data (the versions,
and the upload of a new one), and the reporting periods' deadlines with the extensions granted.

State administrators and state viewers read them; only an administrator uploads reference data or grants
an extension (both audited; an extension's reason is kept in the audit log, the store's `extensions` table
having no column for it). Everyone else gets 404, as for a page that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from ..spec import Period
from ..store import periods as P
from ..store import reference as store_reference
from ..store.db import Store
from ..store.examine import latest_school_year
from ..store.models import Submission
from ..store.submissions import normalize_lea
from . import audit, reference_upload
from .accounts import Access
from .audit import Action
from .lea_web import today
from .leas import known_leas
from .web import admin, me, render, store_of, who

router = APIRouter(prefix="/state", include_in_schema=False)
REPORTING = (Period.OCTOBER.value, Period.DECEMBER.value, Period.YEAR_END.value)


def state_staff(request: Request) -> Access:
    a = me(request)
    if not a.is_state:
        raise HTTPException(404)
    return a


def _year(request: Request, asked: str) -> int:
    if asked.isdigit() and 1990 < int(asked) < 2200:
        return int(asked)
    return latest_school_year(store_of(request), None) or P.school_year_of(today(request))


# --- the LEAs -------------------------------------------------------------------------------------

def last_submissions(store: Store) -> dict[str, Submission]:
    """Each LEA's latest submission, in one query."""
    last = select(Submission.lea, func.max(Submission.id).label("id")).group_by(Submission.lea).subquery()
    with store.session() as s:
        rows = s.scalars(select(Submission).join(last, Submission.id == last.c.id))
        return {sub.lea: sub for sub in rows}


@router.get("/leas")
def leas_page(request: Request, school_year: str = "") -> Response:
    state_staff(request)
    store = store_of(request)
    year = _year(request, school_year[:6])
    view = P.overview(store, year)
    state: dict[str, dict[str, Any]] = {}  # LEA -> period -> its extension and finalization
    for p in view["periods"]:
        for row in p["leas"]:
            state.setdefault(row["lea"], {})[p["period"]] = row
    return render(request, "state_leas.html", leas=known_leas(store), last=last_submissions(store), state=state,
                  periods=view["periods"], year=year)


# --- reference data -------------------------------------------------------------------------------

def _reference_page(request: Request, status_code: int = 200, error: str | None = None,
                    notice: str | None = None) -> Response:
    rows = []
    for v in reversed(store_reference.versions(store_of(request))):
        rows.append({"id": v.id, "loaded_at": v.loaded_at, "user": v.user, "source": v.source, "current": v.current,
                     "sha256": v.sha256[:12],
                     "files": [(name, max(0, text.count("\n") - 1 + (0 if text.endswith("\n") else 1)))
                               for name, text in sorted(v.files.items())]})
    return render(request, "state_reference.html", status_code=status_code, versions=rows, error=error,
                  notice=notice, files=reference_upload.FILES)


@router.get("/reference")
def reference_page(request: Request, done: str = "") -> Response:
    state_staff(request)
    notice = f"Reference version {done} is stored and in force." if done.isdigit() else None
    return _reference_page(request, notice=notice)


@router.post("/reference")
def reference_upload_(request: Request, files: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    a = admin(request)
    sent = [f for f in files or [] if f.filename]
    store, by = store_of(request), who(request, a)
    names = [f.filename or "" for f in sent]
    try:
        if not sent:
            raise reference_upload.UploadRefused("choose a zip file or the csv files to upload")
        version = reference_upload.load(store, [(f.filename or "", f.file) for f in sent], a.user.email,
                                        ", ".join(names))
    except reference_upload.UploadRefused as e:
        audit.write(store, Action.REFERENCE_LOADED, by, detail={"files": names, "refused": str(e)[:500]})
        return _reference_page(request, 400, error=f"Not loaded: {e}")
    audit.write(store, Action.REFERENCE_LOADED, by, detail={"files": names, "version": version.id,
                                                            "stored": sorted(version.files)})
    return RedirectResponse(f"/state/reference?done={version.id}", status_code=303)


# --- deadlines and extensions ---------------------------------------------------------------------

def _reasons(store: Store) -> dict[int, str]:
    """Extension id -> the reason given when it was granted (from the audit log)."""
    rows, _ = audit.entries(store, audit.Query(action=Action.EXTENSION_GRANTED.value), limit=None)
    return {int(e.detail["extension"]): str(e.detail.get("reason", "")) for e in rows
            if e.detail and isinstance(e.detail.get("extension"), int)}


def _periods_page(request: Request, year: int, status_code: int = 200, error: str | None = None,
                  notice: str | None = None, form: dict[str, str] | None = None) -> Response:
    store = store_of(request)
    view = P.overview(store, year)
    return render(request, "state_periods.html", status_code=status_code, year=year, policy=view,
                  extensions=list(reversed(P.list_extensions(store, school_year=year))), reasons=_reasons(store),
                  leas=known_leas(store), periods=view["periods"], error=error, notice=notice, form=form or {})


@router.get("/periods")
def periods_page(request: Request, school_year: str = "", done: str = "") -> Response:
    state_staff(request)
    notice = f"Extension {done} is granted." if done.isdigit() else None
    return _periods_page(request, _year(request, school_year[:6]), notice=notice)


@router.post("/periods/extensions")
def grant_extension(request: Request, lea: Annotated[str, Form(max_length=8)],
                    period: Annotated[str, Form(max_length=16)], until: Annotated[str, Form(max_length=10)],
                    reason: Annotated[str, Form(max_length=1000)], school_year: Annotated[str, Form(max_length=6)]
                    ) -> Response:
    a = admin(request)
    store = store_of(request)
    year = _year(request, school_year)
    form = {"lea": lea, "period": period, "until": until, "reason": reason}
    code = normalize_lea(lea)
    try:
        day = dt.date.fromisoformat(until)
    except ValueError:
        return _periods_page(request, year, 400, error=f"Not granted: {until!r} is not a date (YYYY-MM-DD).",
                             form=form)
    if code not in known_leas(store):
        return _periods_page(request, year, 400, error=f"Not granted: LEA {code} is not a known LEA.", form=form)
    if period not in REPORTING:
        return _periods_page(request, year, 400, error=f"Not granted: {period!r} is not a reporting period.",
                             form=form)
    if not reason.strip():
        return _periods_page(request, year, 400, error="Not granted: give the reason for the extension.", form=form)
    try:
        ext = P.grant_extension(store, code, year, period, day, a.user.email)
    except P.PeriodError as e:
        return _periods_page(request, year, 400, error=f"Not granted: {e}.", form=form)
    audit.write(store, Action.EXTENSION_GRANTED, who(request, a), lea=code, detail={
        "extension": ext.id, "school_year": year, "period": ext.period, "until": ext.until.isoformat(),
        "reason": reason.strip()})
    return RedirectResponse(f"/state/periods?school_year={year}&done={ext.id}", status_code=303)
