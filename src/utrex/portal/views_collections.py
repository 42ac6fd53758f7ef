"""An LEA's scheduled collections in the portal (issue 7, item 4): its data sources (credentials never
shown), schedules and runs, with "collect now" and a person's "validate", "submit", "cancel" on a run.

Access as every LEA page: 404 for an LEA the person may not see (and for a run or schedule id of another
LEA under this LEA's address); viewers read, and get 403 on every POST. A command source runs a program
on the server as the portal's user, so only a state administrator may add one (403 for an LEA uploader);
folder and url sources may be added by the LEA's uploaders.

"Collect now" runs on a small thread pool kept on `app.state` (created on first use, shut down with the
app, like portal/uploads.py's SubmissionJobs); the run's page refreshes itself until the run stops.
A person's validate/submit of a run is done within the request (the files an LEA collects validate in
seconds; the run's page then shows the result or the reason for a refusal).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..collector import config as C
from ..collector.manifests import MANIFESTS
from ..collector.models import Action, CollectionRun, CollectionSchedule, SourceKind
from ..collector.runner import RunError, Runner, get_run
from ..collector.service import Collector
from .accounts import Access
from .app_state import per_app
from .lea_web import number, require_upload
from .leas import known_leas
from .web import lea_of, render, store_of

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 2
RUNS_SHOWN = 50
T = TypeVar("T")


def pool_of(app: FastAPI) -> ThreadPoolExecutor:
    """The app's pool for "collect now" runs, created on first use and shut down (waiting for the runs it
    executes) when the app stops."""
    return per_app(app, "collection_pool",
                   lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="utrex-portal-collect"),
                   lambda pool: pool.shutdown(wait=True))


def _name(request: Request, code: str) -> str:
    return known_leas(store_of(request)).get(code, f"LEA {code}")


def shown_config(config: dict[str, Any]) -> dict[str, Any]:
    """A source's settings as shown: a user name or password written into a URL is masked."""
    out = dict(config)
    if "url" in out:
        parts = urlsplit(str(out["url"]))
        if parts.username or parts.password:
            host = parts.hostname or ""
            out["url"] = urlunsplit(parts._replace(netloc=f"***@{host}" + (f":{parts.port}" if parts.port else "")))
    return out


def _owned(request: Request, model: type[T], code: str, row_id: str) -> T:
    """The schedule or run if it is this LEA's; 404 otherwise (as for an id that does not exist)."""
    with store_of(request).session() as s:
        row = s.get(model, number(row_id))
    if row is None or row.lea != code:  # type: ignore[attr-defined]
        raise HTTPException(404)
    return row


def _schedule_of(request: Request, code: str, schedule_id: str) -> CollectionSchedule:
    return _owned(request, CollectionSchedule, code, schedule_id)


def _run_of(request: Request, code: str, run_id: str) -> CollectionRun:
    return _owned(request, CollectionRun, code, run_id)


def _page(request: Request, a: Access, code: str, status_code: int = 200, error: str | None = None,
          notice: str | None = None) -> Response:
    store = store_of(request)
    sources = C.list_sources(store, code)
    names = {src.id: src.name for src in sources}
    schedules = C.list_schedules(store, code)
    runs = C.list_runs(store, code, limit=RUNS_SHOWN)
    latest: dict[int, CollectionRun] = {}
    for r in runs:  # newest first: the first seen of a schedule is its latest
        latest.setdefault(r.schedule_id, r)
    busy = any(r.finished_at is None for r in runs)
    return render(request, "lea_collections.html", status_code=status_code, lea=code, name=_name(request, code),
                  sources=[{"src": s, "config": shown_config(s.config)} for s in sources], source_names=names,
                  schedules=schedules, latest=latest, runs=runs, can_act=a.can_upload(code),
                  may_command=a.is_admin, actions=[x.value for x in Action], manifests=MANIFESTS,
                  kinds=[k.value for k in SourceKind], error=error, notice=notice,
                  refresh=REFRESH_SECONDS if busy else None)


@router.get("/leas/{lea}/collections")
def collections_page(request: Request, lea: str) -> Response:
    a, code = lea_of(request, lea)
    return _page(request, a, code)


@router.post("/leas/{lea}/collections/sources")
def add_source(request: Request, lea: str, name: Annotated[str, Form(max_length=100)],
               kind: Annotated[str, Form(max_length=16)], path: Annotated[str, Form(max_length=1000)] = "",
               pattern: Annotated[str, Form(max_length=200)] = "", settle: Annotated[str, Form(max_length=10)] = "",
               url: Annotated[str, Form(max_length=2000)] = "", username: Annotated[str, Form(max_length=200)] = "",
               password: Annotated[str, Form(max_length=1000)] = "", token: Annotated[str, Form(max_length=2000)] = "",
               command: Annotated[str, Form(max_length=2000)] = "",
               timeout: Annotated[str, Form(max_length=10)] = "") -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    if kind == SourceKind.COMMAND.value and not a.is_admin:
        raise HTTPException(403, "A command source runs a program on the server: only a state administrator "
                                 "may add one. Use a folder or a URL source, or ask the state administrator.")
    extra: dict[str, Any] = {}
    try:
        if settle.strip():
            extra["settle_seconds"] = float(settle)
        if timeout.strip():
            extra["timeout_seconds"] = float(timeout)
        src = C.add_source(store_of(request), code, name.strip(), kind, user=a.user.email, path=path.strip() or None,
                           pattern=pattern.strip() or None, url=url.strip() or None, command=command.strip() or None,
                           username=username or None, password=password or None, token=token or None, **extra)
    except ValueError as e:  # ConfigError, or a number that is not one
        return _page(request, a, code, 400, error=f"Source not added: {e}")
    return RedirectResponse(f"/leas/{code}/collections?source={src.id}", status_code=303)


@router.post("/leas/{lea}/collections/schedules")
def add_schedule(request: Request, lea: str, source: Annotated[str, Form(max_length=20)],
                 action: Annotated[str, Form(max_length=20)], start: Annotated[str, Form(max_length=30)],
                 every: Annotated[str, Form(max_length=64)], manifest: Annotated[str, Form(max_length=64)] = "clearinghouse",
                 skip: Annotated[str, Form(max_length=5)] = "") -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    try:
        sc = C.add_schedule(store_of(request), code, source, action, start, every.strip(), user=a.user.email,
                            manifest_key=manifest, skip_unsubmitted=skip == "1")
    except C.ConfigError as e:
        return _page(request, a, code, 400, error=f"Collection not scheduled: {e}")
    return RedirectResponse(f"/leas/{code}/collections?schedule={sc.id}", status_code=303)


@router.post("/leas/{lea}/collections/schedules/{schedule_id}/run")
def collect_now(request: Request, lea: str, schedule_id: str) -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    sc = _schedule_of(request, code, schedule_id)
    store = store_of(request)
    run = Collector(store, dispatch=pool_of(request.app).submit).run_now(sc.id)
    return RedirectResponse(f"/leas/{code}/collections/runs/{run.id}", status_code=303)


def _run_page(request: Request, a: Access, code: str, run: CollectionRun, status_code: int = 200,
              error: str | None = None) -> Response:
    store = store_of(request)
    sc = C.get_schedule(store, run.schedule_id)
    return render(request, "lea_collection_run.html", status_code=status_code, lea=code, name=_name(request, code),
                  run=run, schedule=sc, can_act=a.can_upload(code), error=error,
                  refresh=REFRESH_SECONDS if run.finished_at is None else None)


@router.get("/leas/{lea}/collections/runs/{run_id}")
def run_page(request: Request, lea: str, run_id: str) -> Response:
    a, code = lea_of(request, lea)
    return _run_page(request, a, code, _run_of(request, code, run_id))


@router.post("/leas/{lea}/collections/runs/{run_id}/{what}")
def act(request: Request, lea: str, run_id: str, what: str) -> Response:
    a, code = lea_of(request, lea)
    require_upload(a, code)
    run = _run_of(request, code, run_id)
    if what not in ("validate", "submit", "cancel"):
        raise HTTPException(404)
    store = store_of(request)
    try:
        Runner(store).act(run.id, what)
    except RunError as e:
        return _run_page(request, a, code, get_run(store, run.id), 400, error=f"Not done: {e}")
    return RedirectResponse(f"/leas/{code}/collections/runs/{run.id}", status_code=303)
