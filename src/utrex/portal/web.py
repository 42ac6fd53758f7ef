"""Request helpers shared by every page: the portal's state on the app, who is logged in (checked against
the store on every request, so a disabled account or a changed password ends its sessions at once),
CSRF checking, LEA access that answers 404 whether the LEA is unknown or not the person's, and rendering."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from ..store.db import Store
from ..store.submissions import normalize_lea
from . import accounts
from .accounts import ROLE_LABELS, Access, Role
from .audit import Who
from .security import CSRF_FIELD, CSRF_HEADER, new_token, same

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.auto_reload = False  # the templates ship with the package: no stat() of each on every page
TEMPLATES.env.globals.update(ROLE_LABELS=ROLE_LABELS, Role=Role, CSRF_FIELD=CSRF_FIELD)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class PortalSettings:
    session_idle_minutes: int = 60  # the cookie expires this long after the last request
    session_max_hours: int = 12  # and a session ends this long after log-in, however busy
    secure_cookies: bool = False  # True behind HTTPS: the cookie is then never sent over plain HTTP
    cookie_name: str = "utrex_session"
    page_size: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


class NotLoggedIn(Exception):
    """Raised by `me()`: the handler sends the browser to the log-in page, then back."""

    def __init__(self, path: str) -> None:
        self.path = path


def store_of(request: Request) -> Store:
    return request.app.state.store


def settings_of(request: Request) -> PortalSettings:
    return request.app.state.portal_settings


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_token()
    return token


async def share_connection(request: Request) -> AsyncIterator[None]:
    """App-wide dependency: a page's many small reads share one connection (Store.sharing)."""
    with store_of(request).sharing():
        yield


async def check_csrf(request: Request) -> None:
    """App-wide dependency: every state-changing request carries the session's CSRF token (form field or
    header), else 403. Requests with a Bearer token are API calls authenticated by that token alone (never
    by the cookie), so a forged cross-site request cannot use them."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.url.path.startswith("/api/"):  # the API reads no cookie: without a token it answers 401
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not same(request.session.get("csrf"), sent if isinstance(sent, str) else None):
        raise HTTPException(403, "The form has expired or did not come from this site. Go back, reload the "
                                 "page and try again.")


def start_session(request: Request, user_id: int, epoch: int) -> None:
    """A fresh session for a person who just logged in (new CSRF token: no session fixation)."""
    request.session.clear()
    request.session.update(uid=user_id, epoch=epoch, login_at=int(time.time()), csrf=new_token())


def current(request: Request) -> Access | None:
    """Who is logged in, or None; a session whose account was disabled, whose password changed or which
    is older than `session_max_hours` is ended here."""
    cached = getattr(request.state, "access", False)
    if cached is not False:
        return cached
    sess = request.session
    found: Access | None = None
    uid = sess.get("uid")
    if uid is not None:
        user = accounts.get_user(store_of(request), int(uid))
        age = time.time() - float(sess.get("login_at", 0))
        if (user is None or user.disabled or user.session_epoch != sess.get("epoch")
                or age > settings_of(request).session_max_hours * 3600):
            sess.clear()
        else:
            found = accounts.access(store_of(request), user)
    request.state.access = found
    return found


def me(request: Request) -> Access:
    """The logged-in person, or NotLoggedIn (pages send the browser to log in)."""
    found = current(request)
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotLoggedIn(path)
    return found


def admin(request: Request) -> Access:
    """A state administrator; anyone else gets 404, as for a page that does not exist."""
    a = me(request)
    if not a.is_admin:
        raise HTTPException(404)
    return a


def lea_of(request: Request, lea: str) -> tuple[Access, str]:
    """The LEA of a URL if this person may see it; 404 otherwise, the same answer as for an LEA that
    does not exist, so a guessed number tells nothing."""
    a = me(request)
    code = normalize_lea(lea)
    if not a.can_see(code):
        raise HTTPException(404)
    return a, code


def who(request: Request, access: Access | None = None) -> Who:
    a = access or current(request)
    return Who(a.user.id if a else None, a.user.email if a else None, client_of(request))


def login_url(path: str) -> str:
    return "/login?next=" + quote(path, safe="")


def safe_next(value: str | None) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect after log-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Any:
    context.setdefault("me", current(request))
    context["csrf"] = csrf_token(request)
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages show student data: never from a shared cache
    return response


def utc(t: dt.datetime | None) -> str:
    if t is None:
        return ""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["utc"] = utc
