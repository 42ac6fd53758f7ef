"""`create_app(store, settings)`: the portal's FastAPI application (pages rendered on the server)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..store.db import Store
from . import (
    api,
    api_errors,
    views_admin,
    views_auth,
    views_collections,
    views_home,
    views_lea,
    views_password,
    views_reports,
    views_state,
    views_submissions,
    views_tokens,
)
from .security import session_secret
from .web import NotLoggedIn, PortalSettings, check_csrf, login_url, render, share_connection

CSS = (Path(__file__).parent / "templates" / "portal.css").read_text(encoding="utf-8")
# no script, no inline style, nothing from elsewhere; forms post only here; no framing (click-jacking)
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


SECURITY_HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"))


class SecurityHeaders:
    """Adds the security headers a response does not set itself. Plain ASGI, not BaseHTTPMiddleware: that
    one runs every request through an extra task and stream, a measurable cost on every page under load."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(store: Store, settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    app = FastAPI(title="utrex portal", version=__version__, docs_url=None, redoc_url=None,
                  dependencies=[Depends(share_connection), Depends(check_csrf)])
    app.state.store = store
    app.state.portal_settings = settings
    app.add_middleware(SessionMiddleware, secret_key=session_secret(store.settings),
                       session_cookie=settings.cookie_name, max_age=settings.session_idle_minutes * 60,
                       same_site="lax", https_only=settings.secure_cookies)

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(NotLoggedIn)
    async def _login(request: Request, exc: NotLoggedIn) -> Response:
        return RedirectResponse(login_url(exc.path), status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):  # the API's own error shape
            return api_errors.http_error(request, exc)
        message = exc.detail if exc.status_code != 404 else "There is no such page, or it is not yours to see."
        return render(request, "error.html", status_code=exc.status_code, status=exc.status_code,
                      message=message)

    @app.get("/static/portal.css", include_in_schema=False)
    def _css() -> Response:
        return Response(CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    app.include_router(views_auth.router)
    app.include_router(views_home.router)
    app.include_router(views_admin.router)
    app.include_router(views_lea.router)
    app.include_router(views_submissions.router)
    app.include_router(views_tokens.router)
    app.include_router(views_password.router)
    app.include_router(views_reports.router)
    app.include_router(views_state.router)
    app.include_router(views_collections.router)
    api.install(app)  # /api/v1 and the API's error shape
    # routing's own 404/405 (not FastAPI's HTTPException): the error page too, not a bare JSON body
    app.add_exception_handler(StarletteHTTPException, _http)
    return app
