"""An LEA's submissions: upload (in the background, with a status page that refreshes itself), a
submission's findings (filtered, paginated, each rule explained), its reports in every format, the
comparison with the previous submission, and the examine downloads. Downloads and uploads are audited.

Every address is checked with `lea_of` (404 for an LEA the person may not see) and `submission_of`
(404 for a submission id that is not that LEA's); uploading needs an uploader or a state administrator
(403 for a viewer, see lea_web.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..engine.findings import to_dicts
from ..report import diff as report_diff
from ..report.common import rule_info
from ..store.examine import examine, to_csv, to_html
from ..store.jobs import poll
from ..store.report import compare_submissions, previous_submission, submission_report
from ..store.submissions import SubmissionError, SubmissionRefused
from . import audit, uploads
from .audit import Action
from .lea_queries import (
    FindingFilter,
    findings_page,
    has_findings,
    rule_counts,
    source_id,
    submission_of,
)
from .lea_web import audience, download, number, page_number, page_size, pager, require_upload
from .leas import known_leas
from .web import lea_of, render, settings_of, store_of, who

router = APIRouter(include_in_schema=False)
REPORT_FORMATS = ("csv", "html", "json", "xlsx")
REFRESH_SECONDS = 2


def _name(request: Request, code: str) -> str:
    return known_leas(store_of(request)).get(code, f"LEA {code}")


# --- upload --------------------------------------------------------------------------------------

def _upload_page(request: Request, code: str, status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "lea_upload.html", status_code=status_code, lea=code, name=_name(request, code),
                  error=error)


@router.get("/leas/{lea}/upload")
def upload_page(request: Request, lea: str) -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    return _upload_page(request, code)


@router.post("/leas/{lea}/upload")
def upload(request: Request, lea: str, file: Annotated[UploadFile | None, File()] = None,
           validate_only: Annotated[str, Form(max_length=10)] = "") -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    if file is None or not file.filename:
        return _upload_page(request, code, 400, error="Choose the Clearinghouse file to upload.")
    load = not validate_only
    store, by = store_of(request), who(request, a)
    limit = int(settings_of(request).extra.get("max_upload_bytes", uploads.DEFAULT_MAX_BYTES))
    try:
        path = uploads.save(file.file, file.filename, limit)
    except uploads.TooLarge as e:
        audit.write(store, Action.UPLOAD, by, lea=code, detail={"file": file.filename, "refused": str(e)})
        return _upload_page(request, code, 413, error=f"Not received: {e}.")
    size = path.stat().st_size
    try:
        sub = uploads.jobs_of(request.app).start(path, code, a.user.email, load=load, remove_file=True)
    except SubmissionRefused as e:
        audit.write(store, Action.UPLOAD, by, lea=code, detail={
            "file": path.name, "bytes": size, "load": load, "submission": e.submission_id, "refused": str(e)})
        return _upload_page(request, code, 400, error=f"The file was refused: {e}")
    audit.write(store, Action.UPLOAD, by, lea=code, detail={"file": sub.file_name, "bytes": size, "load": load,
                                                            "submission": sub.id})
    return RedirectResponse(f"/leas/{code}/submissions/{sub.id}/status", status_code=303)


@router.get("/leas/{lea}/submissions/{sid}/status")
def status(request: Request, lea: str, sid: str) -> Response:
    _, code = lea_of(request, lea)
    sub = submission_of(store_of(request), code, number(sid))
    state = poll(store_of(request), sub.id)
    return render(request, "lea_status.html", lea=code, name=_name(request, code), s=state,
                  refresh=None if state["done"] else REFRESH_SECONDS)


# --- findings ------------------------------------------------------------------------------------

@router.get("/leas/{lea}/submissions/{sid}")
def findings(request: Request, lea: str, sid: str, severity: str = "", rule: str = "", school: str = "",
             student: str = "", page: str | None = None) -> Response:
    _, code = lea_of(request, lea)
    store = store_of(request)
    sub = submission_of(store, code, number(sid))
    f = FindingFilter(severity=severity.strip()[:16], rule=rule.strip()[:100], school=school.strip()[:16],
                      student=student.strip()[:32])
    n, size = page_number(page), page_size(request)
    source = source_id(sub)
    rows, total = findings_page(store, source, f, n, size)
    ready = has_findings(sub)
    rules = [(r, sev, count, rule_info(r)) for r, sev, count in rule_counts(store, source, sub.validated_at if ready else None)]
    shown = {r["rule"] for r in rows}
    return render(request, "lea_findings.html", lea=code, name=_name(request, code), sub=sub, rows=rows,
                  rules=rules, explained=[r for r in rules if r[0] in shown], f=f, formats=REPORT_FORMATS,
                  ready=ready,
                  pager=pager(f"/leas/{code}/submissions/{sub.id}", f.query(), n, size, total))


@router.get("/leas/{lea}/submissions/{sid}/report.{fmt}")
def report(request: Request, lea: str, sid: str, fmt: str) -> Response:
    a, code = lea_of(request, lea)
    store = store_of(request)
    sub = submission_of(store, code, number(sid))
    if fmt not in REPORT_FORMATS:
        raise HTTPException(404)
    if not has_findings(sub):
        raise HTTPException(409, "This submission has not been validated (yet): it has no report.")
    summary, found = submission_report(store, sub.id)
    title = f"Submission {sub.id}: LEA {sub.lea}, {sub.file_name} ({sub.status})"
    name = f"submission-{sub.id}-findings.{fmt}"
    detail = {"what": "findings", "submission": sub.id}
    if fmt == "csv":
        from ..report.findings_io import to_csv as findings_csv

        return download(request, a, code, findings_csv(found), fmt, name, detail)
    if fmt == "json":
        import json

        body = json.dumps({**sub.to_dict(), "summary": summary, "findings": to_dicts(found)}, indent=1, default=str)
        return download(request, a, code, body, fmt, name, detail)
    if fmt == "html":
        from ..report.html import render_html

        return download(request, a, code, render_html(summary, found, title=title), fmt, name, detail)
    from ..report.xlsx import write_xlsx

    fd, tmp = tempfile.mkstemp(prefix="utrex-findings-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(summary, found, Path(tmp))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return download(request, a, code, Path(tmp), fmt, name, detail)


# --- the comparison with the previous submission -------------------------------------------------

@router.get("/leas/{lea}/submissions/{sid}/diff")
def diff_page(request: Request, lea: str, sid: str) -> Response:
    _, code = lea_of(request, lea)
    store = store_of(request)
    sub = submission_of(store, code, number(sid))
    prev = previous_submission(store, sub) if has_findings(sub) else None
    result = compare_submissions(store, prev.id, sub.id) if prev is not None else None
    return render(request, "lea_diff.html", lea=code, name=_name(request, code), sub=sub, prev=prev,
                  diff=result, first=page_size(request))


@router.get("/leas/{lea}/submissions/{sid}/diff.csv")
def diff_csv(request: Request, lea: str, sid: str) -> Response:
    a, code = lea_of(request, lea)
    store = store_of(request)
    sub = submission_of(store, code, number(sid))
    prev = previous_submission(store, sub) if has_findings(sub) else None
    if prev is None:
        raise HTTPException(409, "There is no earlier validated submission of this LEA to compare with.")
    body = report_diff.to_csv(compare_submissions(store, prev.id, sub.id))
    return download(request, a, code, body, "csv", f"submission-{prev.id}-to-{sub.id}-diff.csv",
                    {"what": "diff", "submission": sub.id, "previous": prev.id})


# --- examine -------------------------------------------------------------------------------------

def _examine(request: Request, code: str, fmt: str, submission: int | None) -> Response:
    a, _ = lea_of(request, code)
    if fmt not in ("csv", "html"):
        raise HTTPException(404)
    who_sees = audience(a)
    try:
        examined = examine(store_of(request), lea=code, submission=submission, audience=who_sees)
    except SubmissionError as e:  # e.g. a submission refused before it was archived
        raise HTTPException(409, f"Nothing to examine: {e}") from None
    body = to_csv(examined) if fmt == "csv" else to_html(examined)
    what = f"submission-{submission}" if submission is not None else "in-force"
    return download(request, a, code, body, fmt, f"lea-{code}-{what}-records.{fmt}",
                    {"what": "examine", "submission": submission, "audience": who_sees.value,
                     "records": examined.frame.height})


@router.get("/leas/{lea}/examine.{fmt}")
def examine_in_force(request: Request, lea: str, fmt: str) -> Response:
    _, code = lea_of(request, lea)
    return _examine(request, code, fmt, None)


@router.get("/leas/{lea}/submissions/{sid}/examine.{fmt}")
def examine_submission(request: Request, lea: str, sid: str, fmt: str) -> Response:
    _, code = lea_of(request, lea)
    sub = submission_of(store_of(request), code, number(sid))
    if not has_findings(sub):
        raise HTTPException(409, "This submission has not been validated (yet): it has no accepted records.")
    return _examine(request, code, fmt, sub.id)
