"""The API for SIS vendors and scripts, under /api/v1, described by /openapi.json.

Authentication is a Bearer token only (tokens.py); the session cookie is never read here, so a forged
cross-site request carries nothing that works and CSRF does not apply. A token acts as its person: the
LEAs they may see (anything else, existing or not, is 404 with the same body) and what they may do there
(an LEA viewer's token may read but not submit: 403). Uploads and downloads are audited with the token's
name. Errors have one shape (api_errors.py)."""

from __future__ import annotations

import datetime as dt
import threading
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, or_, select
from starlette.datastructures import UploadFile

from ..reports.registry import REPORTS, built, run, run_parts
from ..store.examine import latest_school_year
from ..store.models import IN_FLIGHT, Finding, Status, Submission
from ..store.periods import school_year_of
from ..store.submissions import SubmissionRefused, normalize_lea
from . import api_errors, audit, tokens, uploads
from .api_errors import ApiError, not_found
from .api_models import FindingsPage, Lea, Report, SubmissionStatus, error_responses
from .audit import Action, Who
from .leas import known_leas
from .web import client_of, settings_of, store_of

PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit in the schema: a larger one is simply not found, never a database error
TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)
_bearer = HTTPBearer(auto_error=False, scheme_name="token",
                     description="A personal API token created on the portal's API tokens page")


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> tokens.Bearer:
    """The token's person, or 401 (no token, an unknown or revoked one, a disabled account)."""
    if credentials is None:
        raise ApiError(401, "This API needs an API token: send 'Authorization: Bearer <token>'. Create one "
                            "on the portal's API tokens page.")
    found = tokens.authenticate(store_of(request), credentials.credentials)
    if found is None:
        raise ApiError(401, "The API token is not valid: it is unknown, revoked, or its account is disabled.",
                       code="invalid_token", headers={"WWW-Authenticate": api_errors.BEARER + ', error="invalid_token"'})
    return found


Caller = Annotated[tokens.Bearer, Depends(caller)]
router = APIRouter(prefix=PREFIX, tags=["api"], dependencies=[Depends(caller)],
                   responses=error_responses(401, 404, 422))
ReportName = StrEnum("ReportName", {n.replace("-", "_"): n for n in built()})  # type: ignore[misc]
_jobs_lock = threading.Lock()


def install(app: FastAPI) -> None:
    """The API's routes and its error handlers (the one line create_app needs)."""
    app.include_router(router)
    api_errors.install_handlers(app)
    app.description = ("The utrex portal's API: submit a Clearinghouse file, poll it, read its findings and the "
                       "state reports of the LEAs your token's person may see. Every error is "
                       '{"error": {"status", "code", "message", "details"}}.')


def _who(request: Request, bearer: tokens.Bearer) -> Who:
    return Who(bearer.access.user.id, bearer.access.user.email, client_of(request))


def _lea(bearer: tokens.Bearer, lea: str) -> str:
    code = normalize_lea(lea)
    if not bearer.access.can_see(code):
        raise not_found()
    return code


def _submission(request: Request, bearer: tokens.Bearer, submission_id: int) -> Submission:
    with store_of(request).session() as s:
        sub = s.get(Submission, submission_id)
    if sub is None or not bearer.access.can_see(sub.lea):
        raise not_found()
    return sub


def _status(request: Request, sub: Submission) -> dict[str, Any]:
    d = sub.to_dict()
    jobs = getattr(request.app.state, "submission_jobs", None)  # uploads.jobs_of's, if any job ran here
    # a loading job is briefly 'validated' between its two steps: it is not done while its job runs
    d["done"] = sub.status not in IN_FLIGHT and not (jobs is not None and sub.id in jobs.running())
    d["validate_only"] = d["done"] and sub.status == Status.VALIDATED.value
    d["links"] = {"status": f"{PREFIX}/submissions/{sub.id}", "findings": f"{PREFIX}/submissions/{sub.id}/findings"}
    return d


@router.get("/leas", response_model=list[Lea], summary="The LEAs the token's person may see")
def list_leas(request: Request, bearer: Caller) -> list[dict[str, Any]]:
    names = known_leas(store_of(request))
    return [{"lea": code, "name": names.get(code, f"LEA {code}"), "can_upload": bearer.access.can_upload(code)}
            for code in sorted(bearer.access.leas)]


LeaParam = Annotated[str, PathParam(max_length=8, pattern=TEXT, examples=["01"])]
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "The LEA's Clearinghouse file"},
        "validate_only": {"type": "boolean", "default": False,
                          "description": "Validate and report, load nothing (what to try first)"}}}}}}}
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


@router.post("/leas/{lea}/submissions", status_code=202, response_model=SubmissionStatus, openapi_extra=_UPLOAD_BODY,
             responses=error_responses(400, 403, 413), summary="Submit a Clearinghouse file (multipart)")
async def submit(request: Request, response: Response, lea: LeaParam, bearer: Caller) -> dict[str, Any]:
    """Receives the file at once (a file of another LEA, or not a Clearinghouse file, is refused: 422 with
    the logged submission in `details`), then validates and (unless `validate_only`) loads it in the
    background: poll the returned `links.status` until `done`."""
    code = _lea(bearer, lea)
    if not bearer.access.can_upload(code):
        raise ApiError(403, f"Your account may read LEA {code}'s data but not submit files for it.")
    # authorised before the body is read: nobody else gets to stream a file to this server's disk
    form = await request.form(max_files=1, max_fields=4)
    try:
        upload, flag = form.get("file"), form.get("validate_only", "")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "Send the file as the multipart field 'file'.",
                           details=[{"loc": ["body", "file"], "msg": "Field required"}])
        if not isinstance(flag, str) or flag.strip().lower() not in _TRUE | _FALSE:
            raise ApiError(422, "validate_only is true or false.",
                           details=[{"loc": ["body", "validate_only"], "msg": "Input should be a valid boolean"}])
        validate_only = flag.strip().lower() in _TRUE
        limit = int(settings_of(request).extra.get("max_upload_bytes", uploads.DEFAULT_MAX_BYTES))
        store, who = store_of(request), _who(request, bearer)
        base = {"via": "api", "token": bearer.token_name, "file": uploads.safe_name(upload.filename),
                "validate_only": validate_only}
        try:  # the parser spooled the part to disk past 1 MB; copied in chunks to a file of its own name
            path = await run_in_threadpool(uploads.save, upload.file, upload.filename, limit)
        except uploads.TooLarge as e:
            await run_in_threadpool(audit.write, store, Action.UPLOAD, who, lea=code,
                                    detail={**base, "refused": str(e)})
            raise ApiError(413, f"Not received: {e}.") from None
    finally:
        await form.close()
    try:
        sub = await run_in_threadpool(uploads.jobs_of(request.app).start, path, code, bearer.access.user.email,
                                      load=not validate_only, remove_file=True)
    except SubmissionRefused as e:
        await run_in_threadpool(audit.write, store, Action.UPLOAD, who, lea=code,
                                detail={**base, "submission": e.submission_id, "refused": str(e)})
        raise ApiError(422, str(e), code="refused",
                       details=[{"submission": e.submission_id}] if e.submission_id else None) from None
    await run_in_threadpool(audit.write, store, Action.UPLOAD, who, lea=code,
                            detail={**base, "submission": sub.id, "size": sub.size})
    response.headers["Location"] = f"{PREFIX}/submissions/{sub.id}"
    return _status(request, sub)


IdParam = Annotated[int, PathParam(ge=1, le=MAX_ID)]


@router.get("/submissions/{submission_id}", response_model=SubmissionStatus, summary="Poll a submission")
def submission_status(request: Request, submission_id: IdParam, bearer: Caller) -> dict[str, Any]:
    return _status(request, _submission(request, bearer, submission_id))


class SeverityName(StrEnum):
    error = "error"
    warning = "warning"


@router.get("/submissions/{submission_id}/findings", response_model=FindingsPage,
            summary="A submission's findings, filtered, a page at a time")
def findings(request: Request, submission_id: IdParam, bearer: Caller,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100,
             offset: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Page by offset ...")] = None,
             cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$",
                                                 description="... or by the previous page's next_cursor")] = None,
             severity: SeverityName | None = None,
             rule: Annotated[str | None, Query(max_length=100, pattern=TEXT)] = None,
             school: Annotated[str | None, Query(max_length=16, pattern=TEXT)] = None,
             student: Annotated[str | None, Query(max_length=32, pattern=TEXT,
                                                  description="Student number or SSID")] = None,
             ) -> dict[str, Any]:
    if offset is not None and cursor is not None:
        raise ApiError(422, "Page by offset or by cursor, not both.",
                       details=[{"loc": ["query", "cursor"], "msg": "offset and cursor exclude each other"}])
    sub = _submission(request, bearer, submission_id)
    f = Finding
    source = sub.restores_id if sub.restores_id is not None else sub.id  # a rollback shows what it restored
    where = [f.submission_id == source]
    if severity is not None:
        where.append(f.severity == severity.value)
    if rule:
        where.append(f.rule == rule)
    if school:
        where.append(f.school == school.strip())
    if student:
        where.append(or_(f.student_number == student.strip(), f.ssid == student.strip()))
    page = (select(f.id, f.rule, f.level, f.severity, f.line, f.record_type, f.fields, f.school, f.student_number,
                   f.ssid, f.message, f.record_key).where(*where).order_by(f.id).limit(limit + 1))
    if cursor is not None:
        page = page.where(f.id > int(cursor))
    elif offset:
        page = page.offset(offset)
    store = store_of(request)
    with store.session() as s:
        total = int(s.scalar(select(func.count()).select_from(f).where(*where)) or 0)
        rows = [dict(r) for r in s.execute(page).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    for r in rows:  # a page of at most `limit` rows, shaped for JSON
        r["fields"] = [x for x in (r["fields"] or "").split(",") if x]
    filters = {k: v for k, v in {"severity": severity.value if severity else None, "rule": rule, "school": school,
                                 "student": student}.items() if v}
    audit.write(store, Action.DOWNLOAD, _who(request, bearer), lea=sub.lea,
                detail={"what": "findings json", "via": "api", "token": bearer.token_name, "submission": sub.id,
                        "rows": len(rows), **filters})
    return {"submission": sub.id, "total": total, "limit": limit,
            "offset": None if cursor is not None else (offset or 0),
            "next_cursor": str(rows[-1]["id"]) if more else None, "findings": rows}


@router.get("/leas/{lea}/reports/{name}", response_model=Report, summary="A state report of one LEA (json)")
def report(request: Request, lea: LeaParam, name: ReportName, bearer: Caller,  # type: ignore[valid-type]
           school_year: Annotated[int | None, Query(ge=2000, le=2100,
                                                    description="Ending year (2013 for 2012-13); default: the "
                                                                "latest with records of the LEA")] = None,
           school: Annotated[str | None, Query(max_length=16, pattern=r"^[0-9A-Za-z]*$")] = None,
           finalized: bool = False, detail: bool = False) -> dict[str, Any]:
    """The counts of the LEA's schools (the state's own reports, scoped to the LEA), from the records in
    force or, with `finalized`, the LEA's finalized snapshot; `detail` adds the students behind them."""
    code = _lea(bearer, lea)
    store = store_of(request)
    kind = REPORTS[name.value]
    year = school_year or latest_school_year(store, code) or school_year_of(dt.date.today())
    school = school or None
    counts, students, facts = run(kind.name, store, year, code, school, finalized)
    parts = {p: {**pf, "counts": pc.to_dicts(), "detail": pd.to_dicts() if detail else None}
             for p, (pc, pd, pf) in run_parts(kind.name, store, year, code, school, finalized).items()}
    audit.write(store, Action.DOWNLOAD, _who(request, bearer), lea=code,
                detail={"what": f"report {kind.name} json", "via": "api", "token": bearer.token_name,
                        "school_year": year, "finalized": finalized, "detail": detail})
    return {"report": kind.name, "lea": code, "school_year": year, "finalized": finalized, "facts": facts,
            "counts": counts.to_dicts(), "detail": students.to_dicts() if detail else None, "parts": parts}
